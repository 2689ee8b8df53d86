"""Hand outbox intents to Temporal. Idempotent: running an intent twice does no harm.

- a start carries the intent id (`trigger_id`): a re-dispatched start finds its enrollment;
  and while it runs, the workflow id's "use existing" policy makes a second start a no-op;
- goals and exits are signals: a repeated goal counts once, a repeated exit changes nothing.
"""

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import col, select
from temporalio.client import Client

from flowline.core.database import read_scope, session_scope
from flowline.core.errors import Conflict, NotFound
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.outbox import OutboxIntent
from flowline.core.services import outbox
from flowline.core.services.enrollments import start_enrollment
from flowline.core.services.event_signals import deliver_event
from flowline.core.services.signals import deliver_goal, deliver_segment_goal, exit_enrollments
from flowline.core.settings import Settings
from flowline.core.timestamps import utcnow

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(seconds=30)
CONCURRENCY = 16  # profiles dispatched side by side


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=0.5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def trigger_id(intent: OutboxIntent) -> str:
    return f"outbox:{intent.id}"


def _already_started(engine: Engine, trigger: str) -> bool:
    with read_scope(engine) as session:
        found = session.exec(select(Enrollment.id).where(col(Enrollment.trigger_id) == trigger))
        return found.first() is not None


async def run_intent(
    engine: Engine, client: Client, settings: Settings, intent: OutboxIntent
) -> str | None:
    """Carry out one intent; returns a note for intents that ended without effect."""
    payload = intent.payload
    if intent.kind == outbox.START:
        trigger = trigger_id(intent)
        if await asyncio.to_thread(_already_started, engine, trigger):
            return "already started"
        try:
            await start_enrollment(
                engine,
                client,
                settings,
                payload["workflow_id"],
                payload["profile_id"],
                trigger_id=trigger,
                triggered_at=intent.created_at,
            )
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
    else:
        return f"unknown intent kind {intent.kind!r}"
    return None


def _claim(engine: Engine, limit: int) -> list[OutboxIntent]:
    with session_scope(engine) as session:
        return outbox.claim(session, limit)


def _finish(
    engine: Engine, done: dict[int, str | None], failed: dict[int, tuple[str, int]]
) -> None:
    with session_scope(engine) as session:
        outbox.mark_done(session, list(done), {k: v for k, v in done.items() if v})
        now = utcnow()
        for intent_id, (error, attempts) in failed.items():
            outbox.retry_later(session, intent_id, error, now + backoff(attempts))


async def dispatch_once(
    engine: Engine, client: Client, settings: Settings, limit: int = 200
) -> int:
    """Run the pending intents once; failures are retried later with backoff.

    Intents of one profile run one after the other, in the order they were written; different
    profiles run side by side (at most CONCURRENCY at a time).
    """
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
    if intents:
        await asyncio.to_thread(_finish, engine, done, failed)
    return len(intents)


async def run_dispatcher(
    engine: Engine, client: Client, settings: Settings, idle: float = 0.2
) -> None:
    """Dispatch until cancelled."""
    while True:
        try:
            handled = await dispatch_once(engine, client, settings)
        except Exception as error:  # the database itself is away: wait and try again
            log.warning("outbox dispatcher: %s", error)
            handled = 0
        if not handled:
            await asyncio.sleep(idle)
