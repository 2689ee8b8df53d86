"""Consent (`has_consent`) and property filters of event triggers and goals."""

import pytest

from flowline.definitions.enrollment import has_consent
from flowline.definitions.triggers import EventGoal, EventTrigger, PropertyFilter
from flowline.definitions.workflows import WorkflowDefinition

# --- has_consent -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "properties", [{}, {"email_optin": False}, {"email_optin": None}, {"email_optin": "no"}]
)
def test_no_consent_property_means_everyone_has_consent(properties):
    assert has_consent(properties, None) is True


def test_dash_consent_in_a_definition_means_consent_is_not_checked():
    defn = WorkflowDefinition.model_validate(
        {
            "name": "n",
            "trigger": {"type": "segment_entered", "segment_id": 1},
            "consent_property": "-",
        }
    )
    assert has_consent({"email_optin": False}, defn.consent_property) is True


def test_profile_with_consent_property_true_has_consent():
    assert has_consent({"email_optin": True}, "email_optin") is True


def test_profile_with_consent_property_false_has_no_consent():
    assert has_consent({"email_optin": False}, "email_optin") is False


def test_profile_without_the_consent_property_has_no_consent():
    assert has_consent({"first_name": "Ada"}, "email_optin") is False


def test_profile_with_null_consent_property_has_no_consent():
    assert has_consent({"email_optin": None}, "email_optin") is False


def test_consent_reads_the_named_property_only():
    properties = {"email_optin": False, "sms_optin": True}
    assert has_consent(properties, "sms_optin") is True
    assert has_consent(properties, "email_optin") is False


@pytest.mark.parametrize("value", ["true", "True", "TRUE", " true ", "yes", "YES", "1"])
def test_truthy_strings_from_imports_count_as_consent(value):
    assert has_consent({"email_optin": value}, "email_optin") is True


@pytest.mark.parametrize("value", ["false", "no", "0", "", " ", "y", "on", "truthy", "2"])
def test_other_strings_do_not_count_as_consent(value):
    assert has_consent({"email_optin": value}, "email_optin") is False


def test_integer_one_counts_as_consent():
    assert has_consent({"email_optin": 1}, "email_optin") is True


@pytest.mark.parametrize("value", [0, 2, -1, [], [True], {}, {"value": True}])
def test_other_non_boolean_values_do_not_count_as_consent(value):
    assert has_consent({"email_optin": value}, "email_optin") is False


# --- PropertyFilter ----------------------------------------------------------------------


def test_string_filter_matches_equal_string():
    assert PropertyFilter(property="event_name", value="ticket").matches({"event_name": "ticket"})


def test_string_filter_is_case_sensitive():
    assert not PropertyFilter(property="event_name", value="ticket").matches(
        {"event_name": "Ticket"}
    )


def test_string_filter_does_not_match_a_different_string():
    assert not PropertyFilter(property="event_name", value="ticket").matches({"event_name": "t"})


def test_filter_on_a_missing_property_does_not_match():
    assert not PropertyFilter(property="event_name", value="ticket").matches({"other": "ticket"})


def test_filter_does_not_match_a_null_property():
    assert not PropertyFilter(property="source", value="web").matches({"source": None})


def test_filter_ignores_other_properties():
    assert PropertyFilter(property="source", value="web").matches(
        {"source": "web", "plan": "pro", "n": 3}
    )


@pytest.mark.parametrize(("expected", "actual"), [(1, 1), (1, 1.0), (1.5, 1.5), (0, 0.0)])
def test_number_filter_matches_equal_numbers(expected, actual):
    assert PropertyFilter(property="n", value=expected).matches({"n": actual})


def test_number_filter_does_not_match_a_different_number():
    assert not PropertyFilter(property="n", value=2).matches({"n": 3})


@pytest.mark.parametrize(("expected", "actual"), [(1, "1"), ("1", 1), (1.5, "1.5")])
def test_number_and_string_never_match_each_other(expected, actual):
    assert not PropertyFilter(property="n", value=expected).matches({"n": actual})


@pytest.mark.parametrize("value", [True, False])
def test_bool_filter_matches_the_same_bool(value):
    assert PropertyFilter(property="flag", value=value).matches({"flag": value})


def test_bool_filter_does_not_match_the_other_bool():
    assert not PropertyFilter(property="flag", value=True).matches({"flag": False})


@pytest.mark.parametrize(
    ("expected", "actual"),
    [(True, 1), (1, True), (False, 0), (0, False), (True, 1.0), (1.0, True), (True, "true")],
)
def test_bool_never_equals_a_number_or_string(expected, actual):
    assert not PropertyFilter(property="flag", value=expected).matches({"flag": actual})


def test_filter_value_true_is_parsed_as_bool_not_integer():
    parsed = PropertyFilter.model_validate({"property": "flag", "value": True})
    assert parsed.value is True
    assert not parsed.matches({"flag": 1})


def test_filter_value_from_json_keeps_its_type():
    assert PropertyFilter.model_validate_json('{"property": "p", "value": true}').value is True
    assert type(PropertyFilter.model_validate_json('{"property": "p", "value": 1}').value) is int
    assert type(PropertyFilter.model_validate_json('{"property": "p", "value": 1.5}').value) is (
        float
    )
    assert PropertyFilter.model_validate_json('{"property": "p", "value": "1"}').value == "1"


def test_filter_on_a_list_or_object_property_does_not_match_a_scalar():
    flt = PropertyFilter(property="tags", value="a")
    assert not flt.matches({"tags": ["a"]})
    assert not flt.matches({"tags": {"a": 1}})


# --- event triggers and goals use the filter ---------------------------------------------


def test_event_trigger_matches_its_event_name_without_filter():
    trigger = EventTrigger(type="event", event="purchase")
    assert trigger.matches("purchase", {})
    assert trigger.matches("purchase", {"anything": 1})


def test_event_trigger_does_not_match_another_event_name():
    trigger = EventTrigger(type="event", event="purchase")
    assert not trigger.matches("Purchase", {})
    assert not trigger.matches("purchase_refunded", {})


def test_event_trigger_with_filter_needs_name_and_filter_to_match():
    trigger = EventTrigger(
        type="event", event="purchase", filter=PropertyFilter(property="event_name", value="ticket")
    )
    assert trigger.matches("purchase", {"event_name": "ticket"})
    assert not trigger.matches("purchase", {"event_name": "book"})
    assert not trigger.matches("purchase", {})
    assert not trigger.matches("refund", {"event_name": "ticket"})


def test_event_goal_matches_like_an_event_trigger():
    goal = EventGoal(event="purchase", filter=PropertyFilter(property="plan", value="pro"))
    assert goal.matches("purchase", {"plan": "pro"})
    assert not goal.matches("purchase", {"plan": "free"})
    assert not goal.matches("signup", {"plan": "pro"})
    assert EventGoal(event="purchase").matches("purchase", {"plan": "free"})
