"""Revision 0010: the ids of deleted rows are never handed out again, and the rows already
stored keep theirs."""

import itertools
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from flowline.core.database import migrate
from tests.support.migrations import upgrade_to

NOW = "2026-12-01 00:00:00.000000"
# Every table with an id the database hands out, parents before the tables that reference them.
ID_TABLES = (
    "api_keys",
    "campaigns",
    "segments",
    "workflows",
    "workflow_versions",
    "enrollments",
    "deliveries",
    "email_sends",
    "events",
    "outbox",
)
ALL_TABLES = (*ID_TABLES, "profiles", "segment_memberships")
_unique = itertools.count(1)


def _row(table: str, parent: dict[str, int]) -> dict[str, Any]:
    """A valid row of `table` as revision 0009 has it; `parent` names the rows it references."""
    n = next(_unique)
    workflow, enrollment = parent.get("workflows", 0), parent.get("enrollments", 0)
    rows: dict[str, dict[str, Any]] = {
        "api_keys": {"name": "k", "scope": "admin", "key_hash": f"h{n}", "prefix": "p"},
        "campaigns": {"name": "c", "subject": "s", "html": "<p>h</p>", "status": "active"}
        | {"type": "triggered", "updated_at": NOW},
        "segments": {"name": "s", "rule": json.dumps({"event": "e"}), "time_window": False}
        | {"updated_at": NOW},
        "workflows": {"name": "w", "enabled": True, "version": 1, "skipped_no_consent": 0}
        | {"updated_at": NOW},
        "workflow_versions": {"workflow_id": workflow, "version": n, "definition": "{}"},
        "enrollments": {"workflow_id": workflow, "version": 1, "profile_id": "ada"}
        | {"temporal_workflow_id": f"enroll:{workflow}:ada", "temporal_run_id": f"run-{n}"}
        | {"status": "active", "steps_completed": 0, "test": False, "started_at": NOW},
        "deliveries": {"enrollment_id": enrollment, "workflow_id": workflow, "version": 1}
        | {"test": False, "step_path": str(n), "step_index": n, "type": "email"}
        | {"status": "sent", "attempts": 1, "updated_at": NOW},
        "email_sends": {"profile_id": "ada", "enrollment_id": enrollment, "step_path": str(n)}
        | {"sent_at": NOW},
        "events": {"profile_id": "ada", "name": "e", "properties": "{}", "timestamp": NOW}
        | {"received_at": NOW},
        "outbox": {"kind": "start_enrollment", "profile_id": "ada", "attempts": 0}
        | {"payload": json.dumps({"workflow_id": workflow, "profile_id": "ada"})}
        | {"available_at": NOW},
    }
    created = {} if table in ("events", "email_sends", "enrollments") else {"created_at": NOW}
    return rows[table] | created


def insert(connection: Connection, table: str, parent: dict[str, int], **values: Any) -> int:
    row = _row(table, parent) | values
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    query = sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id")
    return int(connection.execute(query, row).scalar_one())


def delete(connection: Connection, table: str, row_id: int) -> None:
    connection.execute(sa.text(f"DELETE FROM {table} WHERE id = :id"), {"id": row_id})


def newest(connection: Connection, table: str) -> int:
    return int(connection.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar_one())


def stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(sa.text(f"SELECT * FROM {table}"))]
            for table in ALL_TABLES
        }


def fill_before_the_upgrade(connection: Connection) -> dict[str, int]:
    """Rows in every table, and the newest row of some deleted while other rows still name it
    (as an erasure leaves them): returns those deleted ids."""
    connection.execute(
        sa.text(
            "INSERT INTO profiles (id, properties, created_at, updated_at) "
            "VALUES ('ada', '{}', :now, :now)"
        ),
        {"now": NOW},
    )
    parent: dict[str, int] = {}
    for table in ID_TABLES:
        parent[table] = insert(connection, table, parent)
        insert(connection, table, parent)
    connection.execute(
        sa.text(
            "INSERT INTO segment_memberships (segment_id, profile_id, since) "
            "VALUES (:segment, 'ada', :now)"
        ),
        {"segment": parent["segments"], "now": NOW},
    )
    named = {t: insert(connection, t, parent) for t in ("campaigns", "segments", "workflows")}
    named["events"] = insert(connection, "events", parent)
    named["outbox"] = insert(connection, "outbox", parent)
    named["enrollments"] = insert(connection, "enrollments", parent)
    # Named by rows that stay: a workflow version, an enrollment's trigger, an intent's payload.
    definition = {
        "trigger": {"type": "segment", "segment_id": named["segments"]},
        "steps": [{"type": "branch", "then": [{"campaign_id": named["campaigns"]}]}],
    }
    insert(connection, "workflow_versions", parent, definition=json.dumps(definition))
    connection.execute(
        sa.text("UPDATE enrollments SET trigger_id = :trigger WHERE id = :id"),
        {"trigger": f"outbox:{named['outbox']}", "id": parent["enrollments"]},
    )
    payload = {
        "workflow_id": named["workflows"],
        "event_id": str(named["events"]),
        "enrollments": {str(named["enrollments"]): ["0"]},
    }
    connection.execute(
        sa.text("UPDATE outbox SET payload = :payload WHERE id = :id"),
        {"payload": json.dumps(payload), "id": parent["outbox"]},
    )
    for table, row_id in named.items():
        delete(connection, table, row_id)
    return named


def test_upgrade_keeps_every_row_and_its_id(empty_engine: Engine) -> None:
    upgrade_to(empty_engine, "0009_bigint_ids")
    with empty_engine.begin() as connection:
        fill_before_the_upgrade(connection)
    before = stored(empty_engine)

    upgrade_to(empty_engine, "0010_fresh_ids")  # later revisions add columns

    after = stored(empty_engine)
    assert {t: sorted(after[t], key=repr) for t in after} == {
        t: sorted(before[t], key=repr) for t in before
    }
    assert all(before[table] for table in ALL_TABLES)


def test_ids_deleted_before_the_upgrade_and_still_named_are_not_handed_out_again(
    empty_engine: Engine,
) -> None:
    upgrade_to(empty_engine, "0009_bigint_ids")
    with empty_engine.begin() as connection:
        named = fill_before_the_upgrade(connection)

    migrate(empty_engine)

    with empty_engine.begin() as connection:
        parent = {table: newest(connection, table) for table in ("workflows", "enrollments")}
        fresh = {table: insert(connection, table, parent) for table in named}
    assert {t: fresh[t] > named[t] for t in named} == dict.fromkeys(named, True), (fresh, named)


def test_the_id_of_a_deleted_newest_row_is_never_handed_out_again(empty_engine: Engine) -> None:
    migrate(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO profiles (id, properties, created_at, updated_at) "
                "VALUES ('ada', '{}', :now, :now)"
            ),
            {"now": NOW},
        )
        parent: dict[str, int] = {}
        for table in ID_TABLES:
            parent[table] = insert(connection, table, parent)
    for table in reversed(ID_TABLES):  # the newest row of each table: none references it
        with empty_engine.begin() as connection:
            deleted = insert(connection, table, parent)
            delete(connection, table, deleted)
        with empty_engine.begin() as connection:
            again = insert(connection, table, parent)
        assert again > deleted, table
