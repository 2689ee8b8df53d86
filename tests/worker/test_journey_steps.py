"""The journey steps on the time-skipping server: wait for an event, branch, update the profile,
send windows; step paths wherever a step is named."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from flowline.definitions.enrollment import (
    EVENT_SIGNAL,
    EXIT_SIGNAL,
    PROGRESS_QUERY,
    EnrollmentOutcome,
    EventReceived,
    ExitRequest,
    Progress,
)
from flowline.worker.contracts import FINISH_ENROLLMENT, HTTP_CALL, SEND_EMAIL
from flowline.worker.journey_contracts import EVALUATE_BRANCH, SEND_WINDOW, UPDATE_PROFILE
from testkit.eventually import eventually
from tests.worker.fakes import (
    FakeActivities,
    email,
    enrollment_input,
    http,
    start_enrollment,
    wait,
)

Handle = WorkflowHandle[Any, EnrollmentOutcome]
WINDOW = {
    "days": ["mon", "tue", "wed", "thu", "fri"],
    "start": "09:00",
    "end": "18:00",
    "timezone_property": "timezone",
    "default_timezone": "Europe/Amsterdam",
}


def wait_for(event: str = "purchase", timeout: str = "P2D", **fields: Any) -> dict[str, Any]:
    return {"type": "wait_for_event", "event": event, "timeout": timeout, **fields}


def branch(then: list[Any], else_: list[Any]) -> dict[str, Any]:
    condition = {"property": "plan", "op": "eq", "value": "pro"}
    return {"type": "branch", "condition": condition, "then": then, "else": else_}


async def until_details(handle: Handle, words: str) -> Progress:
    current: Progress | None = None

    async def shown() -> Progress | None:
        nonlocal current
        current = await handle.query(PROGRESS_QUERY, result_type=Progress)
        return current if words in current.details else None

    return await eventually(
        shown, 10, lambda: f"{words!r} shown: {current and current.details}", interval=0.02
    )


async def start(worker: Worker, profile_id: str, steps: list[Any], **fields: Any) -> Handle:
    input = enrollment_input(profile_id, steps, **fields)
    return await start_enrollment(worker.client, worker.task_queue, input)


def finish_of(fakes: FakeActivities) -> Any:
    [finish] = fakes.named(FINISH_ENROLLMENT)
    return finish


# --- wait for event ------------------------------------------------------------------------


async def test_the_event_arriving_runs_the_next_step_at_once(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start(worker, profile_id, [wait_for(), email(1)])
    await until_details(handle, "waiting for event 'purchase'")
    await env.sleep(timedelta(hours=3))
    now = await env.get_current_time()

    await handle.signal(
        EVENT_SIGNAL, EventReceived(event_id="9", event="purchase", at=now, step_paths=["0"])
    )
    outcome = await handle.result()

    assert outcome.status == "completed"
    [sent] = [c for c in fakes.calls if c.name == SEND_EMAIL]
    assert sent.scheduled_at - now < timedelta(minutes=5)  # not after the two-day timeout
    [passage] = sent.input.passed  # type: ignore[attr-defined]
    assert (passage.step_path, passage.type, passage.status) == ("0", "wait_for_event", "done")


async def test_no_event_times_out_and_continues(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start(worker, profile_id, [wait_for(timeout="P2D"), email(1)])
    started = await worker.client.get_workflow_handle(handle.id).describe()
    outcome = await handle.result()

    assert outcome.status == "completed"
    [sent] = [c for c in fakes.calls if c.name == SEND_EMAIL]
    assert sent.scheduled_at - started.start_time >= timedelta(days=2)
    [passage] = sent.input.passed  # type: ignore[attr-defined]
    assert (passage.status, passage.detail) == ("skipped", "timed out")


async def test_no_event_with_on_timeout_exit_ends_the_enrollment(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start(worker, profile_id, [wait_for(on_timeout="exit"), email(1)])
    outcome = await handle.result()

    assert (outcome.status, outcome.reason) == ("exited", "wait_for_event_timeout")
    assert fakes.paths_run() == []
    assert [p.status for p in finish_of(fakes).passed] == ["skipped"]


async def test_an_event_from_before_the_step_does_not_count(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start(worker, profile_id, [wait("PT1H"), wait_for(on_timeout="exit")])
    await until_details(handle, "waiting until")
    before = await env.get_current_time()
    # The event happened during the first wait; its signal reaches the step late.
    await env.sleep(timedelta(hours=2))
    await until_details(handle, "waiting for event")
    await handle.signal(
        EVENT_SIGNAL, EventReceived(event_id="1", event="purchase", at=before, step_paths=["1"])
    )
    outcome = await handle.result()

    assert (outcome.status, outcome.reason) == ("exited", "wait_for_event_timeout")


async def test_an_event_for_another_step_does_not_count(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start(worker, profile_id, [wait_for(on_timeout="exit")])
    await until_details(handle, "waiting for event")
    now = await env.get_current_time()
    await handle.signal(
        EVENT_SIGNAL, EventReceived(event_id="1", event="purchase", at=now, step_paths=["7"])
    )
    outcome = await handle.result()
    assert outcome.reason == "wait_for_event_timeout"


async def test_an_exit_during_the_wait_for_an_event_ends_it_at_once(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start(worker, profile_id, [wait_for(timeout="P30D"), email(1)])
    await until_details(handle, "waiting for event")
    before = await env.get_current_time()
    await handle.signal(EXIT_SIGNAL, ExitRequest(reason="disabled"))
    outcome = await handle.result()
    assert (outcome.status, outcome.reason) == ("exited", "disabled")
    description = await handle.describe()
    assert description.close_time is not None
    assert description.close_time - before < timedelta(days=1)


# --- branch --------------------------------------------------------------------------------


async def test_branch_takes_the_arm_its_condition_chose_and_names_steps_by_path(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.branch_arms["1"] = "else"
    steps = [email(1), branch([email(2)], [http(), email(3)]), email(4)]
    handle = await start(worker, profile_id, steps)
    outcome = await handle.result()

    assert outcome.status == "completed"
    assert fakes.paths_run() == [
        (SEND_EMAIL, "0"),
        (EVALUATE_BRANCH, "1"),
        (HTTP_CALL, "1.else.0"),
        (SEND_EMAIL, "1.else.1"),
        (SEND_EMAIL, "2"),
    ]
    nested_http = fakes.named(HTTP_CALL)[0]
    assert nested_http.step_index == 1  # the top-level step it lies under


async def test_nested_branches_go_down_each_chosen_arm(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.branch_arms.update({"0": "then", "0.then.0": "else", "0.then.0.else.0": "then"})
    inner = branch([email(9)], [])
    steps = [branch([branch([], [inner])], [email(1)])]
    handle = await start(worker, profile_id, steps)
    await handle.result()

    assert fakes.paths_run() == [
        (EVALUATE_BRANCH, "0"),
        (EVALUATE_BRANCH, "0.then.0"),
        (EVALUATE_BRANCH, "0.then.0.else.0"),
        (SEND_EMAIL, "0.then.0.else.0.then.0"),
    ]


async def test_a_profile_gone_at_the_branch_ends_the_enrollment(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.branch_arms["0"] = "gone"
    handle = await start(worker, profile_id, [branch([email(1)], [email(2)])])
    outcome = await handle.result()
    assert (outcome.status, outcome.reason) == ("exited", "profile_deleted")
    assert fakes.named(SEND_EMAIL) == []


# --- update profile ------------------------------------------------------------------------


async def test_update_profile_calls_its_activity_with_its_path_and_workflow_name(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    step = {"type": "update_profile", "properties": {"stage": "{{ workflow_name }}"}}
    handle = await start(worker, profile_id, [branch([step], [])])
    await handle.result()

    [update] = fakes.named(UPDATE_PROFILE)
    assert (update.step_path, update.workflow_name) == ("0.then.0", "Welcome series")
    assert update.properties == {"stage": "{{ workflow_name }}"}


# --- send windows --------------------------------------------------------------------------


DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


async def test_new_york_and_tokyo_receive_mail_at_their_own_nine(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    # Open only the day after tomorrow (UTC): closed now in both zones, whatever the clock says.
    now = await env.get_current_time()
    day = DAYS[(now.weekday() + 2) % 7]
    window = {**WINDOW, "days": [day]}
    # One after the other: the time-skipping server must not skip time while the other's
    # workflow task (with its local activity) is still running. Tokyo's 09:00 comes first.
    zones = {f"{profile_id}-tokyo": "Asia/Tokyo", f"{profile_id}-ny": "America/New_York"}
    for pid, zone in zones.items():
        fakes.profiles[pid] = {"timezone": zone}
        handle = await start(worker, pid, [email(1)], send_window=window)
        await handle.result()

    sent = {
        c.input.enrollment.profile_id: c.scheduled_at for c in fakes.calls if c.name == SEND_EMAIL
    }  # type: ignore[attr-defined]
    for pid, zone in zones.items():
        at = local(sent[pid], zone)
        assert (DAYS[at.weekday()], at.hour, at.minute) == (day, 9, 0), (zone, at)


async def test_outside_the_window_the_email_waits_until_it_opens(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    # A window that is closed right now, whatever the test server's clock says: it opens at the
    # next full hour of a day other than today.
    now = await env.get_current_time()
    other_day = DAYS[(local(now, "Asia/Tokyo").weekday() + 1) % 7]
    window = {**WINDOW, "days": [other_day], "start": "09:00", "end": "10:00"}
    fakes.profiles[profile_id] = {"timezone": "Asia/Tokyo"}
    handle = await start(worker, profile_id, [email(1)], send_window=window)
    waiting = await until_details(handle, "waiting for the send window until")
    assert waiting.details.endswith(" 09:00 Asia/Tokyo")

    await handle.result()
    [call] = [c for c in fakes.calls if c.name == SEND_EMAIL]
    at = local(call.scheduled_at, "Asia/Tokyo")
    assert (DAYS[at.weekday()], at.hour) == (other_day, 9)
    assert len(fakes.named(SEND_WINDOW)) == 2  # looked up again once the wait was over


async def test_an_exit_during_the_send_window_wait_ends_the_enrollment_at_once(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    now = await env.get_current_time()
    other_day = DAYS[(now.weekday() + 3) % 7]
    window = {**WINDOW, "days": [other_day], "default_timezone": "UTC"}
    handle = await start(worker, profile_id, [email(1)], send_window=window)
    await until_details(handle, "waiting for the send window")

    await handle.signal(EXIT_SIGNAL, ExitRequest(reason="disabled"))
    outcome = await handle.result()

    assert (outcome.status, outcome.reason) == ("exited", "disabled")
    assert fakes.named(SEND_EMAIL) == []
    description = await handle.describe()
    assert description.close_time is not None and description.close_time - now < timedelta(days=1)


async def test_without_a_window_no_lookup_is_made(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start(worker, profile_id, [email(1), wait("PT1M"), http()])
    await handle.result()
    assert fakes.named(SEND_WINDOW) == []
    assert [p.type for p in fakes.named(HTTP_CALL)[0].passed] == ["wait"]
