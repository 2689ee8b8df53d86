"""Outbox intents: written in the transaction of the change that causes them, claimed later.

Kinds and payloads:
- `start_enrollment`: {workflow_id, profile_id}
- `deliver_goal`: {profile_id, event, properties, event_id, at} (an event goal)
- `deliver_segment_goal`: {profile_id, segment_id, at}
- `deliver_event`: {profile_id, event, event_id, at, enrollments: {enrollment id: [step paths]}}
  (an event that `wait_for_event` steps wait for; no event properties)
- `exit_enrollments`: {reason, workflow_id? , profile_id?}
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from flowline.core.models.outbox import OutboxIntent
from flowline.core.timestamps import utcnow

START = "start_enrollment"
GOAL = "deliver_goal"
SEGMENT_GOAL = "deliver_segment_goal"
EVENT = "deliver_event"
EXIT = "exit_enrollments"
LEASE = timedelta(seconds=60)


def add_intents(session: Session, intents: list[tuple[str, dict[str, Any]]]) -> None:
    if intents:
        now = utcnow()
        session.execute(
            insert(OutboxIntent),
            [
                {
                    "kind": kind,
                    "payload": payload,
                    "created_at": now,
                    "available_at": now,
                    "attempts": 0,
                }
                for kind, payload in intents
            ],
        )


def order_key(intent: OutboxIntent) -> str:
    """Intents with the same key run in the order they were written (a goal after its start)."""
    payload = intent.payload
    if "profile_id" in payload:
        return f"profile:{payload['profile_id']}"
    return f"workflow:{payload.get('workflow_id')}"


def claim(session: Session, limit: int) -> list[OutboxIntent]:
    """Pending intents, oldest first, leased for a minute so no other dispatcher takes them.

    An intent waiting for a retry holds back the later intents of the same profile.
    """
    now = utcnow()
    query = (
        select(OutboxIntent)
        .where(col(OutboxIntent.done_at).is_(None))
        .order_by(col(OutboxIntent.id))
        .limit(limit * 5)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    held: set[str] = set()
    claimed: list[OutboxIntent] = []
    for intent in session.exec(query):
        key = order_key(intent)
        if intent.available_at > now or key in held:
            held.add(key)
        elif len(claimed) < limit:
            claimed.append(intent)
    if claimed:
        session.execute(
            update(OutboxIntent)
            .where(col(OutboxIntent.id).in_([i.id for i in claimed]))
            .values(available_at=now + LEASE, attempts=col(OutboxIntent.attempts) + 1)
        )
    return claimed


def mark_done(session: Session, ids: list[int], note: dict[int, str] | None = None) -> None:
    now = utcnow()
    notes = note or {}
    # A done intent keeps only its note (e.g. "ConsentMissing: ..."), not old errors.
    plain = [i for i in ids if i not in notes]
    if plain:
        session.execute(
            update(OutboxIntent)
            .where(col(OutboxIntent.id).in_(plain))
            .values(done_at=now, last_error=None)
        )
    for intent_id, text in notes.items():
        session.execute(
            update(OutboxIntent)
            .where(col(OutboxIntent.id) == intent_id)
            .values(done_at=now, last_error=text)
        )


def retry_later(session: Session, intent_id: int, error: str, at: datetime) -> None:
    session.execute(
        update(OutboxIntent)
        .where(col(OutboxIntent.id) == intent_id)
        .values(available_at=at, last_error=error[:2000])
    )


def pending_count(session: Session) -> int:
    return len(
        list(session.exec(select(OutboxIntent.id).where(col(OutboxIntent.done_at).is_(None))))
    )
