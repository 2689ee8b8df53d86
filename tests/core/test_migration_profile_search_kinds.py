"""Revision 0016 gives every profile_search entry the kind of its value, for the profiles stored
before it and, through its triggers, for every change after; going back restores 0012's table."""

import json

import sqlalchemy as sa
from sqlalchemy import Engine

from flowline.core.database import migrate
from tests.support.migrations import downgrade_to, upgrade_to

NOW = "2026-11-01T00:00:00+00:00"


def _entries(engine: Engine, columns: str = "profile_id, name, value, kind") -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(f"SELECT {columns} FROM profile_search ORDER BY 1, 2")
        ).all()
    return [tuple(r) for r in rows]


def test_entries_get_the_kind_of_their_value_before_and_after_the_upgrade(
    empty_engine: Engine,
) -> None:
    upgrade_to(empty_engine, "0015_events_name_time")
    stored = {
        "ada": {"optin": True, "flag": "true", "orders": 5, "code": "5", "score": 2.5},
        "bram": {"optin": False, "tags": ["a"]},
    }
    with empty_engine.begin() as connection:
        for pid, properties in stored.items():
            connection.execute(
                sa.text(
                    "INSERT INTO profiles (id, properties, created_at, updated_at) "
                    "VALUES (:pid, :props, :now, :now)"
                ),
                {"pid": pid, "props": json.dumps(properties), "now": NOW},
            )
    migrate(empty_engine)
    assert _entries(empty_engine) == [
        ("ada", "code", "5", "s"),
        ("ada", "flag", "true", "s"),
        ("ada", "optin", "true", "b"),
        ("ada", "orders", "5", "n"),
        ("ada", "score", "2.5", "n"),
        ("bram", "optin", "false", "b"),
    ]
    with empty_engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE profiles SET properties = :props WHERE id = 'bram'"),
            {"props": json.dumps({"optin": "false", "orders": 7})},
        )
        connection.execute(
            sa.text(
                "INSERT INTO profiles (id, properties, created_at, updated_at) "
                "VALUES ('cor', :props, :now, :now)"
            ),
            {"props": json.dumps({"optin": True}), "now": NOW},
        )
    assert _entries(empty_engine)[-3:] == [
        ("bram", "optin", "false", "s"),
        ("bram", "orders", "7", "n"),
        ("cor", "optin", "true", "b"),
    ]

    downgrade_to(empty_engine, "0015_events_name_time")
    assert _entries(empty_engine, "profile_id, name, value")[-3:] == [
        ("bram", "optin", "false"),
        ("bram", "orders", "7"),
        ("cor", "optin", "true"),
    ]
    migrate(empty_engine)
    assert _entries(empty_engine)[-1] == ("cor", "optin", "true", "b")
