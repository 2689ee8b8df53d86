"""Settings: API keys (created with the secret shown once, listed, revoked); the frequency cap."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session, col, select

from flowline.core.errors import NotFound, pydantic_errors
from flowline.core.models.api_keys import ApiKey, ApiKeyCreate
from flowline.core.models.installation_settings import InstallationSettings
from flowline.core.services.api_keys import create_api_key
from flowline.core.services.audit import changes as audit
from flowline.core.services.installation_settings import read_settings, replace_settings
from flowline.definitions.durations import duration_in_words, parse_duration_words
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep
from flowline.http.parameters import IdInPath
from flowline.web.form_errors import FormErrors, place_errors
from flowline.web.pages import PageRoute, render
from flowline.web.signin import AdminSession, CsrfChecked, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Short = Annotated[str, Form(max_length=200)]


def _page(
    request: Request,
    session: Session,
    *,
    cap_form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    created: tuple[ApiKey, str] | None = None,
    key_form: dict[str, str] | None = None,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    if cap_form is None:
        cap = read_settings(session).email_frequency_cap
        cap_form = (
            {"enabled": "on", "max": str(cap.max), "per": duration_in_words(cap.per)}
            if cap
            else {"enabled": "", "max": "3", "per": "7 days"}
        )
    context: dict[str, Any] = {
        "keys": list(session.exec(select(ApiKey).order_by(col(ApiKey.id)))),
        "cap": cap_form,
        "errors": errors or FormErrors(),
        "created": created,
        "key_form": key_form or {"name": "", "scope": "ingest"},
        "notice": notice,
    }
    return render(request, "settings.html", context, status)


@router.get("/settings")
def settings_page(_: SignedIn, request: Request, session: SessionDep, saved: str = "") -> Response:
    return _page(request, session, notice="Frequency cap saved." if saved else None)


@router.post("/settings/keys")
def create_key(
    _: AdminSession,
    __: CsrfChecked,
    request: Request,
    session: SessionDep,
    name: Short = "",
    scope: Short = "ingest",
) -> Response:
    try:
        data = ApiKeyCreate.model_validate({"name": name.strip(), "scope": scope})
    except ValidationError as error:
        failed = pydantic_errors(error.errors())
        errors = place_errors(failed.errors, lambda loc: f"key.{loc[0]}" if loc else None)
        key_form = {"name": name, "scope": scope}
        return _page(request, session, errors=errors, key_form=key_form, status=422)
    created = create_api_key(session, data.name, data.scope)
    audit.api_key_created(session, actor_of(request, session), created[0])
    # Shown in this answer only (never stored, never put in a redirect or the session).
    return _page(request, session, created=created)


@router.post("/settings/keys/{key_id}/revoke")
def revoke_key(
    _: AdminSession, __: CsrfChecked, request: Request, key_id: IdInPath, session: SessionDep
) -> Response:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} does not exist")
    actor = actor_of(request, session)
    session.delete(key)
    audit.api_key_revoked(session, actor, key)
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/frequency-cap")
def save_frequency_cap(
    _: AdminSession,
    __: CsrfChecked,
    request: Request,
    session: SessionDep,
    enabled: Short = "",
    max: Short = "",
    per: Short = "",
) -> Response:
    """The same body as `PUT /v1/settings`, validated by the same model."""
    cap_form = {"enabled": enabled, "max": max, "per": per}
    words = parse_duration_words(per)
    cap = {"max": max.strip() or None, "per": words if words is not None else per.strip()}
    try:
        data = InstallationSettings.model_validate(
            {"email_frequency_cap": cap if enabled else None}
        )
    except ValidationError as error:
        failed = pydantic_errors(error.errors())
        errors = place_errors(
            failed.errors, lambda loc: f"cap.{loc[-1]}" if len(loc) > 1 else "cap.max"
        )
        return _page(request, session, cap_form=cap_form, errors=errors, status=422)
    before = read_settings(session)
    replace_settings(session, data)
    audit.settings_changed(session, actor_of(request, session), before, data)
    return RedirectResponse("/settings?saved=1", status_code=303)


def _cap_field(loc: Sequence[str | int]) -> str:
    return f"cap.{loc[-1]}" if len(loc) > 1 else "cap.max"
