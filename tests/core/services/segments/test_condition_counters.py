"""Per-condition counters: a `where` without `within` is answered without the event log."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, delete, event, func
from sqlmodel import select

from flowline.core.database import session_scope
from flowline.core.models.event_schemas import EventIn
from flowline.core.models.events import ConditionCounter, CountedCondition, Event
from flowline.core.models.segments import Segment
from flowline.core.services.ingestion.changes import apply_changes
from flowline.core.services.profiles.erasure import erase_profile
from flowline.core.services.segments.crud import (
    create_segment,
    delete_segment,
    segments_of,
    update_segment,
)

PRO_BUYER = {
    "event": "purchase",
    "min_count": 2,
    "where": {"property": "plan", "op": "eq", "value": "pro"},
}


def ingest(engine: Engine, profile_id: str, *events: tuple[str, dict[str, Any]]) -> None:
    with session_scope(engine) as session:
        apply_changes(
            session,
            events=[EventIn(profile_id=profile_id, name=n, properties=p) for n, p in events],
        )


def segment(engine: Engine, rule: dict[str, Any], name: str = "Pro buyers") -> int:
    with session_scope(engine) as session:
        created = create_segment(session, name, rule)
        assert created.id is not None
        return created.id


def member_of(engine: Engine, profile_id: str) -> list[int]:
    with session_scope(engine) as session:
        return segments_of(session, profile_id)


def counters(engine: Engine) -> dict[tuple[str, str], int]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(
                ConditionCounter.profile_id, ConditionCounter.condition_key, ConditionCounter.count
            )
        )
        return {(pid, key): count for pid, key, count in rows}


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_where_condition_is_evaluated_without_reading_the_events_table(engine: Engine) -> None:
    sid = segment(engine, PRO_BUYER)
    ingest(engine, "ada", ("purchase", {"plan": "pro"}), ("purchase", {"plan": "free"}))
    assert member_of(engine, "ada") == []
    with statements(engine) as seen:
        ingest(engine, "ada", ("purchase", {"plan": "pro"}))
    assert member_of(engine, "ada") == [sid]
    reads = [s for s in seen if s.startswith("select") and " from events" in s]
    assert reads == []
    # The log itself is gone: the counter alone still knows the two pro purchases.
    with session_scope(engine) as session:
        session.execute(delete(Event))
    ingest(engine, "ada", ("page_viewed", {}))
    assert member_of(engine, "ada") == [sid]


def test_events_not_meeting_the_where_do_not_count(engine: Engine) -> None:
    segment(engine, PRO_BUYER)
    ingest(engine, "bram", ("purchase", {"plan": "free"}), ("purchase", {}), ("refund", {}))
    ingest(engine, "bram", ("purchase", {"plan": "pro"}))
    assert list(counters(engine).values()) == [1]
    assert member_of(engine, "bram") == []


def test_a_segment_saved_after_the_events_counts_the_stored_events(engine: Engine) -> None:
    ingest(engine, "chloe", ("purchase", {"plan": "pro"}), ("purchase", {"plan": "pro"}))
    sid = segment(engine, PRO_BUYER)
    assert list(counters(engine).values()) == [2]
    # Future-only: the profile joins when its activity is evaluated next.
    ingest(engine, "chloe", ("page_viewed", {}))
    assert member_of(engine, "chloe") == [sid]


def test_two_segments_share_the_counter_of_the_same_condition(engine: Engine) -> None:
    segment(engine, PRO_BUYER)
    segment(engine, {"not": PRO_BUYER}, name="Not (yet) pro buyers")
    ingest(engine, "daan", ("purchase", {"plan": "pro"}))
    assert list(counters(engine).values()) == [1]


def test_a_condition_no_segment_uses_is_dropped_and_counted_afresh_when_used_again(
    engine: Engine,
) -> None:
    sid = segment(engine, PRO_BUYER)
    ingest(engine, "eva", ("purchase", {"plan": "pro"}))
    with session_scope(engine) as session:
        found = session.get_one(Segment, sid)
        update_segment(session, found, "Anyone who bought", {"event": "purchase"})
    assert counters(engine) == {}
    # Not counted while no segment uses the condition...
    ingest(engine, "eva", ("purchase", {"plan": "pro"}))
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(CountedCondition)).one() == 0
        found = session.get_one(Segment, sid)
        delete_segment(session, found)
    # ...but a segment using it again counts every stored event.
    sid = segment(engine, PRO_BUYER)
    assert list(counters(engine).values()) == [2]
    ingest(engine, "eva", ("page_viewed", {}))
    assert member_of(engine, "eva") == [sid]


def test_erasing_a_profile_removes_its_condition_counters(engine: Engine) -> None:
    segment(engine, PRO_BUYER)
    ingest(engine, "femke", ("purchase", {"plan": "pro"}))
    ingest(engine, "gus", ("purchase", {"plan": "pro"}))
    with session_scope(engine) as session:
        erase_profile(session, "femke")
    assert [pid for pid, _ in counters(engine)] == ["gus"]


def test_duplicate_events_count_once(engine: Engine) -> None:
    segment(engine, PRO_BUYER)
    pro = EventIn(profile_id="hans", name="purchase", properties={"plan": "pro"}, message_id="m1")
    for _ in range(2):
        with session_scope(engine) as session:
            apply_changes(session, events=[pro, pro])
    assert list(counters(engine).values()) == [1]
