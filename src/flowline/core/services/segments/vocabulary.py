"""What a rule can name: the property names and event names the database knows, for suggestions.

Both read distinct names off an index whose first column is the name (`profile_search` and
`event_counters`), one index seek per name ("loose index scan"): the cost grows with the number
of names returned, not with the 1,000,000 profiles behind them. Plain `SELECT DISTINCT` would
read the whole index.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

SUGGESTIONS = 200
"""At most this many names of each kind are suggested."""

# Each step of the recursion seeks the next name after the last one found; `n` bounds it.
_NEXT_NAMES = """
WITH RECURSIVE names(name, n) AS (
    SELECT (SELECT name FROM {table} ORDER BY name LIMIT 1), 1
    UNION ALL
    SELECT (SELECT t.name FROM {table} AS t WHERE t.name > names.name ORDER BY t.name LIMIT 1),
           names.n + 1
    FROM names
    WHERE names.name IS NOT NULL AND names.n < :limit
)
SELECT name FROM names WHERE name IS NOT NULL ORDER BY name
"""
_TABLES = ("profile_search", "event_counters")


def _distinct_names(session: Session, table: str, limit: int) -> list[str]:
    assert table in _TABLES  # a fixed name, never input
    if limit < 1:
        return []
    rows = session.connection().execute(text(_NEXT_NAMES.format(table=table)), {"limit": limit})
    return [name for (name,) in rows]


def known_properties(session: Session, limit: int = SUGGESTIONS) -> list[str]:
    """Names of profile properties in use, in order (those with a searchable value: text,
    numbers and booleans; see `profile_search`)."""
    return _distinct_names(session, "profile_search", limit)


def known_events(session: Session, limit: int = SUGGESTIONS) -> list[str]:
    """Names of events some profile performed, in order."""
    return _distinct_names(session, "event_counters", limit)


@dataclass(frozen=True)
class RuleVocabulary:
    """The names a rule builder suggests."""

    properties: list[str]
    events: list[str]


def rule_vocabulary(session: Session, limit: int = SUGGESTIONS) -> RuleVocabulary:
    return RuleVocabulary(known_properties(session, limit), known_events(session, limit))
