"""Whether the database answers, and which failures mean it does not (rather than a bug).

`/health` asks `database_answers`; a request that failed on the database asks
`means_unavailable` to answer 503 "the database is unavailable" instead of a 500.
"""

import sqlite3

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from flowline.core.database import DatabaseBusy

# SQLite result codes of a database that is locked, missing or failing underneath, as opposed
# to SQLITE_ERROR (a wrong statement, a missing table): that one is a bug, a 500.
_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PROTOCOL,
    sqlite3.SQLITE_READONLY,
}
# SQLSTATE classes of PostgreSQL that say "not now": connection exception, transaction rollback
# (deadlock, serialization), insufficient resources, operator intervention (shutdown, cancel),
# system error; and lock_not_available (lock_timeout).
_POSTGRESQL_UNAVAILABLE_CLASSES = ("08", "40", "53", "57", "58")
_LOCK_NOT_AVAILABLE = "55P03"
# What a failed database call raises: `means_unavailable` tells which of these are an outage.
DATABASE_FAILURES = (DBAPIError, PoolTimeout, DatabaseBusy)


def database_answers(engine: Engine) -> bool:
    """Whether a connection can be had and answers a statement."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def means_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database refused, dropped or kept waiting the request."""
    if isinstance(error, DatabaseBusy | PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        # Extended codes (SQLITE_IOERR_WRITE...) keep the primary code in the low byte.
        return isinstance(code, int) and code & 0xFF in _SQLITE_UNAVAILABLE
    if not isinstance(original, psycopg.Error):
        return False
    sqlstate = original.sqlstate or ""
    if isinstance(original, psycopg.OperationalError) and not sqlstate:
        return True  # failed to connect, or the connection broke: libpq gives no SQLSTATE
    return sqlstate.startswith(_POSTGRESQL_UNAVAILABLE_CLASSES) or sqlstate == _LOCK_NOT_AVAILABLE
