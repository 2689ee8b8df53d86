"""One outbox dispatcher at a time: a lease row in the database, fenced by a token.

Every worker process may run a dispatcher; only the holder of the lease dispatches. Taking over
an expired lease increments `token` (the fencing token). The holder renews the lease while it
works, and every write it makes about intents first renews it in the same transaction, checking
that the token is still its own (`fence`): a dispatcher paused past its lease writes nothing
after another took over. What it may still send to Temporal before it notices is idempotent
(see dispatch_jobs.py).

Expiry is judged on the database's clock (PostgreSQL `now()`; SQLite is one machine), so the
hosts' clocks need not agree. A holder on the same machine whose process is gone (kill -9, then
a restart) is taken over at once. The holder itself stops dispatching `MARGIN` before the lease ends
by its own monotonic clock, measured from before the renewal was sent.
"""

import asyncio
import logging
import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from flowline.core.database import read_scope, session_scope
from flowline.core.models.outbox import DispatcherLease
from flowline.core.services.sql import database_now, on_postgresql

log = logging.getLogger(__name__)
NAME = "outbox"
TTL = timedelta(seconds=15)
MARGIN = 0.2  # of the TTL: stop this early, in case the clocks run at slightly different rates
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class LeaseLost(Exception):
    """Another dispatcher holds the lease now: this one must not write its results."""


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _ensure_row(session: Session) -> None:
    module = postgresql if on_postgresql(session) else sqlite
    session.execute(
        module.insert(DispatcherLease)
        .values(name=NAME, holder="", token=0, expires_at=EPOCH)
        .on_conflict_do_nothing(index_elements=["name"])
    )


def _renew(session: Session, holder: str, token: int, ttl: timedelta) -> bool:
    # On PostgreSQL the UPDATE also locks the row until commit: a takeover waits for us.
    renewed = session.execute(
        update(DispatcherLease)
        .where(
            col(DispatcherLease.name) == NAME,
            col(DispatcherLease.holder) == holder,
            col(DispatcherLease.token) == token,
        )
        .values(expires_at=database_now(session) + ttl)
    )
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


def fence(session: Session, holder: str, token: int, ttl: timedelta) -> None:
    """In the caller's transaction: renew the lease, or raise `LeaseLost` (nothing is written)."""
    if not _renew(session, holder, token, ttl):
        raise LeaseLost(f"the outbox lease (token {token}) was taken over")


def died_here(holder: str) -> bool:
    """A holder on this machine whose process is gone (killed): no need to wait for its lease.

    A live or unknown process, or another machine's, counts as alive (its lease just expires).
    """
    host, _, rest = holder.partition(":")
    pid = rest.split(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _current(engine: Engine, holder: str) -> tuple[bool, str | None]:
    """(held by another, that holder if it died here). A read first, so that waiting dispatchers
    do not take SQLite's write lock every poll."""
    with read_scope(engine) as session:
        row = session.get(DispatcherLease, NAME)
        if row is None or row.holder == holder or row.expires_at <= database_now(session):
            return False, None
        return True, row.holder if died_here(row.holder) else None


def acquire(engine: Engine, holder: str, token: int | None, ttl: timedelta) -> int | None:
    """Renew our lease or take over an expired one; the token held afterwards, or None."""
    dead: str | None = None
    if token is None:
        held, dead = _current(engine, holder)
        if held and dead is None:
            return None
    with session_scope(engine) as session:
        _ensure_row(session)
        if token is not None and _renew(session, holder, token, ttl):
            return token
        now = database_now(session)
        free = col(DispatcherLease.expires_at) < now
        if dead is not None:
            free = free | (col(DispatcherLease.holder) == dead)
        taken = session.execute(
            update(DispatcherLease)
            .where(col(DispatcherLease.name) == NAME, free)
            .values(holder=holder, token=col(DispatcherLease.token) + 1, expires_at=now + ttl)
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            return None
        return session.exec(
            select(DispatcherLease.token).where(col(DispatcherLease.name) == NAME)
        ).one()


def release(engine: Engine, holder: str, token: int) -> None:
    """Let the next dispatcher take over at once (a clean shutdown)."""
    with session_scope(engine) as session:
        session.execute(
            update(DispatcherLease)
            .where(
                col(DispatcherLease.name) == NAME,
                col(DispatcherLease.holder) == holder,
                col(DispatcherLease.token) == token,
            )
            .values(expires_at=EPOCH)
        )


class Lease:
    """This dispatcher's view of the lease: held (with its token) until proven otherwise."""

    def __init__(self, engine: Engine, holder: str | None = None, ttl: timedelta = TTL) -> None:
        self.engine = engine
        self.holder = holder or default_holder()
        self.ttl = ttl
        self.token: int | None = None
        self._valid_until = 0.0
        self._renewed_at = 0.0
        self._renewing = asyncio.Lock()

    def valid(self) -> bool:
        """Held by this dispatcher's own clock (stops early by `MARGIN`)."""
        return self.token is not None and time.monotonic() < self._valid_until

    async def hold(self) -> bool:
        """Acquire the lease, or renew it when a third of it has passed; True while held."""
        async with self._renewing:
            seconds = self.ttl.total_seconds()
            if self.valid() and time.monotonic() - self._renewed_at < seconds / 3:
                return True
            sent = time.monotonic()
            try:
                token = await asyncio.to_thread(
                    acquire, self.engine, self.holder, self.token, self.ttl
                )
            except Exception as error:  # the database is away: we cannot prove we hold it
                log.warning("outbox lease: %s", error)
                self._valid_until = 0.0  # keep the token: renew it once the database is back
                return False
            if token is not None and token != self.token:
                log.info("outbox lease taken by %s (token %s)", self.holder, token)
            elif token is None and self.token is not None:
                log.info("outbox lease lost by %s (token %s)", self.holder, self.token)
            self.token = token
            self._renewed_at = sent
            self._valid_until = sent + seconds * (1 - MARGIN) if token is not None else 0.0
            return token is not None

    def fence(self, session: Session) -> None:
        """Within a write transaction: proceed only while this dispatcher holds the lease."""
        if self.token is None:
            raise LeaseLost("this dispatcher does not hold the outbox lease")
        fence(session, self.holder, self.token, self.ttl)

    def release(self) -> None:
        if self.token is not None:
            release(self.engine, self.holder, self.token)
            self.token = None
            self._valid_until = 0.0
