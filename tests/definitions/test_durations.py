"""Durations: ISO-8601 or seconds in, positive `timedelta` inside, ISO-8601 seconds out."""

from datetime import timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from flowline.definitions.durations import PositiveDuration, humanize
from flowline.definitions.steps import WaitStep

DURATION = TypeAdapter(PositiveDuration)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P1D", timedelta(days=1)),
        ("PT30M", timedelta(minutes=30)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("PT45S", timedelta(seconds=45)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("P1W", timedelta(weeks=1)),
        ("P2D", timedelta(days=2)),
    ],
)
def test_iso8601_duration_is_parsed_to_a_timedelta(text, expected):
    assert DURATION.validate_python(text) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (90, timedelta(seconds=90)),
        (1, timedelta(seconds=1)),
        (86400, timedelta(days=1)),
        (1.5, timedelta(seconds=1, milliseconds=500)),
    ],
)
def test_plain_number_of_seconds_is_accepted(seconds, expected):
    assert DURATION.validate_python(seconds) == expected


def test_json_number_of_seconds_is_accepted():
    assert DURATION.validate_json("3600") == timedelta(hours=1)


def test_timedelta_instance_is_accepted_as_is():
    assert DURATION.validate_python(timedelta(minutes=5)) == timedelta(minutes=5)


@pytest.mark.parametrize("value", ["PT0S", "P0D", "PT0M", 0, 0.0, timedelta(0)])
def test_zero_duration_is_rejected(value):
    with pytest.raises(ValidationError) as caught:
        DURATION.validate_python(value)
    assert "greater than zero" in caught.value.errors()[0]["msg"]


@pytest.mark.parametrize("value", [-5, -0.5, "-PT1S", "-P1D", timedelta(seconds=-1)])
def test_negative_duration_is_rejected(value):
    with pytest.raises(ValidationError) as caught:
        DURATION.validate_python(value)
    assert "greater than zero" in caught.value.errors()[0]["msg"]


@pytest.mark.parametrize("value", ["soon", "1 fortnight", "P", "PTXS", None, [], {}])
def test_unparseable_duration_is_rejected(value):
    with pytest.raises(ValidationError):
        DURATION.validate_python(value)


def test_smallest_positive_duration_of_one_microsecond_is_accepted():
    assert DURATION.validate_python("PT0.000001S") == timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        (timedelta(days=1), "PT86400S"),
        (timedelta(minutes=30), "PT1800S"),
        (timedelta(seconds=90), "PT90S"),
        (timedelta(seconds=1, milliseconds=500), "PT1.5S"),
        (timedelta(microseconds=1), "PT0.000001S"),
        (timedelta(days=3, seconds=5, microseconds=250000), "PT259205.25S"),
    ],
)
def test_duration_serialises_as_iso8601_seconds_in_json_and_python_mode(value, iso):
    assert DURATION.dump_python(value, mode="json") == iso
    assert DURATION.dump_python(value) == iso
    assert DURATION.dump_json(value) == f'"{iso}"'.encode()


@pytest.mark.parametrize(
    "value",
    [
        timedelta(days=1),
        timedelta(minutes=30),
        timedelta(seconds=1),
        timedelta(microseconds=1),
        timedelta(seconds=1, milliseconds=500),
        timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=789),
        timedelta(days=365),
    ],
)
def test_serialised_duration_parses_back_to_the_same_timedelta(value):
    assert DURATION.validate_python(DURATION.dump_python(value, mode="json")) == value
    assert DURATION.validate_json(DURATION.dump_json(value)) == value


def test_wait_step_accepts_iso_and_seconds_alike():
    assert WaitStep(type="wait", duration="PT30M").duration == timedelta(minutes=30)
    assert WaitStep(type="wait", duration=1800).duration == timedelta(minutes=30)


def test_wait_step_of_zero_duration_is_rejected_at_the_duration_field():
    with pytest.raises(ValidationError) as caught:
        WaitStep(type="wait", duration="PT0S")
    assert [error["loc"] for error in caught.value.errors()] == [("duration",)]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(days=2, hours=3), "2 days 3 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(seconds=61), "1 minute 1 second"),
        (timedelta(hours=1, seconds=5), "1 hour 5 seconds"),
        (timedelta(days=1, hours=1, minutes=1, seconds=1), "1 day 1 hour 1 minute 1 second"),
        (timedelta(weeks=2), "14 days"),
        (timedelta(0), "0 seconds"),
        (timedelta(milliseconds=500), "0 seconds"),
    ],
)
def test_humanize_spells_out_durations_for_the_temporal_ui(value, words):
    assert humanize(value) == words


@pytest.mark.parametrize("value", ["P36501D", 36_501 * 86_400, "P999999D", 1.6e308])
def test_durations_beyond_100_years_are_refused(value):
    # A Temporal timer holds about 10,000 years; beyond pydantic's own limit it would be a
    # different message, never a stored wait that no worker can start.
    with pytest.raises(ValidationError):
        DURATION.validate_python(value)


def test_a_duration_of_100_years_is_accepted():
    assert DURATION.validate_python("P36500D") == timedelta(days=36_500)
