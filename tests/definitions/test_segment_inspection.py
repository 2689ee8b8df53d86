"""What a segment rule reads: its event names, the ones it needs the log of, and how far back."""

from datetime import timedelta

from flowline.definitions.segments import (
    EventCondition,
    SegmentRule,
    has_time_window,
    log_event_names,
    log_windows,
    max_window,
    rule_event_names,
)
from tests.definitions.builders import CITY, NO_PAYMENT, PRO_BUYER, prop, rule

MIXED = {
    "any": [
        NO_PAYMENT,
        {"not": PRO_BUYER},
        {"event": "visit", "within": "PT12H"},
        {"event": "signup", "where": prop("eq", "web", name="source")},
        CITY,
    ]
}


def test_rule_event_names_lists_every_event():
    assert rule_event_names(rule(MIXED)) == {"payment", "purchase", "visit", "signup"}
    assert rule_event_names(rule(CITY)) == set()


def test_log_event_names_lists_events_with_a_where_or_a_within():
    assert log_event_names(rule(MIXED)) == {"purchase", "visit", "signup"}
    assert (
        log_event_names(rule({"all": [NO_PAYMENT, {"event": "purchase", "min_count": 5}]})) == set()
    )


def test_has_time_window():
    assert has_time_window(rule(MIXED)) is True
    assert has_time_window(rule({"not": {"event": "signup", "where": CITY}})) is False
    assert has_time_window(rule(CITY)) is False


def test_max_window_is_the_longest_within():
    assert max_window(rule(MIXED)) == timedelta(days=30)
    assert max_window(rule({"event": "visit", "within": "PT12H"})) == timedelta(hours=12)
    assert max_window(rule({"all": [CITY, NO_PAYMENT]})) is None


def test_helpers_accept_a_bare_rule_member():
    condition = EventCondition(event="visit", within=timedelta(hours=1))
    assert rule_event_names(condition) == log_event_names(condition) == {"visit"}
    assert has_time_window(condition) is True
    assert max_window(condition) == timedelta(hours=1)


def test_log_windows_take_the_widest_reach_per_event_name() -> None:
    rule = SegmentRule.model_validate(
        {
            "all": [
                {"event": "visit", "within": "P1D"},
                {"event": "visit", "within": "P7D"},
                {"event": "buy", "where": {"property": "plan", "op": "eq", "value": "pro"}},
                {"event": "buy", "within": "P1D"},
                {"event": "open"},
            ]
        }
    )
    assert log_windows(rule) == {"visit": timedelta(days=7), "buy": None}
