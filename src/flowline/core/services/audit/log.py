"""Writing and reading the audit log. Entries are added in the transaction of the change they
describe (a change rolled back leaves no entry) and never changed nor deleted."""

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from flowline.core.models.audit import (
    MAX_NAME,
    MAX_OBJECT_ID,
    Actor,
    AuditActorPublic,
    AuditEntry,
    AuditEntryPublic,
    AuditObjectPublic,
)
from flowline.core.timestamps import utcnow


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int | None,
    object_name: str,
    summary: str,
) -> AuditEntry:
    """Add one entry to the caller's transaction (the caller commits, with its change)."""
    entry = AuditEntry(
        at=utcnow(),
        actor_type=actor.type,
        actor_id=None if actor.id is None else _cut(actor.id, MAX_OBJECT_ID),
        actor_name=_cut(actor.name, MAX_NAME),
        action=action,
        object_type=object_type,
        object_id=_cut("" if object_id is None else str(object_id), MAX_OBJECT_ID),
        object_name=_cut(object_name, MAX_NAME),
        summary=summary,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    """`<type>:<id>` (`api_key:3`, `api_key:bootstrap`, `user:7`)."""


def entries(
    session: Session, where: AuditFilter, *, offset: int = 0, limit: int = 50
) -> tuple[list[AuditEntry], int]:
    """A page of entries, newest first, and how many match in all."""
    conditions = []
    if where.object_type is not None:
        conditions.append(col(AuditEntry.object_type) == where.object_type)
    if where.object_id is not None:
        conditions.append(col(AuditEntry.object_id) == where.object_id)
    if where.actor is not None:
        actor_type, _, actor_id = where.actor.partition(":")
        conditions.append(col(AuditEntry.actor_type) == actor_type)
        conditions.append(col(AuditEntry.actor_id) == actor_id)
    total = session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
    rows = session.exec(
        select(AuditEntry)
        .where(*conditions)
        .order_by(col(AuditEntry.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


def to_public(entry: AuditEntry) -> AuditEntryPublic:
    assert entry.id is not None
    return AuditEntryPublic(
        id=entry.id,
        at=entry.at,
        actor=AuditActorPublic.model_validate(
            {"type": entry.actor_type, "id": entry.actor_id, "name": entry.actor_name}
        ),
        action=entry.action,
        object=AuditObjectPublic(
            type=entry.object_type, id=entry.object_id, name=entry.object_name
        ),
        summary=entry.summary,
    )
