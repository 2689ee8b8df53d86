"""The dry run's simulator, fed by hand: virtual time through every step kind and rule."""

from datetime import UTC, datetime, timedelta
from typing import Any

from flowline.definitions.dry_run import (
    DryRunPlan,
    DryRunReport,
    EmailCap,
    Happening,
    SegmentEntry,
    Simulator,
    StoredEvent,
    replayed_event_names,
    replayed_segments,
)
from flowline.definitions.segments import ProfileFacts
from flowline.definitions.workflows import WorkflowDefinition

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
END = START + timedelta(days=30)
EMAIL = {"type": "send_email", "campaign_id": 1, "email_property": "email"}


def _workflow(steps: list[dict[str, Any]], **fields: Any) -> WorkflowDefinition:
    body: dict[str, Any] = {
        "name": "Dry",
        "trigger": {"type": "event", "event": "signed_up"},
        "steps": steps,
        **fields,
    }
    return WorkflowDefinition.model_validate(body)


def _event(day: float, profile: str, name: str, **properties: Any) -> StoredEvent:
    return StoredEvent(START + timedelta(days=day), 0, profile, name, properties)


def _run(
    definition: WorkflowDefinition,
    history: list[Happening],
    profiles: dict[str, dict[str, Any]] | None = None,
    cap: EmailCap | None = None,
) -> DryRunReport:
    sim = Simulator(DryRunPlan(definition, START, END, cap))
    people = profiles if profiles is not None else {}
    wanted = sim.wanted(history)
    sim.know(
        {
            pid: ProfileFacts(properties=dict(people.get(pid, {"email": f"{pid}@example.com"})))
            for pid in wanted
        }
    )
    for happening in sorted(history, key=lambda h: h.at):
        sim.feed([happening])
    return sim.finish()


def _step(report: DryRunReport, path: str) -> Any:
    return next(s for s in report.steps if s.path == path)


def test_wait_then_email_counts_reached_and_emails_on_the_day_they_go() -> None:
    definition = _workflow([{"type": "wait", "duration": "P2D"}, EMAIL])
    history: list[Happening] = [_event(1, "a", "signed_up"), _event(29, "b", "signed_up")]

    report = _run(definition, history)

    assert (report.would_enroll, report.events_replayed) == (2, 2)
    assert (_step(report, "0").reached, _step(report, "1").reached) == (2, 1)
    assert _step(report, "1").emails == 1  # b still waits at the end
    days = {d.date: (d.enrollments, d.emails) for d in report.per_day}
    assert days[(START + timedelta(days=1)).date()] == (1, 0)
    assert days[(START + timedelta(days=3)).date()] == (0, 1)
    assert len(report.per_day) == 31 and report.still_running == 1
    assert report.sample_profiles == ["a", "b"]


def test_goal_with_exit_stops_the_journey_and_counts_the_conversion() -> None:
    definition = _workflow(
        [{"type": "wait", "duration": "P1D"}, EMAIL],
        goal={"event": "purchase"},
        exit_on_goal=True,
    )
    history: list[Happening] = [
        _event(0, "a", "purchase"),  # before enrolling: not a conversion
        _event(1, "a", "signed_up"),
        _event(1.5, "a", "purchase"),
        _event(1, "b", "signed_up"),
        _event(1, "c", "signed_up"),
        _event(3, "c", "purchase"),  # after the journey ended: no enrollment to convert
    ]

    report = _run(definition, history)

    assert (report.would_enroll, report.converted, report.conversion_rate) == (3, 1, 0.3333)
    assert _step(report, "1").reached == 2 and _step(report, "1").emails == 2
    assert replayed_event_names(definition) == ["purchase", "signed_up"]


def test_consent_and_reentry_and_duplicates_follow_the_starter() -> None:
    definition = _workflow(
        [{"type": "wait", "duration": "P1D"}], consent_property="email_optin", reentry="never"
    )
    history: list[Happening] = [
        _event(1, "yes", "signed_up"),
        _event(1.5, "yes", "signed_up"),  # still running: no-op
        _event(5, "yes", "signed_up"),  # ended, but re-entry is never
        _event(1, "no", "signed_up"),
        _event(2, "no", "signed_up"),
        _event(1, "ghost", "signed_up"),
    ]
    profiles = {"yes": {"email_optin": True}, "no": {"email_optin": False}}
    sim = Simulator(DryRunPlan(definition, START, END))
    sim.know({pid: ProfileFacts(properties=p) for pid, p in profiles.items()} | {"ghost": None})
    for happening in history:
        sim.feed([happening])
    report = sim.finish()

    assert (report.would_enroll, report.skipped_no_consent) == (1, 2)


def test_wait_for_event_resumes_on_the_event_or_exits_on_timeout() -> None:
    definition = _workflow(
        [
            {"type": "wait_for_event", "event": "clicked", "timeout": "P2D", "on_timeout": "exit"},
            EMAIL,
        ]
    )
    history: list[Happening] = [
        _event(1, "a", "clicked"),  # before the step started: does not count
        _event(1, "a", "signed_up"),
        _event(2, "a", "clicked"),
        _event(1, "b", "signed_up"),
    ]

    report = _run(definition, history)

    assert (_step(report, "0").reached, _step(report, "1").reached) == (2, 1)
    assert _step(report, "1").emails == 1 and report.still_running == 0


def test_branch_arms_follow_the_profile_as_it_is_now() -> None:
    definition = _workflow(
        [
            {
                "type": "branch",
                "condition": {"property": "plan", "op": "eq", "value": "pro"},
                "then": [EMAIL],
                "else": [{"type": "http_call", "url": "https://crm.example/hook"}],
            }
        ]
    )
    history: list[Happening] = [_event(1, p, "signed_up") for p in ("p1", "p2", "f1")]
    profiles = {
        pid: {"plan": "pro" if pid.startswith("p") else "free"} for pid in history_ids(history)
    }
    for p in profiles.values():
        p["email"] = "x@example.com"

    report = _run(definition, history, profiles)

    assert _step(report, "0").arms == {"then": 2, "else": 1}
    assert _step(report, "0.then.0").emails == 2 and _step(report, "0.else.0").http_calls == 1


def history_ids(history: list[Happening]) -> list[str]:
    return [h.profile_id for h in history]


def test_the_frequency_cap_skips_emails_over_it_and_a_missing_address_sends_nothing() -> None:
    definition = _workflow([EMAIL, EMAIL, {"type": "wait", "duration": "P8D"}, EMAIL])
    history: list[Happening] = [_event(0, "a", "signed_up"), _event(0, "nomail", "signed_up")]
    profiles = {"a": {"email": "a@example.com"}, "nomail": {}}

    report = _run(definition, history, profiles, cap=EmailCap(max=1, per=timedelta(days=7)))

    assert [_step(report, p).emails for p in ("0", "1", "3")] == [1, 0, 1]
    assert _step(report, "1").skipped_frequency_cap == 1
    assert _step(report, "0").reached == 2
    ignoring = _workflow(definition.model_dump()["steps"], ignore_frequency_cap=True)
    again = _run(ignoring, history, profiles, cap=EmailCap(max=1, per=timedelta(days=7)))
    assert [_step(again, p).emails for p in ("0", "1", "3")] == [1, 1, 1]


def test_a_send_window_moves_the_email_to_the_window() -> None:
    window = {"days": ["mon"], "start": "09:00", "end": "10:00", "default_timezone": "UTC"}
    definition = _workflow([EMAIL], send_window=window)
    # Tuesday: the email waits for the next Monday 09:00.
    report = _run(definition, [_event(1, "a", "signed_up")])

    emails = {d.date: d.emails for d in report.per_day if d.emails}
    assert emails == {(START + timedelta(days=7)).date(): 1}


def test_segment_entries_trigger_and_reach_goals() -> None:
    definition = _workflow(
        [{"type": "wait", "duration": "P1D"}, EMAIL],
        trigger={"type": "segment_entered", "segment_id": 4},
        goal={"segment_entered": 5},
        exit_on_goal=True,
    )
    history: list[Happening] = [
        SegmentEntry(START + timedelta(days=1), "a", 4),
        SegmentEntry(START + timedelta(days=1, hours=1), "a", 5),
        SegmentEntry(START + timedelta(days=1), "b", 4),
    ]

    report = _run(definition, history)

    assert (report.would_enroll, report.converted) == (2, 1)
    assert _step(report, "1").emails == 1
    assert replayed_segments(definition) == [4, 5] and replayed_event_names(definition) == []
    assert any("segment 4" in text for text in report.approximations)


def test_update_profile_changes_the_dry_runs_copy_only() -> None:
    definition = _workflow(
        [
            {"type": "update_profile", "properties": {"email": "{{ profile_id }}@new.example"}},
            EMAIL,
        ]
    )
    properties: dict[str, Any] = {}
    report = _run(definition, [_event(1, "a", "signed_up")], {"a": properties})

    assert _step(report, "1").emails == 1 and properties == {}  # the caller's profile stays
