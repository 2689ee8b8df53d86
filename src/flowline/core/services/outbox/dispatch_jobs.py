"""Hand outbox intents to Temporal. One dispatcher at a time; running an intent twice is harmless.

Several worker processes may each run a dispatcher: only the holder of the lease claims and
marks intents (lease_jobs.py), so every profile's intents run in the order they were
written — a goal after the start it follows. A dispatcher that lost its lease (paused past it)
stops before its next intent and its results are not written; what it may still have sent is
idempotent:
- a start carries the intent's name (`trigger_id`) and a request id derived from it: sent
  again, Temporal answers with the run the first request made (running or closed), and a
  re-dispatched start finds its enrollment. A start sent so late that a later run of the same
  workflow id exists is recognised (`DuplicateStart`), deleted, and can do nothing meanwhile;
- goals and exits are signals: a repeated goal counts once, a repeated exit changes nothing;
- an erasure deletes executions, which may already be gone.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, bindparam, exists, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col
from temporalio.client import Client

from flowline.core.database import read_scope, session_scope
from flowline.core.errors import Conflict, NotFound
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.enrollments.signal_jobs import (
    deliver_event,
    deliver_goal,
    deliver_segment_goal,
    exit_enrollments,
)
from flowline.core.services.enrollments.start_jobs import start_enrollment
from flowline.core.services.outbox import intents as outbox
from flowline.core.services.outbox.lease_jobs import Lease, LeaseLost
from flowline.core.services.profiles.erasure_jobs import erase_from_temporal
from flowline.core.settings import Settings
from flowline.core.timestamps import utcnow

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(seconds=30)
CONCURRENCY = 16  # profiles dispatched side by side
# An idle dispatcher looks at the outbox this often: a trigger waits at most this long for its
# enrollment to start (the query reads one index and takes no write lock).
IDLE_POLL = 0.02
REQUEST_IDS = uuid.UUID("6f0e7a52-2b8c-4d0b-9a43-5d1f3c0e8b71")


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=0.5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def request_id(intent: OutboxIntent) -> str:
    """The same for every dispatch of this intent; the creation time keeps it unique even if the
    database is reset while Temporal keeps its history (intent ids start again at 1)."""
    return str(uuid.uuid5(REQUEST_IDS, f"{intent.id}:{intent.created_at.isoformat()}"))


def trigger_id(intent: OutboxIntent) -> str:
    """Names this intent and no other: the request id adds its creation time to its id, so an
    intent that got the id of a deleted one (SQLite handed ids out again before migration 0010)
    is not taken for it."""
    return f"outbox:{intent.id}:{request_id(intent)}"


# Whether a start intent must not be sent (again), in one statement built once: an enrollment
# it started already, under its name or under the former `outbox:<id>` one (the same workflow
# and profile, started at the intent's creation time: another intent that got the same id was
# created at another time); and whether it is still pending (not erased with its profile, not
# done by the lease's next holder).
_STARTED = exists().where(
    or_(
        col(Enrollment.trigger_id) == bindparam("trigger_id"),
        and_(
            col(Enrollment.trigger_id) == bindparam("legacy_trigger_id"),
            col(Enrollment.workflow_id) == bindparam("workflow_id"),
            col(Enrollment.profile_id) == bindparam("profile_id"),
            col(Enrollment.started_at) == bindparam("created_at"),
        ),
    )
)
_PENDING = exists().where(
    col(OutboxIntent.id) == bindparam("intent_id"), col(OutboxIntent.done_at).is_(None)
)
_START_STATE = sa_select(_STARTED, _PENDING)


class _NotSent(Exception):
    """A start intent that must not be sent (again): why."""


def _start_check(intent: OutboxIntent) -> Callable[[Session], None]:
    """Run in the start's own read transaction; raises `_NotSent` when it must not be sent."""
    assert intent.id is not None
    params = {
        "trigger_id": trigger_id(intent),
        "legacy_trigger_id": f"outbox:{intent.id}",
        "workflow_id": intent.payload["workflow_id"],
        "profile_id": intent.payload["profile_id"],
        "created_at": intent.created_at,
        "intent_id": intent.id,
    }

    def check(session: Session) -> None:
        started, pending = session.connection().execute(_START_STATE, params).one()
        if started:
            raise _NotSent("already started")
        if not pending:
            raise _NotSent("withdrawn")

    return check


async def run_intent(
    engine: Engine, client: Client, settings: Settings, intent: OutboxIntent
) -> str | None:
    """Carry out one intent; returns a note for intents that ended without effect."""
    payload = intent.payload
    if intent.kind == outbox.START:
        try:
            await start_enrollment(
                engine,
                client,
                settings,
                payload["workflow_id"],
                payload["profile_id"],
                trigger_id=trigger_id(intent),
                triggered_at=intent.created_at,
                trigger=payload.get("trigger"),
                request_id=request_id(intent),
                check=_start_check(intent),
            )
        except _NotSent as note:
            return str(note)
        except (Conflict, NotFound) as error:  # disabled, no consent, no re-entry, deleted
            return f"{error.error}: {error.detail}"
    elif intent.kind == outbox.GOAL:
        await deliver_goal(
            engine,
            client,
            payload["profile_id"],
            payload["event"],
            payload["properties"],
            event_id=payload["event_id"],
            at=datetime.fromisoformat(payload["at"]),
        )
    elif intent.kind == outbox.SEGMENT_GOAL:
        await deliver_segment_goal(
            engine,
            client,
            payload["profile_id"],
            payload["segment_id"],
            at=datetime.fromisoformat(payload["at"]),
        )
    elif intent.kind == outbox.EVENT:
        await deliver_event(engine, client, payload)
    elif intent.kind == outbox.EXIT:
        filters = {k: payload[k] for k in ("workflow_id", "profile_id") if k in payload}
        await exit_enrollments(engine, client, payload["reason"], **filters)
    elif intent.kind == outbox.ERASE:
        erased_at = datetime.fromisoformat(payload["erased_at"])
        await erase_from_temporal(engine, client, payload["profile_id"], erased_at)
    else:
        return f"unknown intent kind {intent.kind!r}"
    return None


def _claim(engine: Engine, limit: int) -> list[OutboxIntent]:
    # Only reads (no write lock on SQLite while idle): the lease was checked just before, and
    # what is done with the intents is fenced when it is written.
    with read_scope(engine) as session:
        return outbox.claim(session, limit)


def _finish(
    engine: Engine,
    lease: Lease,
    intents: list[OutboxIntent],
    done: dict[int, str | None],
    failed: dict[int, tuple[str, int]],
) -> None:
    # Fenced: results of a dispatcher whose lease was taken over are not written.
    with session_scope(engine) as session:
        lease.fence(session)
        # A finished erasure leaves no trace of the profile in the outbox.
        erased = [i.id for i in intents if i.kind == outbox.ERASE and i.id in done]
        outbox.forget(session, [i for i in erased if i is not None])
        kept = {k: v for k, v in done.items() if k not in erased}
        outbox.mark_done(session, list(kept), {k: v for k, v in kept.items() if v})
        now = utcnow()
        for intent_id, (error, attempts) in failed.items():
            outbox.retry_later(session, intent_id, error, now + backoff(attempts))


async def dispatch_once(
    engine: Engine, client: Client, settings: Settings, lease: Lease, limit: int = 200
) -> int:
    """Run the pending intents once if this dispatcher holds the lease; failures are retried
    later with backoff.

    Intents of one profile run one after the other, in the order they were written; different
    profiles run side by side (at most CONCURRENCY at a time).
    """
    if not await lease.hold():
        return 0
    intents = await asyncio.to_thread(_claim, engine, limit)
    done: dict[int, str | None] = {}
    failed: dict[int, tuple[str, int]] = {}
    lanes: dict[str, list[OutboxIntent]] = {}
    for intent in intents:
        lanes.setdefault(outbox.order_key(intent), []).append(intent)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def run_lane(lane: list[OutboxIntent]) -> None:
        async with gate:
            for position, intent in enumerate(lane):
                assert intent.id is not None
                if not await lease.hold():
                    return  # lost (or about to lose) the lease: the next holder runs the rest
                try:
                    done[intent.id] = await run_intent(engine, client, settings, intent)
                except Exception as error:  # Temporal unreachable, database busy...: retry
                    log.warning("outbox intent %s failed, will retry: %s", intent.id, error)
                    # The lane's later intents wait for this one (a goal after its start).
                    for later in lane[position:]:
                        assert later.id is not None
                        failed[later.id] = (f"{type(error).__name__}: {error}", intent.attempts + 1)
                    return

    await asyncio.gather(*(run_lane(lane) for lane in lanes.values()))
    if done or failed:
        try:
            await asyncio.to_thread(_finish, engine, lease, intents, done, failed)
        except LeaseLost:
            log.info("outbox lease lost mid-dispatch: the next holder runs these intents again")
            return 0
    return len(intents)


async def run_dispatcher(
    engine: Engine,
    client: Client,
    settings: Settings,
    idle: float = IDLE_POLL,
    lease: Lease | None = None,
) -> None:
    """Dispatch until cancelled, while holding the lease; otherwise wait to take it over."""
    lease = lease or Lease(engine, ttl=timedelta(seconds=settings.dispatcher_lease_seconds))
    try:
        while True:
            try:
                handled = await dispatch_once(engine, client, settings, lease)
            except Exception as error:  # the database itself is away: wait and try again
                log.warning("outbox dispatcher: %s", error)
                handled = 0
            if not handled:
                # A waiting dispatcher polls less often: the lease lasts a while anyway.
                pause = idle if lease.valid() else max(idle, lease.ttl.total_seconds() / 5)
                await asyncio.sleep(pause)
    finally:
        try:
            lease.release()  # the next dispatcher need not wait for the lease to expire
        except Exception as error:
            log.warning("outbox lease not released: %s", error)
