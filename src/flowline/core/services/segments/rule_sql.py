"""A segment rule as one SQL condition on each row `p` of `profiles`, with the meaning of the
segment engine (`definitions.segments.evaluate` over what `membership.load_facts` reads):

- a property condition tests the profile's properties (JSON) exactly as `evaluate` does (kinds
  are strict: `true` never equals `1` nor `"true"`). An `eq`/`neq`/`in` with text or `true`/
  `false` values is answered by `profile_search` alone: one index range per value, whose `kind`
  tells `"true"` from `true` (migration 0016), so it reads no JSON; every other test reads each
  profile's JSON once (a full pass, slower).
- "performed at least N times" reads `event_counters` by name (index
  `ix_event_counters_name_count`); a `where` without `within` reads its per-condition counter
  when a segment already counts it, else the events of that name; a `within` reads the events
  of that name since the cut-off (index `ix_events_name_time`).
- `all` / `any` / `not` are AND / OR / NOT of those, each two-valued (never NULL).

What differs from the engine is written in docs/decisions.md ("Audience preview").
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flowline.core.services.segments.json_value_sql import JsonValueSql
from flowline.core.timestamps import UTCDateTime
from flowline.definitions.segments import (
    AllRule,
    AnyRule,
    AnyRuleNode,
    EventCondition,
    NotRule,
    PropertyCondition,
    SegmentRule,
)

_INDEXED_TEXT = 255  # profile_search holds values of at most this many characters


@dataclass(kw_only=True)
class RuleSql(JsonValueSql):
    """Builds the condition (`rule`) and the parameters it binds (`statement`)."""

    now: datetime
    counted: set[str]
    reads_rows: bool = False
    """Whether a condition built so far reads a profile's JSON (`p.properties`)."""

    # -- rules ----------------------------------------------------------------------------------

    def rule(self, node: AnyRuleNode) -> str:
        if isinstance(node, SegmentRule):
            node = node.root
        if isinstance(node, AllRule):
            return "(" + " AND ".join(self.rule(child) for child in node.all) + ")"
        if isinstance(node, AnyRule):
            return self.any_of(node)
        if isinstance(node, NotRule):
            inner = node.not_
            if isinstance(inner, EventCondition) and inner.performed and self.postgresql:
                return self.absent(self.event_set(inner))
            return f"(NOT {self.rule(inner)})"
        if isinstance(node, PropertyCondition):
            return self.profile_property(node)
        if isinstance(node, EventCondition):
            found = self.event_set(node)
            if not node.performed and self.postgresql:
                return self.absent(found)
            return f"(p.id {'IN' if node.performed else 'NOT IN'} ({found}))"
        raise TypeError(f"not a segment rule: {node!r}")

    def absent(self, found: str) -> str:
        """`p` is not in the set `found` (a `SELECT` of profile ids), on PostgreSQL: `NOT
        EXISTS` plans as an anti-join, where `NOT IN` (NULL-aware) probes a hashed subplan per
        row: at 700,000 profiles the any/not mix took 0.6 s instead of 0.9–1.2 s."""
        return f"(NOT EXISTS (SELECT 1 FROM ({found}) AS x WHERE x.profile_id = p.id))"

    def any_of(self, node: AnyRule) -> str:
        """OR of the parts. On SQLite the parts that are sets of profiles are gathered into one
        set (a `UNION ALL`), so each row `p` is looked up once for them, not once per part
        (PostgreSQL hashes each set once and probes them fast: there, the union was slower)."""
        sets: list[str] = []
        others: list[str] = []
        for child in node.any:
            found = None if self.postgresql else self.positive_set(child)
            if found is None:
                others.append(self.rule(child))
            else:
                sets.append(found)
        if len(sets) == 1:
            others.insert(0, f"(p.id IN ({sets[0]}))")
        elif sets:
            others.insert(0, f"(p.id IN ({' UNION ALL '.join(sets)}))")
        return "(" + " OR ".join(others) + ")"

    def positive_set(self, node: AnyRuleNode) -> str | None:
        """The profiles a condition holds for as one `SELECT` of ids, when it is a set alone
        (an indexed property condition, a performed event), else `None`."""
        if isinstance(node, EventCondition) and node.performed:
            return self.event_set(node)
        if isinstance(node, PropertyCondition):
            return self.indexed_set(node)
        return None

    def driven(self, node: AnyRuleNode) -> tuple[str, str] | None:
        """For a condition `profile_search` answers alone, or an `all` rule with one: the set of
        profiles that condition lists (`SELECT … AS id`) and the condition of the other parts.
        Every match is in that set, so a query can start from it instead of from every
        profile."""
        if isinstance(node, SegmentRule):
            node = node.root
        if isinstance(node, PropertyCondition):
            alone = self.indexed_set(node)
            return None if alone is None else (alone, "(1 = 1)")
        if not isinstance(node, AllRule):
            return None
        for at, child in enumerate(node.all):
            if isinstance(child, PropertyCondition):
                found = self.indexed_set(child)
                if found is not None:
                    rest = [self.rule(other) for i, other in enumerate(node.all) if i != at]
                    return found, "(" + " AND ".join(rest or ["1 = 1"]) + ")"
        return None

    # -- property conditions --------------------------------------------------------------------

    def profile_property(self, condition: PropertyCondition) -> str:
        """The condition on the profile row `p`, through profile_search where it can."""
        if condition.op in ("neq", "not_exists"):
            positive = "eq" if condition.op == "neq" else "exists"
            flipped = condition.model_copy(update={"op": positive})
            return f"(NOT {self.profile_property(flipped)})"
        found = self.indexed_set(condition)
        if found is None:
            self.reads_rows = True
            return self.row_property("p.properties", condition)
        return f"(p.id IN ({found}))"

    def indexed_set(self, condition: PropertyCondition) -> str | None:
        """The profiles an `eq`/`in` condition holds for, from `profile_search` alone
        (`SELECT profile_id AS id …`), or `None` when the index cannot answer it."""
        values = self._indexed_values(condition)
        if values is None:
            return None
        # The kind tells `"true"` from `true` and `"5"` from `5` (they share a text): the
        # index answers alone, no profile's JSON is read.
        by_kind: dict[str, set[str]] = {}
        for value in values:
            by_kind.setdefault(_search_kind(value), set()).add(_search_text(value))
        matches = " OR ".join(
            f"(s.kind = '{kind}' AND s.value IN "
            f"({', '.join(self.param(t) for t in sorted(texts))}))"
            for kind, texts in sorted(by_kind.items())
        )
        return (
            "SELECT s.profile_id AS id FROM profile_search s WHERE s.name = "
            f"{self.param(condition.property)} AND ({matches})"
        )

    def _indexed_values(self, condition: PropertyCondition) -> list[Any] | None:
        """The values whose text profile_search can be asked for, when that finds every
        profile the condition holds for; `None` when it cannot."""
        if condition.op not in ("eq", "in"):
            return None
        values = condition.value if condition.op == "in" else [condition.value]
        if len(condition.property) > _INDEXED_TEXT:
            return None
        for value in values:
            if isinstance(value, bool):
                continue
            if not isinstance(value, str) or len(value) > _INDEXED_TEXT:
                return None
            if self.postgresql and "\x00" in value:
                return None
        return list(values)

    # -- event conditions -----------------------------------------------------------------------

    def event_set(self, condition: EventCondition) -> str:
        """The profiles that performed the event at least `min_count` times (time and `where`
        as the condition says): a SELECT of profile ids."""
        name, wanted = self.param(condition.event), self.param(condition.min_count)
        if condition.within is None and condition.where is None:
            return (
                f"SELECT c.profile_id FROM event_counters c WHERE c.name = {name} "
                f"AND c.count >= {wanted}"
            )
        if condition.within is None and condition.counter_key in self.counted:
            return (
                "SELECT k.profile_id FROM condition_counters k WHERE k.condition_key = "
                f"{self.param(condition.counter_key)} AND k.count >= {wanted}"
            )
        filters = [f"e.name = {name}"]
        if condition.within is not None:
            cutoff = self.param(self.now - condition.within, UTCDateTime())
            filters.append(f"e.timestamp >= {cutoff}")
        if condition.where is not None:
            filters.append(self.row_property("e.properties", condition.where))
        found = f"SELECT e.profile_id FROM events e WHERE {' AND '.join(filters)}"
        if condition.min_count == 1:
            return found
        return f"{found} GROUP BY e.profile_id HAVING count(*) >= {wanted}"


def _search_kind(value: str | bool) -> str:
    """The kind profile_search holds for a value (migration 0016): string or boolean."""
    return "b" if isinstance(value, bool) else "s"


def _search_text(value: str | bool) -> str:
    """The text profile_search holds for a value (migration 0012)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
