"""The dry run over a stored history whose outcome is known by construction
(tests/support/dry_run_history.py): exact counts per step, per arm, per day, cap skips."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.installation_settings import FrequencyCap, InstallationSettings
from flowline.core.models.profiles import Profile
from flowline.core.models.segments import Segment, SegmentMembership
from flowline.core.services import installation_settings
from flowline.core.services.workflows import dry_run as service
from flowline.core.services.workflows import dry_run_history
from flowline.definitions.dry_run import DryRunReport
from flowline.definitions.workflows import WorkflowDefinition
from tests.support.dry_run_history import PEOPLE, Person, seed_history, welcome_series

START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
NOW = START + timedelta(days=30)


@pytest.fixture
def history(engine: Engine) -> Engine:
    seed_history(engine, START)
    return engine


def _dry_run(engine: Engine, body: dict[str, Any], days: int = 30) -> DryRunReport:
    with session_scope(engine) as session:
        return service.dry_run(session, WorkflowDefinition.model_validate(body), days=days, now=NOW)


def _cap(engine: Engine, cap: FrequencyCap | None) -> None:
    with session_scope(engine) as session:
        installation_settings.replace_settings(
            session, InstallationSettings(email_frequency_cap=cap)
        )


def _steps(report: DryRunReport) -> dict[str, Any]:
    return {s.path: s for s in report.steps}


def _days(report: DryRunReport) -> dict[date, tuple[int, int]]:
    return {d.date: (d.enrollments, d.emails) for d in report.per_day if d.enrollments or d.emails}


def test_every_count_matches_the_history_by_construction(history: Engine) -> None:
    report = _dry_run(history, welcome_series())

    enrolled = [p for p in PEOPLE if p.consents]
    branched = [p for p in enrolled if not p.buys]  # buyers exit during the wait
    pro = [p for p in branched if p.pro]
    assert report.would_enroll == len(enrolled) == 960
    assert report.skipped_no_consent == 40
    assert report.converted == len([p for p in enrolled if p.buys]) == 320
    assert report.conversion_rate == round(320 / 960, 4)
    assert report.events_replayed == 1000 + 334  # sign-ups and purchases; no page views
    steps = _steps(report)
    assert (steps["0"].reached, steps["0"].emails) == (960, 960)
    assert steps["1"].reached == 960
    assert steps["2"].reached == len(branched) == 640
    assert steps["2"].arms == {"then": len(pro), "else": len(branched) - len(pro)}
    assert (steps["2.then.0"].reached, steps["2.then.0"].emails) == (len(pro), len(pro))
    assert steps["2.else.0"].http_calls == len(branched) - len(pro)
    expected: Counter[date] = Counter()
    emails: Counter[date] = Counter()
    for p in enrolled:
        expected[p.signs_up(START).date()] += 1
        emails[p.signs_up(START).date()] += 1
    for p in pro:
        emails[(p.signs_up(START) + timedelta(days=1)).date()] += 1
    assert _days(report) == {d: (expected[d], emails[d]) for d in expected | emails}
    assert report.still_running == 0 and len(report.sample_profiles) == 10
    assert (report.start, report.end, len(report.per_day)) == (NOW - timedelta(days=30), NOW, 31)


def test_the_frequency_cap_skips_the_second_email_within_its_period(history: Engine) -> None:
    _cap(history, FrequencyCap(max=1, per=timedelta(days=7)))

    steps = _steps(_dry_run(history, welcome_series()))
    transactional = _steps(_dry_run(history, welcome_series(ignore_frequency_cap=True)))

    pro = [p for p in PEOPLE if p.consents and not p.buys and p.pro]
    assert (steps["0"].emails, steps["0"].skipped_frequency_cap) == (960, 0)
    assert (steps["2.then.0"].emails, steps["2.then.0"].skipped_frequency_cap) == (0, len(pro))
    assert transactional["2.then.0"].emails == len(pro)
    assert transactional["2.then.0"].skipped_frequency_cap == 0


def test_a_send_window_moves_every_send_to_the_windows_day(history: Engine) -> None:
    window = {"days": ["mon"], "start": "09:00", "end": "17:00", "default_timezone": "UTC"}
    body = welcome_series(steps=[welcome_series()["steps"][0]], send_window=window, goal=None)
    body["exit_on_goal"] = False

    report = _dry_run(history, body)

    def monday_on_or_after(p: Person) -> date:
        day = p.signs_up(START).date()
        return day + timedelta(days=(7 - day.weekday()) % 7)

    emails = Counter(monday_on_or_after(p) for p in PEOPLE if p.consents)
    assert {d.date: d.emails for d in report.per_day if d.emails} == dict(emails)
    assert all(day.weekday() == 0 for day in emails)


def test_only_the_last_days_are_replayed(history: Engine) -> None:
    # The last 25 days start on day 5: sign-ups of days 1 to 4 (10:00) fall before them.
    report = _dry_run(history, welcome_series(), days=25)

    inside = [p for p in PEOPLE if p.consents and p.signs_up(START) >= NOW - timedelta(days=25)]
    assert report.would_enroll == len(inside) == 580


def test_a_page_boundary_splits_nothing(history: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _dry_run(history, welcome_series())
    monkeypatch.setattr(dry_run_history, "PAGE", 7)

    paged = _dry_run(history, welcome_series())

    assert paged.steps == whole.steps and paged.per_day == whole.per_day
    assert paged.events_replayed == whole.events_replayed


def test_segment_entries_come_from_the_recorded_memberships(engine: Engine) -> None:
    with session_scope(engine) as session:
        entered, goal = Segment(name="Trial", rule={}), Segment(name="Paid", rule={})
        session.add_all([entered, goal])
        session.flush()
        assert entered.id is not None and goal.id is not None
        trial, paid = entered.id, goal.id
        for n in range(30):
            session.add(Profile(id=f"s{n:02d}", properties={}))
        session.flush()
        for n in range(30):
            # Two in three entered during the period; every third of those paid an hour later.
            since = START + timedelta(days=n) if n % 3 else START - timedelta(days=1)
            session.add(SegmentMembership(segment_id=trial, profile_id=f"s{n:02d}", since=since))
            if n % 3 == 1:
                paid_at = since + timedelta(hours=1)
                session.add(
                    SegmentMembership(segment_id=paid, profile_id=f"s{n:02d}", since=paid_at)
                )
    body = {
        "name": "Trial",
        "trigger": {"type": "segment_entered", "segment_id": trial},
        "goal": {"segment_entered": paid},
        "exit_on_goal": True,
        "steps": [{"type": "wait", "duration": "P1D"}, {"type": "wait", "duration": "PT1H"}],
    }

    report = _dry_run(engine, body)

    steps = _steps(report)
    assert report.would_enroll == 20 and report.converted == 10
    assert report.events_replayed == 0  # no event is read: only memberships
    assert (steps["0"].reached, steps["1"].reached) == (20, 10)  # the buyers left in step 1
    assert report.still_running == 1  # s29 entered a day before the end: still in step 2
    assert any(f"segment {trial}" in text for text in report.approximations)
