"""Revision 0012 makes the profiles stored before it searchable, and its triggers keep them so."""

import json

import sqlalchemy as sa
from sqlalchemy import Engine

from flowline.core.database import migrate
from tests.support.migrations import upgrade_to


def _entries(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT profile_id, name, value FROM profile_search ORDER BY 1, 2")
        ).all()
    return [tuple(r) for r in rows]


def test_upgrade_indexes_existing_profiles_and_triggers_follow_every_change(
    empty_engine: Engine,
) -> None:
    upgrade_to(empty_engine, "0010_fresh_ids")
    now = "2026-11-01T00:00:00+00:00"
    stored = {
        "ada": {"city": "Utrecht", "optin": True, "orders": 3, "score": 2.5, "tags": ["a"]},
        "bram": {"note": "x" * 256, "nested": {"a": 1}, "big": 1.0},
    }
    with empty_engine.begin() as connection:
        for pid, properties in stored.items():
            connection.execute(
                sa.text(
                    "INSERT INTO profiles (id, properties, created_at, updated_at) "
                    "VALUES (:pid, :props, :now, :now)"
                ),
                {"pid": pid, "props": json.dumps(properties), "now": now},
            )
    migrate(empty_engine)
    assert _entries(empty_engine) == [
        ("ada", "city", "Utrecht"),
        ("ada", "optin", "true"),
        ("ada", "orders", "3"),
        ("ada", "score", "2.5"),
        ("bram", "big", "1"),
    ]
    with empty_engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE profiles SET properties = :props WHERE id = 'ada'"),
            {"props": json.dumps({"city": "Delft", "optin": False})},
        )
        connection.execute(sa.text("DELETE FROM profiles WHERE id = 'bram'"))
    assert _entries(empty_engine) == [("ada", "city", "Delft"), ("ada", "optin", "false")]
