"""Outbox intents: written in the transaction of the change that causes them, claimed later.

Kinds and payloads:
- `start_enrollment`: {workflow_id, profile_id}
- `deliver_goal`: {profile_id, event, properties, event_id, at} (an event goal)
- `deliver_segment_goal`: {profile_id, segment_id, at}
- `deliver_event`: {profile_id, event, event_id, at, enrollments: {enrollment id: [step paths]}}
  (an event that `wait_for_event` steps wait for; no event properties)
- `exit_enrollments`: {reason, workflow_id? , profile_id?}
- `erase_profile`: {profile_id, erased_at} (the Temporal half of an erasure,
  see profiles/erasure.py)

Only the holder of the dispatcher lease claims and marks intents (outbox/lease_jobs.py).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.sql import table_of
from flowline.core.timestamps import utcnow

START = "start_enrollment"
GOAL = "deliver_goal"
SEGMENT_GOAL = "deliver_segment_goal"
EVENT = "deliver_event"
EXIT = "exit_enrollments"
ERASE = "erase_profile"

_INSERT = insert(table_of(OutboxIntent))


def add_intents(session: Session, intents: list[tuple[str, dict[str, Any]]]) -> None:
    if intents:
        now = utcnow()
        session.connection().execute(
            _INSERT,
            [
                {
                    "kind": kind,
                    "profile_id": payload.get("profile_id"),
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
    """Pending intents, oldest first (the caller holds the dispatcher lease), and ahead of them
    the signals to running enrollments that nothing earlier of their profile holds back.

    An intent waiting for a retry holds back the later intents of the same profile. No row is
    locked or skipped: with one dispatcher at a time, every earlier intent is seen, so a goal
    is never taken before the start it follows. The signals (a goal, an event, an exit, an
    erasure) do not wait behind a burst of other profiles' starts: their profile's order is all
    that binds them.
    """
    now = utcnow()
    query = (
        select(OutboxIntent)
        .where(col(OutboxIntent.done_at).is_(None))
        .order_by(col(OutboxIntent.id))
        .limit(limit * 5)
    )
    held: set[str] = set()
    claimed: list[OutboxIntent] = []
    pending = list(session.exec(query))
    for intent in pending:
        key = order_key(intent)
        if intent.available_at > now or key in held:
            held.add(key)
        elif len(claimed) < limit:
            claimed.append(intent)
    if len(pending) < limit * 5 and len(claimed) < limit:
        # Every pending intent was seen and every one free to run was claimed: the signals
        # query could find nothing more (an idle poll is one query, not two).
        return claimed
    taken = {intent.id for intent in claimed}
    ahead = [i for i in session.exec(_unblocked_signals(now, limit)) if i.id not in taken]
    return sorted(claimed + ahead, key=lambda intent: intent.id or 0)


def _unblocked_signals(now: datetime, limit: int) -> Any:
    """Pending intents of a profile other than starts, with no earlier pending intent of it."""
    earlier = aliased(OutboxIntent)
    return (
        select(OutboxIntent)
        .where(
            col(OutboxIntent.done_at).is_(None),
            col(OutboxIntent.kind) != START,
            col(OutboxIntent.profile_id).is_not(None),
            col(OutboxIntent.available_at) <= now,
            ~exists().where(
                col(earlier.done_at).is_(None),
                col(earlier.profile_id) == col(OutboxIntent.profile_id),
                col(earlier.id) < col(OutboxIntent.id),
            ),
        )
        .order_by(col(OutboxIntent.id))
        .limit(limit)
    )


def mark_done(session: Session, ids: list[int], note: dict[int, str] | None = None) -> None:
    now = utcnow()
    notes = note or {}
    # A done intent keeps only its note (e.g. "ConsentMissing: ..."), not old errors.
    plain = [i for i in ids if i not in notes]
    if plain:
        session.execute(
            update(OutboxIntent)
            .where(col(OutboxIntent.id).in_(plain))
            .values(done_at=now, last_error=None, attempts=col(OutboxIntent.attempts) + 1)
        )
    for intent_id, text in notes.items():
        session.execute(
            update(OutboxIntent)
            .where(col(OutboxIntent.id) == intent_id)
            .values(done_at=now, last_error=text, attempts=col(OutboxIntent.attempts) + 1)
        )


def retry_later(session: Session, intent_id: int, error: str, at: datetime) -> None:
    session.execute(
        update(OutboxIntent)
        .where(col(OutboxIntent.id) == intent_id)
        .values(available_at=at, last_error=error[:2000], attempts=col(OutboxIntent.attempts) + 1)
    )


def forget(session: Session, ids: list[int]) -> None:
    """Delete handled intents that must leave no trace (a finished erasure)."""
    if ids:
        session.execute(delete(OutboxIntent).where(col(OutboxIntent.id).in_(ids)))


def delete_profile_intents(session: Session, profile_id: str) -> None:
    """Erasure: the profile's pending and done intents (goal payloads hold event properties)."""
    session.execute(delete(OutboxIntent).where(col(OutboxIntent.profile_id) == profile_id))


def pending_count(session: Session) -> int:
    return len(
        list(session.exec(select(OutboxIntent.id).where(col(OutboxIntent.done_at).is_(None))))
    )
