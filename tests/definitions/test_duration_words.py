"""Durations in words, as the web form takes them: `1 day`, `2 hours`, `30 minutes`."""

from datetime import timedelta

import pytest

from flowline.definitions.durations import duration_in_words, parse_duration_words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 day", timedelta(days=1)),
        ("2 hours", timedelta(hours=2)),
        ("30 minutes", timedelta(minutes=30)),
        ("1 week", timedelta(weeks=1)),
        ("45 seconds", timedelta(seconds=45)),
        ("2 days 3 hours", timedelta(days=2, hours=3)),
        ("1 day, 2 hours and 5 minutes", timedelta(days=1, hours=2, minutes=5)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1.5 hours", timedelta(minutes=90)),
        ("  3 Days ", timedelta(days=3)),
        ("90", timedelta(seconds=90)),
        ("0 minutes", timedelta(0)),
    ],
)
def test_words_are_parsed_to_a_timedelta(text: str, expected: timedelta) -> None:
    assert parse_duration_words(text) == expected


@pytest.mark.parametrize(
    "text", ["P1D", "PT30M", "", "day", "1 parsec", "soon", "1 day later", "-1 day", "1 day 2"]
)
def test_anything_else_is_left_to_the_api_duration_type(text: str) -> None:
    # None: the form hands the text on unchanged (ISO-8601 parses there, the rest is refused).
    assert parse_duration_words(text) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(days=1), "1 day"),
        (timedelta(hours=2), "2 hours"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(days=2, hours=3), "2 days 3 hours"),
        (timedelta(milliseconds=1500), "PT1.5S"),
    ],
)
def test_a_duration_is_shown_in_words_that_read_back_the_same(value: timedelta, words: str) -> None:
    assert duration_in_words(value) == words
    back = parse_duration_words(words)
    assert back == value or words.startswith("PT")
