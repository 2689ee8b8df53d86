"""Settings → Suppressions: the addresses no workflow email goes to; search, add, remove.

The list keeps no plain address: a search takes a whole address (matched by its keyed hash),
the table shows masked addresses, and a row is removed by its id.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from flowline.core.errors import NotFound, pydantic_errors
from flowline.core.models.suppressions import MAX_ADDRESS, SuppressionIn, checked_address
from flowline.core.services.audit import changes as audit
from flowline.core.services.suppressions import Suppressor, find_by_id, remove_by_id
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, SettingsDep
from flowline.http.parameters import MAX_OFFSET, IdInPath
from flowline.web.form_errors import FormErrors, place_errors
from flowline.web.pages import PageRoute, render
from flowline.web.signin import AdminSession, CsrfChecked, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = "/settings/suppressions"
PAGE_SIZE = 50
REASON_WORDS = {"hard_bounce": "Hard bounce", "complaint": "Complaint", "manual": "Added by hand"}
NOTICES = {"added": "Address suppressed.", "removed": "Address removed from the list."}


def _page(
    request: Request,
    session: Session,
    suppressor: Suppressor,
    *,
    address: str = "",
    offset: int = 0,
    notice: str | None = None,
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    problem = None
    wanted = None
    if address.strip():
        try:
            wanted = checked_address(address)
        except ValueError as error:
            problem = f"{error} The list keeps no plain addresses: search for a whole address."
    listing = suppressor.listing(session, address=wanted, limit=PAGE_SIZE, offset=offset)
    context: dict[str, Any] = {
        "address": address,
        "problem": problem,
        "rows": [] if problem else listing.items,
        "total": 0 if problem else listing.total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "reasons": REASON_WORDS,
        "notice": notice,
        "form": form or {"address": "", "detail": ""},
        "errors": errors or FormErrors(),
    }
    return render(request, "suppressions.html", context, 422 if problem else status)


def _suppressor(settings: SettingsDep) -> Suppressor:
    return Suppressor(tuple(settings.secret_keys()))


@router.get(PAGE)
def suppressions_page(
    _: SignedIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    address: Annotated[str, Query(max_length=1000)] = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    done: str = "",
) -> Response:
    suppressor = _suppressor(settings)
    notice = NOTICES.get(done)
    return _page(request, session, suppressor, address=address, offset=offset, notice=notice)


@router.post(PAGE)
def add_suppression(
    _: AdminSession,
    __: CsrfChecked,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    new_address: Annotated[str, Form(max_length=1000)] = "",
    detail: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    address = new_address
    form = {"address": address, "detail": detail}
    suppressor = _suppressor(settings)
    try:
        data = SuppressionIn.model_validate(
            {"address": address[: MAX_ADDRESS + 1], "detail": detail.strip() or None}
        )
    except ValidationError as error:
        failed = pydantic_errors(error.errors())
        errors = place_errors(failed.errors, lambda loc: f"add.{loc[-1]}" if loc else "add.address")
        return _page(request, session, suppressor, form=form, errors=errors, status=422)
    row, new = suppressor.add(session, data.address, "manual", data.detail)
    if new:
        audit.suppression_added(session, actor_of(request, session), row)
    return RedirectResponse(f"{PAGE}?done=added", status_code=303)


@router.post(PAGE + "/{suppression_id}/remove")
def remove_suppression(
    _: AdminSession,
    __: CsrfChecked,
    request: Request,
    suppression_id: IdInPath,
    session: SessionDep,
) -> Response:
    listed = find_by_id(session, suppression_id)
    if listed is None or not remove_by_id(session, suppression_id):
        raise NotFound("this address is no longer on the suppression list")
    audit.suppression_removed(session, actor_of(request, session), listed)
    return RedirectResponse(f"{PAGE}?done=removed", status_code=303)
