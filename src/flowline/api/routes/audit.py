"""`GET /v1/audit` (admin): who changed what, newest first. Read-only: no route changes the log."""

from typing import Annotated

from fastapi import Query

from flowline.api.authentication import AdminKey
from flowline.api.routing import api_router
from flowline.core.models.audit import MAX_OBJECT_ID, AuditEntryPublic, ObjectType
from flowline.core.models.pages import Page
from flowline.core.services.audit.log import AuditFilter, entries, to_public
from flowline.http.dependencies import SessionDep
from flowline.http.parameters import Offset

router = api_router("/v1/audit", tags=["audit"])
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
ACTOR = r"^(user|api_key):[^\x00-\x1f\x7f]{1,64}$"


@router.get("", response_model=Page[AuditEntryPublic])
def list_audit_entries(
    session: SessionDep,
    _: AdminKey,
    object_type: Annotated[
        ObjectType | None, Query(description="Only changes to this kind of object.")
    ] = None,
    object_id: str | None = Query(
        None,
        min_length=1,
        max_length=MAX_OBJECT_ID,
        pattern=PRINTABLE,
        description="Only changes to the object with this id (with `object_type` for one object).",
    ),
    actor: str | None = Query(
        None,
        max_length=72,
        pattern=ACTOR,
        description="Only changes by this actor, as `<type>:<id>`: `api_key:3`, "
        "`api_key:bootstrap`, `user:7`.",
    ),
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=500),
) -> Page[AuditEntryPublic]:
    """The audit log: every change made through the API or the web UI, newest first."""
    where = AuditFilter(object_type=object_type, object_id=object_id, actor=actor)
    rows, total = entries(session, where, offset=offset, limit=limit)
    return Page(items=[to_public(r) for r in rows], total=total, offset=offset, limit=limit)
