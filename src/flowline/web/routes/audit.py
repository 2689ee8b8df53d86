"""The Audit log page: who changed what, newest first, with the filters of `GET /v1/audit`."""

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Request, Response

from flowline.core.models.audit import ObjectType
from flowline.core.services.audit.log import AuditFilter, entries
from flowline.http.dependencies import SessionDep
from flowline.http.parameters import MAX_OFFSET
from flowline.web.pages import PageRoute, render
from flowline.web.signin import AdminSession

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50
OBJECT_TYPES = get_args(ObjectType)
Text = Annotated[str, Query(max_length=100)]


def _printable(text: str) -> str | None:
    # What the filters cannot hold is "no filter", never a 500 (PostgreSQL refuses U+0000).
    text = text.strip()
    return text if text and text.isprintable() else None


@router.get("/audit")
def audit_page(
    _: AdminSession,
    request: Request,
    session: SessionDep,
    object_type: Text = "",
    object_id: Text = "",
    actor: Text = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    chosen_actor = _printable(actor)
    where = AuditFilter(
        object_type=object_type if object_type in OBJECT_TYPES else None,
        object_id=_printable(object_id),
        actor=chosen_actor if chosen_actor and ":" in chosen_actor else None,
    )
    rows, total = entries(session, where, offset=offset, limit=PAGE_SIZE)
    context: dict[str, Any] = {
        "rows": rows,
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "object_types": [(t, t.replace("_", " ").capitalize()) for t in OBJECT_TYPES],
        "filters": {"object_type": object_type, "object_id": object_id, "actor": actor},
        "filtered": any((where.object_type, where.object_id, where.actor)),
    }
    return render(request, "audit.html", context)
