"""Revision 0003 counts the `where` conditions of segments saved before it."""

import json

import sqlalchemy as sa
from sqlalchemy import Engine

from flowline.core.database import migrate
from tests.support.migrations import upgrade_to


def test_upgrade_counts_the_stored_events_of_existing_where_conditions(
    empty_engine: Engine,
) -> None:
    upgrade_to(empty_engine, "0002")
    rule = {"event": "purchase", "where": {"property": "plan", "op": "eq", "value": "pro"}}
    now = "2026-11-01T00:00:00+00:00"
    with empty_engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO segments (name, rule, time_window, created_at, updated_at) "
                "VALUES ('Pro buyers', :rule, false, :now, :now)"
            ),
            {"rule": json.dumps(rule), "now": now},
        )
        for pid in ("ada", "bram"):
            connection.execute(
                sa.text(
                    "INSERT INTO profiles (id, properties, created_at, updated_at) "
                    "VALUES (:pid, '{}', :now, :now)"
                ),
                {"pid": pid, "now": now},
            )
        for pid, plan in (("ada", "pro"), ("ada", "pro"), ("ada", "free"), ("bram", "free")):
            connection.execute(
                sa.text(
                    "INSERT INTO events (profile_id, name, properties, timestamp, received_at) "
                    "VALUES (:pid, 'purchase', :props, :now, :now)"
                ),
                {"pid": pid, "props": json.dumps({"plan": plan}), "now": now},
            )
    migrate(empty_engine)
    with empty_engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT profile_id, count FROM condition_counters")).all()
        conditions = connection.execute(sa.text("SELECT event FROM counted_conditions")).all()
    assert [tuple(r) for r in rows] == [("ada", 2)]
    assert [tuple(c) for c in conditions] == [("purchase",)]
