"""Profiles: a searchable list, and one profile's properties, events, segments and enrollments;
erase it.

The list searches by id prefix or `property=value` (`q`), a page of `PAGE_SIZE` at a time
(`offset`). The id of one profile travels in the query string (`/profiles?id=...`) and in the
erase form's body, never as a path segment: any id ingestion accepts (`/`, `%`, `?`, `#`, `..`)
reaches the page unchanged.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import col, select

from flowline.core.models.profiles import Profile
from flowline.core.models.segments import Segment
from flowline.core.models.workflows import Workflow
from flowline.core.services.audit import changes as audit
from flowline.core.services.enrollments import views as enrollment_views
from flowline.core.services.profiles.crud import recent_events
from flowline.core.services.profiles.erasure import erase_profile
from flowline.core.services.profiles.search import search_profiles
from flowline.core.services.segments.crud import segments_of
from flowline.definitions.identifiers import is_profile_id
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, SettingsDep
from flowline.http.parameters import MAX_OFFSET
from flowline.web.pages import PageRoute, render
from flowline.web.profile_ids import meant_profile_id
from flowline.web.profile_listing import (
    consent_properties,
    inline_words,
    read_search_box,
    scalar_words,
)
from flowline.web.signin import AdminSession, CsrfChecked, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50
WORDS = {"scalar_words": scalar_words, "inline_words": inline_words}


@router.get("/profiles")
def profiles_page(
    _: SignedIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    id: str | None = None,
    q: str = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    erased: str = "",
) -> Response:
    if id is None or not id.strip():
        return _list_page(request, session, q, offset, bool(erased))
    return _profile_page(request, session, settings, id)


def _list_page(
    request: Request, session: SessionDep, q: str, offset: int, erased: bool
) -> Response:
    box = read_search_box(q)
    context: dict[str, object] = {
        "q": q,
        "problem": box.problem,
        "erased": erased,
        "consent": consent_properties(session),
        "rows": [],
        "total": 0,
        "offset": offset,
        "page_size": PAGE_SIZE,
        **WORDS,
    }
    if box.search is not None:
        rows, total = search_profiles(session, box.search, offset=offset, limit=PAGE_SIZE)
        context.update(rows=rows, total=total)
    return render(request, "profiles.html", context, 422 if box.problem else 200)


def _profile_page(
    request: Request, session: SessionDep, settings: SettingsDep, id: str
) -> Response:
    wanted = id if id.strip() else ""
    context: dict[str, object] = {"wanted": wanted, "profile": None, **WORDS}
    meant = meant_profile_id(session, wanted)
    profile = session.get(Profile, meant) if meant is not None else None
    if profile is not None:
        segment_ids = segments_of(session, profile.id)
        segments = session.exec(select(Segment).where(col(Segment.id).in_(segment_ids))).all()
        rows, _total = enrollment_views.page_enrollments(session, profile_id=profile.id, limit=100)
        workflow_ids = {e.workflow_id for e in rows}
        names = {
            w.id: w.name
            for w in session.exec(select(Workflow).where(col(Workflow.id).in_(workflow_ids)))
        }
        context.update(
            profile=profile,
            properties=sorted(profile.properties.items()),
            events=recent_events(session, profile.id),
            segments=segments,
            enrollments=[enrollment_views.to_public(settings, e) for e in rows],
            workflow_names=names,
        )
    status = 404 if wanted and profile is None else 200
    return render(request, "profile.html", context, status)


@router.post("/profiles/erase")
def erase(
    _: AdminSession,
    __: CsrfChecked,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    id: Annotated[str, Form()] = "",
) -> Response:
    """The same erasure as `DELETE /v1/profiles/{profile_id}`; idempotent."""
    if is_profile_id(id):
        erase_profile(session, id)
        secret = settings.secret_keys()[0] if settings.has_secret_key else None
        audit.profile_erased(session, actor_of(request, session), secret, id)
    # The erased id stays out of the address (and so out of logs and the browser's history).
    return RedirectResponse("/profiles?erased=1", status_code=303)
