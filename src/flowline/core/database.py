"""The database engine, sessions and migrations."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, make_url
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
READ_ONLY = "flowline_read_only"
# A write that goes ahead of the other writers of this process (see `_Writer`, `urgent_scope`).
URGENT = "flowline_urgent"
_HOLDS_WRITER = "flowline_holds_writer"
# How long one statement waits for a lock (SQLite's busy_timeout, PostgreSQL's lock_timeout)
# and for a connection of the pool. The worker, the dispatcher and the CLI wait long: their work
# is retried anyway, a wait costs less than a failed attempt, and worker/policies.py budgets
# each attempt around this number.
SQLITE_BUSY_SECONDS = 30
# An API request waits briefly, then answers 503 with Retry-After (api/errors.py): a client
# retries by itself, while a request held for 30 s holds a server thread and the client.
REQUEST_WAIT_SECONDS = 5
# Connecting to PostgreSQL: a refused connection fails at once; this bounds a silent network
# (libpq counts at least 2 s).
_CONNECT_SECONDS = 10


class DatabaseBusy(TimeoutError):
    """A writer of this process waited its whole budget for SQLite's write lock."""


def make_engine(
    url: str, wait_seconds: int = SQLITE_BUSY_SECONDS, idle_transaction_seconds: int | None = None
) -> Engine:
    """An engine whose statements wait at most `wait_seconds` for a lock or a connection.

    `idle_transaction_seconds` (PostgreSQL): the server ends a session of this engine that sits
    that long inside a transaction, so a process paused mid-transaction (stopped, frozen) does
    not keep its row locks, such as the dispatcher lease's, for ever."""
    # Statement parameters are personal data (addresses, phone numbers): never in an error
    # message, hence never in a log.
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # The API and the worker are separate processes writing the same file: wait for locks.
        engine = create_engine(
            url,
            connect_args={"timeout": wait_seconds, "check_same_thread": False},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas(wait_seconds))
        writer = _Writer(wait_seconds)
        event.listen(engine, "begin", writer.begin)
        event.listen(engine, "commit", writer.end)
        event.listen(engine, "rollback", writer.end)
        return engine
    # Lock waits end after `wait_seconds` like SQLite's busy_timeout, so no thread waits forever.
    # Added to the URL's own `options` (e.g. a search_path) at connect time only: `engine.url`
    # keeps the URL as given, so it reaches the same schema from another process (`flowline
    # api`), which adds its own wait.
    parsed = make_url(url)
    given = parsed.query.get("options") or ()
    options = [*([given] if isinstance(given, str) else given)]
    if not any("lock_timeout" in option for option in options):
        options.append(f"-c lock_timeout={wait_seconds}s")
    if idle_transaction_seconds is not None:
        options.append(f"-c idle_in_transaction_session_timeout={idle_transaction_seconds}s")
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=wait_seconds,
        connect_args={
            "connect_timeout": min(_CONNECT_SECONDS, max(2, wait_seconds // 2)),
            "options": " ".join(options),
        },
        hide_parameters=True,
    )


def _sqlite_pragmas(wait_seconds: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions (see `_Writer`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={wait_seconds * 1000}")
        # Temporary b-trees (a sort, the set of `IN (SELECT …)`) in memory, not in temporary
        # files: a segment preview of several sets at 1,000,000 profiles takes a fifth less.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    return on_connect


class _Writer:
    """Take SQLite's write lock when a transaction starts, not when it first writes.

    Two transactions that read and then write the same profile would otherwise deadlock
    (SQLITE_BUSY at the upgrade); this way the second waits for the first. Read-only units of
    work (`read_scope`) take no lock: WAL readers never wait.

    Writers of this process first queue on a lock of its own: SQLite's busy handler waits by
    sleeping (up to 100 ms a time) however soon the lock is free, which under load cost more
    than the writes themselves. Other processes still wait in the busy handler (busy_timeout).
    An urgent writer (`urgent_scope`) takes the lock before any ordinary one waiting for it.
    """

    def __init__(self, wait_seconds: int) -> None:
        self._wait = wait_seconds
        # Not an RLock: a request may begin its transaction on one thread of the pool and
        # commit it on another.
        self._changed = threading.Condition(threading.Lock())
        self._held = False
        self._urgent_waiting = 0

    def begin(self, connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        if not self._acquire(urgent=options.get(URGENT, False)):
            raise DatabaseBusy("waited too long for the database's write lock")
        connection.info[_HOLDS_WRITER] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.end(connection)
            raise

    def end(self, connection: Any) -> None:
        if connection.info.pop(_HOLDS_WRITER, False):
            with self._changed:
                self._held = False
                self._changed.notify_all()

    def _acquire(self, urgent: bool) -> bool:
        with self._changed:
            if urgent:
                self._urgent_waiting += 1
            try:
                free = self._changed.wait_for(
                    lambda: not self._held and (urgent or not self._urgent_waiting),
                    timeout=self._wait,
                )
                if free:
                    self._held = True
                return free
            finally:
                if urgent:
                    self._urgent_waiting -= 1


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on error."""
    with _unit_of_work(engine) as session:
        yield session


@contextmanager
def _unit_of_work(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work that only reads (on SQLite it does not take the write lock)."""
    with Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False) as session:
        yield session


@contextmanager
def urgent_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work that writes ahead of this process's other writers (on SQLite, which has
    one writer at a time): what must be on record before anything else, as soon as can be."""
    with _unit_of_work(engine.execution_options(**{URGENT: True})) as session:
        yield session
