"""`python -m bench.ingestion_at_size [N ...]`: a batch of 1000 events through the service path
(`apply_changes`, SQLite) once the event log already holds N events (default 10,000 and
1,000,000).

The log is loaded straight into the `events` table (2000 profiles, distinct message ids), then
eight bench batches (`bench.scenario.event_batches`: 1 in 100 a re-sent duplicate) are timed.
What grows with N is what reads the log per batch: the duplicate check on (profile, message id).
"""

import random
import statistics
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import Engine

from bench.scenario import event_batches, profile_id, profile_properties, set_up
from flowline.core.database import make_engine, migrate, session_scope
from flowline.core.models.event_schemas import EventIn
from flowline.core.services.ingestion.changes import apply_changes
from flowline.core.timestamps import utcnow

PROFILES = 2000
BATCHES = 8


def _load_log(engine: Engine, events: int) -> None:
    now = utcnow().isoformat(sep=" ")
    raw = engine.raw_connection()
    try:
        raw.cursor().executemany(
            "INSERT INTO events (profile_id, name, properties, timestamp, message_id, "
            "received_at) VALUES (?, ?, '{}', ?, ?, ?)",
            [(profile_id(i % PROFILES), "page_view", now, f"old-{i}", now) for i in range(events)],
        )
        raw.commit()
    finally:
        raw.close()


def batch_ms(events_in_log: int) -> list[float]:
    rng = random.Random(1)
    with TemporaryDirectory(prefix="flowline-bench-") as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'flowline.db'}")
        try:
            migrate(engine)
            set_up(engine, profile_properties(rng, PROFILES))
            _load_log(engine, events_in_log)
            batches = event_batches(
                rng, batches=BATCHES, batch_size=1000, profiles=PROFILES, now=utcnow()
            )
            timings = []
            for batch in batches:
                events = [EventIn.model_validate(event) for event in batch]
                started = time.perf_counter()
                with session_scope(engine) as session:
                    apply_changes(session, events=events)
                timings.append((time.perf_counter() - started) * 1000)
            return timings
        finally:
            engine.dispose()


def main(argv: list[str]) -> None:
    for size in [int(a) for a in argv] or [10_000, 1_000_000]:
        timings = batch_ms(size)
        print(
            f"SQLite, {size:,} events in the log: batch of 1000 median "
            f"{statistics.median(timings):.0f} ms (each: {', '.join(f'{t:.0f}' for t in timings)})",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
