"""The audience preview counts who the segment engine's evaluator says matches, on SQLite and
PostgreSQL: for many generated rules over a seeded population of awkward values (text that
reads like a number or a boolean, numbers written both ways, lists, objects, long text, a key
with a quote, events in and out of time windows, a `where` counted by a segment and not)."""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.events import Event, EventCounter
from flowline.core.models.profiles import Profile
from flowline.core.services.segments.crud import create_segment
from flowline.core.services.segments.preview import SAMPLE_SIZE, preview
from flowline.core.services.sql import insert_rows, table_of
from flowline.definitions.segments import ProfileFacts, SegmentRule, evaluate

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NAMES = ["city", "n", "flag", "tags", 'we"ird', "absent"]
VALUES: list[Any] = [
    "Amsterdam",
    "amster",
    "Ütrecht",
    "5",
    "true",
    "",
    "x" * 300,
    5,
    5.0,
    7,
    -1,
    2.5,
    1e20,
    True,
    False,
    ["a", 1, True],
    ["Amsterdam"],
    {"k": 1},
]
EVENT_NAMES = ["buy", "view", "never"]
EVENT_PROPERTIES = ["plan", "amount"]
EVENT_VALUES: list[Any] = ["pro", "free", "5", 5, 10, 2.5, True, None, ["pro"]]
COUNTED_WHERE = {"property": "plan", "op": "eq", "value": "pro"}


def _population(seed: int = 3) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    profiles: dict[str, dict[str, Any]] = {}
    events: list[dict[str, Any]] = []
    for n in range(80):
        pid = f"p{n:03d}"
        profiles[pid] = {name: rng.choice(VALUES) for name in NAMES[:-1] if rng.random() < 0.7}
        for _ in range(rng.randrange(0, 6)):
            properties = {
                name: rng.choice(EVENT_VALUES) for name in EVENT_PROPERTIES if rng.random() < 0.7
            }
            events.append(
                {
                    "profile_id": pid,
                    "name": rng.choice(EVENT_NAMES[:2]),
                    "properties": properties,
                    "timestamp": NOW - timedelta(hours=rng.randrange(-24, 24 * 60)),
                    "received_at": NOW,
                }
            )
    return profiles, events


def _seed(engine: Engine) -> dict[str, ProfileFacts]:
    profiles, events = _population()
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for event in events:
        counts[(event["profile_id"], event["name"])] += 1
    with session_scope(engine) as session:
        insert_rows(
            session,
            table_of(Profile),
            [
                {"id": pid, "properties": props, "created_at": NOW, "updated_at": NOW}
                for pid, props in profiles.items()
            ],
        )
        insert_rows(session, table_of(Event), events)
        insert_rows(
            session,
            table_of(EventCounter),
            [{"profile_id": p, "name": n, "count": c} for (p, n), c in counts.items()],
        )
        # A segment counts this `where` (from the stored events): preview reads its counter.
        create_segment(session, "Pro buyers", {"event": "buy", "where": COUNTED_WHERE})
    facts: dict[str, ProfileFacts] = {}
    for pid, props in profiles.items():
        logged: dict[str, list[tuple[datetime, dict[str, Any]]]] = defaultdict(list)
        for event in events:
            if event["profile_id"] == pid:
                logged[event["name"]].append((event["timestamp"], event["properties"]))
        facts[pid] = ProfileFacts(
            properties=props,
            counts={n: c for (p, n), c in counts.items() if p == pid},
            events=dict(logged),
        )
    return facts


def _property_condition(names: list[str], values: list[Any]) -> st.SearchStrategy[dict[str, Any]]:
    scalar = st.sampled_from([v for v in values if not isinstance(v, bool | list | dict)])

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        name = draw(st.sampled_from(names))
        op = draw(
            st.sampled_from(
                ["eq", "neq", "gt", "gte", "lt", "lte", "contains", "in", "exists", "not_exists"]
            )
        )
        if op in ("exists", "not_exists"):
            return {"property": name, "op": op}
        if op in ("gt", "gte", "lt", "lte"):
            return {"property": name, "op": op, "value": draw(scalar)}
        if op == "in":
            chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
            return {"property": name, "op": op, "value": chosen}
        return {"property": name, "op": op, "value": draw(st.sampled_from(values))}

    return build()


def _event_condition() -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        condition: dict[str, Any] = {
            "event": draw(st.sampled_from(EVENT_NAMES)),
            "performed": draw(st.booleans()),
            "min_count": draw(st.integers(1, 3)),
        }
        within = draw(st.sampled_from([None, "PT1H", "P7D", "P30D"]))
        if within:
            condition["within"] = within
        where = draw(
            st.one_of(
                st.none(),
                st.just(COUNTED_WHERE),
                _property_condition(EVENT_PROPERTIES, [v for v in EVENT_VALUES if v is not None]),
            )
        )
        if where is not None:
            condition["where"] = where
        return condition

    return build()


LEAF = st.one_of(_property_condition(NAMES, VALUES), _event_condition())
RULES = st.recursive(
    LEAF,
    lambda children: st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"any": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, children),
    ),
    max_leaves=6,
)


def test_preview_counts_whom_the_evaluator_says_matches(engine: Engine) -> None:
    facts = _seed(engine)

    @settings(
        max_examples=250,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(RULES)
    def check(raw: dict[str, Any]) -> None:
        rule = SegmentRule.model_validate(raw)
        expected = sorted(pid for pid, f in facts.items() if evaluate(rule, f, NOW))
        with session_scope(engine) as session:
            found = preview(session, rule, NOW)
        assert found.count == len(expected), raw
        assert set(found.sample) <= set(expected), raw
        assert len(found.sample) == min(SAMPLE_SIZE, len(expected)), raw

    check()


def test_sample_is_the_first_ten_matching_ids(engine: Engine) -> None:
    facts = _seed(engine)
    rule = SegmentRule.model_validate({"property": "city", "op": "exists"})
    expected = sorted(pid for pid, f in facts.items() if evaluate(rule, f, NOW))
    with session_scope(engine) as session:
        found = preview(session, rule, NOW)
    assert found.count == len(expected) > SAMPLE_SIZE
    assert found.sample == expected[:SAMPLE_SIZE]


TRICKY: list[dict[str, Any]] = [
    {"property": "city", "op": "eq", "value": "5"},  # the text "5", not the number 5
    {"property": "city", "op": "eq", "value": 5},  # 5 and 5.0, not "5"
    {"property": "city", "op": "eq", "value": True},  # true, not "true"
    {"property": "city", "op": "neq", "value": "true"},
    {"property": "flag", "op": "in", "value": ["5", True, "Amsterdam"]},
    {"property": "flag", "op": "in", "value": [True, "Amsterdam"]},
    {"property": 'we"ird', "op": "contains", "value": "Amsterdam"},
    {"property": "tags", "op": "eq", "value": ["a", 1, True]},
    {"property": "n", "op": "gt", "value": "amster"},
    {"property": "n", "op": "lte", "value": 5},
]


def test_text_that_reads_like_a_number_or_a_boolean_keeps_its_kind(engine: Engine) -> None:
    facts = _seed(engine)
    for raw in TRICKY:
        rule = SegmentRule.model_validate(raw)
        expected = sorted(pid for pid, f in facts.items() if evaluate(rule, f, NOW))
        with session_scope(engine) as session:
            assert preview(session, rule, NOW).count == len(expected), raw


DRIVEN: list[dict[str, Any]] = [
    {"all": [{"property": "flag", "op": "eq", "value": True}]},
    {
        "all": [
            {"property": "city", "op": "in", "value": ["Amsterdam", "5"]},
            {"not": {"event": "purchase", "within": "P30D"}},
            {"any": [{"property": "flag", "op": "eq", "value": "true"}, {"event": "signup"}]},
        ]
    },
    {
        "all": [
            {"event": "signup", "performed": False},
            {"property": "flag", "op": "eq", "value": True},
            {"property": "n", "op": "gt", "value": 2},  # reads the JSON: from every profile
        ]
    },
]


def test_an_all_rule_starts_from_its_indexed_condition_and_counts_the_same(engine: Engine) -> None:
    facts = _seed(engine)
    for raw in DRIVEN:
        rule = SegmentRule.model_validate(raw)
        expected = sorted(pid for pid, f in facts.items() if evaluate(rule, f, NOW))
        with session_scope(engine) as session:
            found = preview(session, rule, NOW)
        assert (found.count, found.sample) == (len(expected), expected[:SAMPLE_SIZE]), raw
