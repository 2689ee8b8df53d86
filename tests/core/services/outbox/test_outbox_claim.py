"""Which intents the dispatcher claims: oldest first, a profile's own order always kept, and
signals to running enrollments not queued behind a burst of other profiles' starts."""

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col

from flowline.core.database import session_scope
from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.outbox import intents as outbox
from flowline.core.timestamps import utcnow

BURST = 300


def _add(engine: Engine, *intents: tuple[str, dict[str, Any]]) -> None:
    with session_scope(engine) as session:
        outbox.add_intents(session, list(intents))


def _burst(engine: Engine) -> None:
    _add(engine, *[(outbox.START, {"workflow_id": 1, "profile_id": f"p{i}"}) for i in range(BURST)])


def _goal(profile_id: str) -> tuple[str, dict[str, Any]]:
    return outbox.GOAL, {"profile_id": profile_id, "event": "purchase", "event_id": profile_id}


def _claimed(engine: Engine, limit: int = 10) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        return [(i.kind, i.payload["profile_id"]) for i in outbox.claim(session, limit)]


def test_a_goal_of_a_running_enrollment_is_claimed_ahead_of_a_burst_of_starts(
    engine: Engine,
) -> None:
    _burst(engine)
    _add(engine, _goal("running"), (outbox.EXIT, {"profile_id": "running-2", "reason": "x"}))

    claimed = _claimed(engine)

    # The ten oldest starts, and both signals (in the order they were written).
    assert claimed[:10] == [(outbox.START, f"p{i}") for i in range(10)]
    assert claimed[10:] == [(outbox.GOAL, "running"), (outbox.EXIT, "running-2")]


def test_a_goal_still_waits_for_the_start_of_its_own_profile(engine: Engine) -> None:
    _burst(engine)
    _add(engine, (outbox.START, {"workflow_id": 1, "profile_id": "late"}), _goal("late"))

    assert "late" not in {profile for _, profile in _claimed(engine)}


def test_a_goal_waits_behind_its_profiles_intent_held_for_a_retry(engine: Engine) -> None:
    _add(engine, (outbox.EVENT, {"profile_id": "held", "event": "e"}), _goal("held"))
    with session_scope(engine) as session:
        session.execute(
            update(OutboxIntent)
            .where(col(OutboxIntent.kind) == outbox.EVENT)
            .values(available_at=utcnow() + timedelta(minutes=5))
        )
    _burst(engine)

    assert "held" not in {profile for _, profile in _claimed(engine)}


def test_nothing_is_claimed_twice_when_a_signal_is_among_the_oldest(engine: Engine) -> None:
    _add(engine, _goal("first"))
    _burst(engine)

    claimed = _claimed(engine)

    assert claimed.count((outbox.GOAL, "first")) == 1
    assert claimed[0] == (outbox.GOAL, "first") and len(claimed) == 10
