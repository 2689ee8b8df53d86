"""The Alembic migrations build exactly the schema the models describe."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import BigInteger, Engine, Integer, inspect, text
from sqlmodel import SQLModel

from flowline.core.database import MIGRATIONS, make_engine, migrate
from testkit.eventually import eventually_sync


def test_migrations_match_the_models(engine: Engine) -> None:
    migrate(engine)  # again: a second run changes nothing
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_id_columns_and_their_sequences_are_64_bits_on_postgresql(engine: Engine) -> None:
    """Ids are positive 64-bit integers (`MAX_ID`): every id column, primary key or reference,
    is BIGINT, and the sequences that fill the primary keys count as far."""
    if engine.dialect.name != "postgresql":
        return
    inspector = inspect(engine)
    narrow = [
        f"{table}.{column['name']}"
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
        if (column["name"] == "id" or column["name"].endswith("_id"))
        and isinstance(column["type"], Integer)
        and not isinstance(column["type"], BigInteger)
    ]
    assert narrow == []
    with engine.connect() as connection:
        sequences = dict(
            connection.execute(text("SELECT sequencename, data_type FROM pg_sequences")).all()
        )
    assert len(sequences) >= 10 and set(sequences.values()) == {"bigint"}, sequences
    with engine.connect() as connection:
        last, called = connection.execute(
            text("SELECT last_value, is_called FROM workflows_id_seq")
        ).one()
        try:
            connection.execute(text("SELECT setval('workflows_id_seq', 3000000000)"))
            inserted = connection.execute(
                text(
                    "INSERT INTO workflows (name, enabled, version, skipped_no_consent) "
                    "VALUES ('w', true, 1, 0) RETURNING id"
                )
            ).scalar_one()
            assert inserted == 3_000_000_001
        finally:
            connection.rollback()  # the row goes, the sequence does not: put it back
            connection.execute(
                text("SELECT setval('workflows_id_seq', :last, :called)"),
                {"last": last, "called": called},
            )
            connection.commit()


def test_event_name_migration_keeps_the_condition_counters_on_sqlite(tmp_path: Path) -> None:
    """SQLite copies `counted_conditions` to widen its `event` column; with foreign keys on,
    dropping the old table would cascade into `condition_counters`."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003_perf_counters")
        connection.execute(text("INSERT INTO profiles (id, properties) VALUES ('p', '{}')"))
        connection.execute(
            text("INSERT INTO counted_conditions (key, event, \"where\") VALUES ('k', 'e', '{}')")
        )
        connection.execute(
            text(
                "INSERT INTO condition_counters (profile_id, condition_key, count) "
                "VALUES ('p', 'k', 3)"
            )
        )
    migrate(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM condition_counters")).all()
        width = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'counted_conditions'")
        ).scalar_one()
    assert [tuple(r) for r in rows] == [("p", "k", 3)]
    assert "event VARCHAR(255)" in width
    engine.dispose()


def test_step_path_migration_keeps_deliveries_and_keys_them_by_path(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004_email_sends")
        connection.execute(
            text(
                "INSERT INTO workflows (id, name, enabled, version, skipped_no_consent) "
                "VALUES (1, 'w', 1, 1, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO enrollments (id, workflow_id, version, profile_id, "
                "temporal_workflow_id, temporal_run_id, status, steps_completed, test) "
                "VALUES (1, 1, 1, 'p', 'enroll:1:p', 'r', 'active', 0, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO deliveries (enrollment_id, step_index, type, status, attempts) "
                "VALUES (1, 2, 'email', 'sent', 1)"
            )
        )
    migrate(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT step_index, step_path FROM deliveries")).all()
    assert [tuple(r) for r in rows] == [(2, "2")]
    engine.dispose()


def test_a_postgresql_url_keeps_its_search_path_for_another_process(engine: Engine) -> None:
    """`engine.url` is what the benchmark and the tests hand to `flowline api`: it must reach
    the same schema (the URL's own `options`); each process adds its own lock timeout."""
    if engine.dialect.name != "postgresql":
        return
    schema = "flowline_url_options"
    url = engine.url.set(query={}).render_as_string(hide_password=False)
    scoped = make_engine(f"{url}?options=-csearch_path%3D{schema}")
    try:
        with scoped.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        again = make_engine(scoped.url.render_as_string(hide_password=False), wait_seconds=5)
        try:
            with again.connect() as connection:
                assert connection.execute(text("SHOW search_path")).scalar_one() == schema
                assert connection.execute(text("SHOW lock_timeout")).scalar_one() == "5s"
        finally:
            again.dispose()
        assert "lock_timeout" not in str(scoped.url.query["options"])
        assert "lock_timeout" not in str(again.url.query["options"])
    finally:
        with scoped.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        scoped.dispose()


def test_a_transaction_left_idle_by_a_paused_process_is_ended_and_its_locks_pass_on(
    engine: Engine,
) -> None:
    """A worker paused mid-transaction (SIGSTOP, a frozen VM) must not keep a row lock such as
    the dispatcher lease's for ever: the server ends its session after the idle limit."""
    if engine.dialect.name != "postgresql":
        return
    url = engine.url.render_as_string(hide_password=False)
    paused = make_engine(url, idle_transaction_seconds=1)
    try:
        connection = paused.connect()
        connection.begin()
        connection.execute(text("SELECT pg_advisory_xact_lock(4242)"))
        # The "paused" process sends nothing more; another one waits for the lock.

        def lock_free() -> bool:
            with engine.begin() as other:
                return bool(
                    other.execute(text("SELECT pg_try_advisory_xact_lock(4242)")).scalar_one()
                )

        eventually_sync(lock_free, 20, "the idle transaction giving its lock up")
        connection.invalidate()
    finally:
        paused.dispose()
