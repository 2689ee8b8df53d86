"""Fresh, migrated databases: a SQLite file in a temporary directory, or a PostgreSQL schema."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import sqlalchemy as sa
from sqlalchemy import Engine, make_url

from flowline.bench.config import POSTGRESQL, SQLITE
from flowline.core.database import make_engine, migrate

BENCH_SCHEMA = "flowline_bench"
"""The PostgreSQL schema the benchmark drops and recreates; `public` (the tests') is left alone."""


def postgresql_bench_url(url: str) -> str:
    """The same server, with `search_path` set to the benchmark's own schema."""
    parsed = make_url(url)
    options = parsed.query.get("options")
    existing = " ".join(options) if isinstance(options, tuple) else (options or "")
    wanted = f"{existing} -csearch_path={BENCH_SCHEMA}".strip()
    return parsed.update_query_dict({"options": wanted}).render_as_string(hide_password=False)


def describe(backend: str, url: str | None) -> str:
    if backend == SQLITE:
        return "SQLite file in a temporary directory (WAL, synchronous=NORMAL)"
    assert url is not None
    shown = make_url(url).set(query={}).render_as_string(hide_password=True)
    return f"PostgreSQL {shown}: drops and recreates schema {BENCH_SCHEMA} (search_path)"


@contextmanager
def fresh_engine(backend: str, postgresql_url: str | None) -> Iterator[Engine]:
    """A new, empty, migrated database; disposed (and the SQLite file deleted) afterwards."""
    if backend == SQLITE:
        with TemporaryDirectory(prefix="flowline-bench-") as directory:
            engine = make_engine(f"sqlite:///{Path(directory) / 'flowline.db'}")
            try:
                migrate(engine)
                yield engine
            finally:
                engine.dispose()
        return
    assert backend == POSTGRESQL and postgresql_url is not None
    engine = make_engine(postgresql_bench_url(postgresql_url))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {BENCH_SCHEMA}"))
        migrate(engine)
        yield engine
    finally:
        engine.dispose()


def server_version(engine: Engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return "SQLite " + str(connection.execute(sa.text("select sqlite_version()")).scalar())
        return str(connection.execute(sa.text("show server_version")).scalar()).split()[0]
