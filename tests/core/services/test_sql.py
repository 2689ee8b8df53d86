"""The shared SQL helpers against a real database (SQLite, and PostgreSQL when configured)."""

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, text
from sqlmodel import Session

from flowline.core.models.events import Event
from flowline.core.services.sql import _existing_pairs, existing_pairs, table_of

EVENTS = table_of(Event)
COLUMNS = ("profile_id", "message_id")


def _store(engine: Engine, pairs: list[tuple[str, str | None]]) -> None:
    at = datetime(2026, 12, 6, tzinfo=UTC)
    rows = [
        {"profile_id": p, "message_id": m, "name": "seen", "properties": {}, "timestamp": at}
        for p, m in pairs
    ]
    with Session(engine) as session, session.begin():
        session.connection().execute(insert(EVENTS), rows)


def test_existing_pairs_are_exactly_the_stored_ones_across_more_than_one_sqlite_chunk(
    engine: Engine,
) -> None:
    stored = [(f"p-{i % 7}", f"m-{i}") for i in range(1200)] + [("é\"'✓", "m-\\ \u2028 x")]
    _store(engine, stored + [("p-null", None)])
    asked = [
        *stored[::2],  # stored
        ("p-0", "m-1"),  # a stored message id, of another profile
        ("p-99", "m-3"),  # an unknown profile
        ("p-null", None),  # no message id: never a duplicate
        stored[0],  # asked twice
    ]

    with Session(engine) as session, session.begin():
        found = existing_pairs(session, EVENTS, COLUMNS, asked)

    assert found == set(stored[::2])


def test_no_pairs_asked_reads_nothing(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        assert existing_pairs(session, EVENTS, COLUMNS, []) == set()


def test_on_sqlite_each_pair_is_one_look_up_in_the_index_not_a_pass_over_it(
    engine: Engine,
) -> None:
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL: a join the planner chooses from the table's statistics
    query = _existing_pairs(EVENTS, COLUMNS, on_postgres=False)
    with Session(engine) as session:
        plan = [
            str(row[-1])
            for row in session.connection().execute(
                text(f"EXPLAIN QUERY PLAN {query.text}"), {"pairs": '[["p", "m"]]'}
            )
        ]

    assert any(
        step.startswith("SEARCH t USING") and "profile_id=? AND message_id=?" in step
        for step in plan
    ), plan
    assert not any(step.startswith("SCAN t") for step in plan), plan
