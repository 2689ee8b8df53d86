"""Revision 0003 counts the `where` conditions of segments saved before it."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, make_url

from flowline.core.database import MIGRATIONS, make_engine, migrate
from tests.conftest import BACKENDS, TEST_DATABASE_URL

SCHEMA = "flowline_migration_test"


def _upgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    assert TEST_DATABASE_URL is not None
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    yield engine
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    engine.dispose()


def test_upgrade_counts_the_stored_events_of_existing_where_conditions(
    empty_engine: Engine,
) -> None:
    _upgrade(empty_engine, "0002")
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
