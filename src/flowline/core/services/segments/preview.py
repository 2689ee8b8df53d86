"""Audience preview: who matches a segment rule now, across every profile, in one SQL statement
(the rule's condition: `rule_sql`): how many, and the first `SAMPLE_SIZE` profile ids."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from flowline.core.models.events import CountedCondition
from flowline.core.services.segments.rule_sql import RuleSql
from flowline.core.services.sql import database_now, on_postgresql
from flowline.definitions.segments import SegmentRule

SAMPLE_SIZE = 10
_PG_WORK_MEM = "256MB"  # the sets of matching profiles are hashed in memory, not spilled
_SQLITE_CACHE_KIB = -262_144  # 256 MB (negative: KiB) of SQLite page cache while previewing


@dataclass(frozen=True)
class Preview:
    count: int
    sample: list[str]


def _counted_keys(session: Session) -> set[str]:
    return set(session.exec(select(col(CountedCondition.key))))


def preview(session: Session, rule: SegmentRule, now: datetime | None = None) -> Preview:
    """How many profiles meet the rule at `now` (default: the database's clock), and the first
    `SAMPLE_SIZE` of them by id."""
    postgresql = on_postgresql(session)
    compiler = RuleSql(
        postgresql=postgresql,
        now=now or database_now(session),
        counted=_counted_keys(session),
    )
    # Start from the profiles one indexed condition of an `all` lists (no profile row is read
    # unless a condition needs its JSON), else from every profile.
    driven = compiler.driven(rule)
    if driven is not None and not compiler.reads_rows:
        found, condition = driven
        source = f"({found}) AS p"
    else:
        compiler = RuleSql(postgresql=postgresql, now=compiler.now, counted=compiler.counted)
        condition = compiler.rule(rule)
        source = "profiles p"
    if postgresql:
        session.execute(text(f"SET LOCAL work_mem = '{_PG_WORK_MEM}'"))
    # One pass: the matching ids are gathered once, then counted and their first ones taken.
    query = compiler.statement(
        f"WITH matching AS MATERIALIZED (SELECT p.id FROM {source} WHERE {condition}) "
        "SELECT (SELECT count(*) FROM matching), first.id FROM "
        f"(SELECT id FROM matching ORDER BY id LIMIT {SAMPLE_SIZE}) AS first ORDER BY first.id"
    )
    with _roomy_cache(session, postgresql):
        rows = session.execute(query).all()
    return Preview(count=rows[0][0] if rows else 0, sample=[row[1] for row in rows])


@contextmanager
def _roomy_cache(session: Session, postgresql: bool) -> Iterator[None]:
    """On SQLite, a page cache large enough to sort and hold the sets in memory (its default,
    2 MB, spills them to temporary files), for this preview only. (Temporary b-trees stay in
    memory on every connection: `temp_store = MEMORY`, core/database.py.)"""
    if postgresql:
        yield
        return
    before = int(session.execute(text("PRAGMA cache_size")).scalar_one())
    session.execute(text(f"PRAGMA cache_size = {_SQLITE_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {before}"))
