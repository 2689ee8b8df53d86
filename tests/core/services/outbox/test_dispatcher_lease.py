"""The dispatcher lease: one holder at a time, taken over only once expired, fenced by a token."""

import asyncio
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from flowline.core.database import session_scope
from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.outbox import intents as outbox
from flowline.core.services.outbox.dispatch_jobs import _claim, _finish
from flowline.core.services.outbox.lease_jobs import Lease, LeaseLost, acquire, release

SHORT = timedelta(seconds=1)


async def expire(lease: Lease) -> None:
    """Wait (by the clock, which is what a lease is about) until `lease` has run out."""
    await asyncio.sleep(lease.ttl.total_seconds() + 0.2)


async def test_a_second_dispatcher_takes_the_lease_only_once_it_expired(engine: Engine) -> None:
    first, second = Lease(engine, "first", SHORT), Lease(engine, "second", SHORT)

    assert await first.hold()
    assert not await second.hold()
    await expire(first)

    assert await second.hold()
    assert second.token == (first.token or 0) + 1
    assert not first.valid()  # its own clock already told it to stop
    assert not await first.hold()  # and it cannot renew what another holds now


async def test_the_holder_keeps_the_lease_by_renewing_it(engine: Engine) -> None:
    holder, other = Lease(engine, "holder", SHORT), Lease(engine, "other", SHORT)
    assert await holder.hold()
    token = holder.token

    for _ in range(6):  # three lease lengths in all
        await asyncio.sleep(SHORT.total_seconds() / 2)
        assert await holder.hold()
        assert not await other.hold()

    assert holder.token == token


async def test_a_released_lease_is_taken_over_at_once(engine: Engine) -> None:
    leaving, next_one = Lease(engine, "leaving"), Lease(engine, "next")
    assert await leaving.hold()

    leaving.release()

    assert await next_one.hold()


def test_racing_takeovers_give_the_lease_to_exactly_one(engine: Engine) -> None:
    contenders = 6
    start = threading.Barrier(contenders)
    won: list[str] = []

    def contend(name: str) -> None:
        start.wait()
        if acquire(engine, name, None, SHORT) is not None:
            won.append(name)

    threads = [threading.Thread(target=contend, args=(f"d{i}",)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(won) == 1, won


async def test_a_dispatcher_paused_past_its_lease_marks_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        outbox.add_intents(session, [(outbox.START, {"workflow_id": 1, "profile_id": "p"})])
    paused, successor = Lease(engine, "paused", SHORT), Lease(engine, "successor", SHORT)
    assert await paused.hold()
    claimed = _claim(engine, 10)
    assert [i.kind for i in claimed] == [outbox.START]

    await expire(paused)  # e.g. a stop-the-world pause of the whole process
    assert await successor.hold()

    [intent] = claimed
    assert intent.id is not None
    with pytest.raises(LeaseLost):
        _finish(engine, paused, claimed, {intent.id: None}, {})
    with session_scope(engine) as session:
        stored = session.exec(select(OutboxIntent).where(col(OutboxIntent.id) == intent.id)).one()
        assert (stored.done_at, stored.attempts) == (None, 0)
    # The successor sees the intent as pending and runs it.
    assert [i.id for i in _claim(engine, 10)] == [intent.id]


async def test_a_killed_holder_on_this_machine_is_taken_over_without_waiting(
    engine: Engine,
) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    pid, long = int(gone.stdout), timedelta(minutes=10)
    restarted = Lease(engine)
    elsewhere = f"other-host:{pid}:0"
    assert acquire(engine, elsewhere, None, long) is not None

    assert not await restarted.hold()  # a holder on another machine: wait for its lease
    release(engine, elsewhere, 1)
    assert acquire(engine, f"{socket.gethostname()}:{pid}:0", None, long) is not None
    assert await restarted.hold()  # the killed process on this machine: at once
