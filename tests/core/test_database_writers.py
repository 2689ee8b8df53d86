"""SQLite writers of one process queue on a lock of their own (core/database.py `_Writer`); an
urgent writer (`urgent_scope`: a message the SMTP server accepted) goes ahead of those waiting."""

import threading
import time
from pathlib import Path

from sqlalchemy import text

from flowline.core.database import make_engine, session_scope, urgent_scope


def test_an_urgent_writer_goes_ahead_of_the_ordinary_writers_already_waiting(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE log (name TEXT)"))
    order: list[str] = []
    holder_in = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with session_scope(engine) as session:
            session.execute(text("INSERT INTO log VALUES ('holder')"))
            holder_in.set()
            release.wait(10)

    def write(name: str, urgent: bool = False) -> None:
        with (urgent_scope if urgent else session_scope)(engine) as session:
            # The transaction (and the wait for the lock) begins with the first statement.
            session.execute(text("INSERT INTO log VALUES (:name)"), {"name": name})
            order.append(name)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holder_in.wait(10)
    ordinary = [threading.Thread(target=write, args=(f"ordinary-{i}",)) for i in range(3)]
    for thread in ordinary:
        thread.start()
    time.sleep(0.2)  # they wait for the lock; the urgent one comes last
    urgent = threading.Thread(target=write, args=("urgent", True))
    urgent.start()
    time.sleep(0.2)
    release.set()
    for thread in [holder, *ordinary, urgent]:
        thread.join(10)

    assert order[0] == "urgent", order
    assert sorted(order[1:]) == ["ordinary-0", "ordinary-1", "ordinary-2"]
    engine.dispose()
