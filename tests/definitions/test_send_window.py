"""Send windows: validation, zones, and when the window next opens."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from flowline.definitions.send_window import SendWindow

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def window(**changes):
    data = {
        "days": WEEKDAYS,
        "start": "09:00",
        "end": "18:00",
        "timezone_property": "timezone",
        "default_timezone": "Europe/Amsterdam",
        **changes,
    }
    return SendWindow.model_validate(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"days": []},
        {"days": ["mon", "mon"]},
        {"days": ["funday"]},
        {"start": "9:00"},
        {"end": "24:00"},
        {"start": "10:00", "end": "10:00"},
        {"default_timezone": "Mars/Olympus"},
    ],
)
def test_invalid_windows_are_refused(changes):
    with pytest.raises(ValidationError):
        window(**changes)


def test_inside_the_window_nothing_waits():
    w = window()
    zone = w.zone_for({"timezone": "Europe/Amsterdam"})
    # Monday 2026-11-30 10:00 in Amsterdam (09:00 UTC)
    assert w.next_opening(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), zone) is None


def test_same_instant_new_york_and_tokyo_open_at_their_own_nine():
    w = window()
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Mon 11:00 Tokyo, Sun 21:00 New York
    tokyo = w.next_opening(now, w.zone_for({"timezone": "Asia/Tokyo"}))
    new_york = w.next_opening(now, w.zone_for({"timezone": "America/New_York"}))
    assert tokyo is None
    assert new_york is not None
    assert new_york.astimezone(UTC) == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    assert w.describe_opening(new_york) == "Mon 09:00 America/New_York"


def test_friday_evening_waits_for_monday_morning():
    w = window()
    zone = w.zone_for({})
    opening = w.next_opening(datetime(2026, 12, 4, 19, 0, tzinfo=UTC), zone)  # Fri 20:00 AMS
    assert opening is not None and opening.astimezone(UTC) == datetime(2026, 12, 7, 8, tzinfo=UTC)


@pytest.mark.parametrize("zone", [None, "", "Nowhere/City", 42])
def test_missing_or_unknown_zone_uses_the_default(zone):
    w = window()
    assert str(w.zone_for({"timezone": zone})) == "Europe/Amsterdam"


def test_overnight_window_is_open_after_midnight_of_its_day():
    w = window(days=["fri"], start="22:00", end="06:00", default_timezone="UTC")
    zone = w.zone_for({})
    assert w.next_opening(datetime(2026, 12, 5, 3, 0, tzinfo=UTC), zone) is None  # Sat 03:00
    later = w.next_opening(datetime(2026, 12, 5, 7, 0, tzinfo=UTC), zone)
    assert later == datetime(2026, 12, 11, 22, 0, tzinfo=later.tzinfo)


def test_an_opening_skipped_by_daylight_saving_opens_after_the_gap():
    w = window(days=["sun"], start="02:30", end="05:00", default_timezone="Europe/Amsterdam")
    zone = w.zone_for({})
    # 2027-03-28: clocks jump from 02:00 to 03:00 in Amsterdam.
    opening = w.next_opening(datetime(2027, 3, 27, 12, 0, tzinfo=UTC), zone)
    assert opening is not None
    assert opening.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
