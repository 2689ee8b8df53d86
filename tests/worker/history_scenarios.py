"""The paths DESIGN §8 names, each as a scenario: how to drive one enrollment down it, and what
its recorded history must then contain (`make_history` records them, `test_replay` replays them).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from flowline.definitions.enrollment import (
    EVENT_SIGNAL,
    EXIT_SIGNAL,
    GOAL_SIGNAL,
    PROGRESS_QUERY,
    EventReceived,
    ExitRequest,
    GoalReached,
    Progress,
)
from flowline.worker.contracts import StepResult
from testkit.eventually import eventually
from tests.worker.fakes import FakeActivities, email, http, wait

GOAL = GoalReached(event_id="evt-1", event="purchase", at=datetime(2026, 3, 1, tzinfo=UTC))
Handle = WorkflowHandle[Any, Any]


async def _until(handle: Handle, words: str) -> None:
    async def shown() -> bool:
        return words in (await handle.query(PROGRESS_QUERY, result_type=Progress)).details

    await eventually(shown, 10, f"the enrollment showing {words!r}", interval=0.02)


@dataclass(frozen=True)
class Scenario:
    """How to drive one enrollment down one path, and what its history must then contain."""

    steps: list[dict[str, Any]] | None
    drive: Callable[[WorkflowEnvironment, Handle, FakeActivities], Awaitable[None]]
    exit_on_goal: bool = False
    must_contain: frozenset[int] = frozenset()
    prepare: Callable[[FakeActivities], None] = field(default=lambda fakes: None)
    # More workflow fields (a send window), from the test server's clock at the start.
    fields: Callable[[datetime], dict[str, Any]] = field(default=lambda now: {})
    # The `workflow.patched` ids the history must have taken (recorded as markers)...
    patches: frozenset[str] = frozenset()
    # ...and those it must not have.
    patches_absent: frozenset[str] = frozenset()
    # More `EnrollmentInput` fields, as the starters of the day set them.
    input: dict[str, Any] = field(default_factory=dict)


async def _goal_during_wait(env: WorkflowEnvironment, handle: Handle, _: FakeActivities) -> None:
    await _until(handle, "waiting until")
    await env.sleep(timedelta(days=1))
    await handle.signal(GOAL_SIGNAL, GOAL)


async def _exit_during_wait(env: WorkflowEnvironment, handle: Handle, _: FakeActivities) -> None:
    await _until(handle, "waiting until")
    await env.sleep(timedelta(hours=5))
    await handle.signal(EXIT_SIGNAL, ExitRequest(reason="disabled"))


async def _nothing(env: WorkflowEnvironment, handle: Handle, _: FakeActivities) -> None:
    return None


async def _goal_during_email(
    env: WorkflowEnvironment, handle: Handle, fakes: FakeActivities
) -> None:
    await eventually(lambda: fakes.calls, 10, "the held email activity started", interval=0.02)
    await handle.signal(GOAL_SIGNAL, GOAL)
    fakes.held_emails[0].set()


async def _event_during_wait_for_event(
    env: WorkflowEnvironment, handle: Handle, _: FakeActivities
) -> None:
    await _until(handle, "waiting for event 'purchase'")
    await env.sleep(timedelta(hours=3))
    now = await env.get_current_time()
    received = EventReceived(event_id="9", event="purchase", at=now, step_paths=["0"])
    await handle.signal(EVENT_SIGNAL, received)


async def _exit_during_send_window(
    env: WorkflowEnvironment, handle: Handle, _: FakeActivities
) -> None:
    await _until(handle, "waiting for the send window")
    await handle.signal(EXIT_SIGNAL, ExitRequest(reason="disabled"))


def _closed_window(now: datetime) -> dict[str, Any]:
    """A send window closed at the start whatever the clock says: open the day after
    tomorrow only (UTC), 09:00-18:00."""
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(now.weekday() + 2) % 7]
    window = {"days": [day], "start": "09:00", "end": "18:00", "default_timezone": "UTC"}
    return {"send_window": window}


def _nested_arms(fakes: FakeActivities) -> None:
    fakes.branch_arms.update({"1": "then", "1.then.1": "else"})


def _profile_gone_at_branch(fakes: FakeActivities) -> None:
    fakes.branch_arms["0"] = "gone"


def _hold_first_email(fakes: FakeActivities) -> None:
    fakes.held_emails[0] = asyncio.Event()


def _consent_gone_at_second_email(fakes: FakeActivities) -> None:
    fakes.email_results[2] = StepResult(outcome="consent_withdrawn", detail="no consent")


def _http_fails(fakes: FakeActivities) -> None:
    fakes.failing_http_steps.add(0)


def _outcomes_left_to_the_workflow(fakes: FakeActivities) -> None:
    # Sent but not written (our database failed), then an email activity that fails for good.
    fakes.email_results[0] = StepResult(outcome="sent", recorded=False, attempts=1)
    fakes.failing_email_steps.add(2)


E = EventType
STEP_PATHS = frozenset({"flowline-step-paths"})
LOCAL_ACTIVITY = E.EVENT_TYPE_MARKER_RECORDED  # finish, conversion, branch, window checks


def _branch(then: list[Any], else_: list[Any]) -> dict[str, Any]:
    condition = {"property": "plan", "op": "eq", "value": "pro"}
    return {"type": "branch", "condition": condition, "then": then, "else": else_}


def _wait_for(on_timeout: str = "continue") -> dict[str, Any]:
    return {
        "type": "wait_for_event",
        "event": "purchase",
        "timeout": "P2D",
        "on_timeout": on_timeout,
    }


UPDATE = {"type": "update_profile", "properties": {"stage": "{{ workflow_name }}"}}
SCENARIOS: dict[str, Scenario] = {
    # email, wait (a goal arrives; no exit-on-goal: the conversion is recorded), http, email
    "enrollment_v1": Scenario(
        None,
        _goal_during_wait,
        must_contain=frozenset(
            {
                E.EVENT_TYPE_TIMER_FIRED,
                E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
                E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            }
        ),
    ),
    "exit_signal_v1": Scenario(
        [email(1), wait("P3D"), email(2)],
        _exit_during_wait,
        must_contain=frozenset(
            {E.EVENT_TYPE_TIMER_CANCELED, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED}
        ),
    ),
    "exit_on_goal_v1": Scenario(
        [email(1), wait("P3D"), email(2)],
        _goal_during_wait,
        exit_on_goal=True,
        must_contain=frozenset(
            {E.EVENT_TYPE_TIMER_CANCELED, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED}
        ),
    ),
    "consent_withdrawn_v1": Scenario(
        [email(1), wait("PT1H"), email(2), email(1)],
        _nothing,
        prepare=_consent_gone_at_second_email,
        must_contain=frozenset({E.EVENT_TYPE_TIMER_FIRED}),
    ),
    "http_failed_exit_v1": Scenario(
        [http(on_failure="exit"), email(1)],
        _nothing,
        prepare=_http_fails,
        must_contain=frozenset({E.EVENT_TYPE_ACTIVITY_TASK_FAILED}),
    ),
    # Patch `step-outcomes-recorded`: the workflow records what its activities could
    # not, and a failed email activity no longer fails the enrollment.
    "outcomes_recorded_by_workflow_v1": Scenario(
        [email(1), wait("PT1H"), email(2), email(1)],
        _nothing,
        prepare=_outcomes_left_to_the_workflow,
        must_contain=frozenset(
            {
                E.EVENT_TYPE_MARKER_RECORDED,
                E.EVENT_TYPE_ACTIVITY_TASK_FAILED,
                E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            }
        ),
    ),
    "signal_during_activity_v1": Scenario(
        [email(1), wait("P1D"), email(2)],
        _goal_during_email,
        exit_on_goal=True,
        prepare=_hold_first_email,
        must_contain=frozenset({E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED}),
    ),
    # Patch `flowline-step-paths`: steps named by path, finish and conversion as
    # local activities. The paths of v1, recorded again on this code...
    "enrollment_v2": Scenario(
        None,
        _goal_during_wait,
        must_contain=frozenset(
            {E.EVENT_TYPE_TIMER_FIRED, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, LOCAL_ACTIVITY}
        ),
        patches=STEP_PATHS,
    ),
    "exit_signal_v2": Scenario(
        [email(1), wait("P3D"), email(2)],
        _exit_during_wait,
        must_contain=frozenset(
            {E.EVENT_TYPE_TIMER_CANCELED, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED}
        ),
        patches=STEP_PATHS,
    ),
    "exit_on_goal_v2": Scenario(
        [email(1), wait("P3D"), email(2)],
        _goal_during_wait,
        exit_on_goal=True,
        must_contain=frozenset(
            {E.EVENT_TYPE_TIMER_CANCELED, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED}
        ),
        patches=STEP_PATHS,
    ),
    "consent_withdrawn_v2": Scenario(
        [email(1), wait("PT1H"), email(2), email(1)],
        _nothing,
        prepare=_consent_gone_at_second_email,
        must_contain=frozenset({E.EVENT_TYPE_TIMER_FIRED}),
        patches=STEP_PATHS,
    ),
    "http_failed_exit_v2": Scenario(
        [http(on_failure="exit"), email(1)],
        _nothing,
        prepare=_http_fails,
        must_contain=frozenset({E.EVENT_TYPE_ACTIVITY_TASK_FAILED}),
        patches=STEP_PATHS,
    ),
    "signal_during_activity_v2": Scenario(
        [email(1), wait("P1D"), email(2)],
        _goal_during_email,
        exit_on_goal=True,
        prepare=_hold_first_email,
        must_contain=frozenset({E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED}),
        patches=STEP_PATHS,
    ),
    # ...and the journey steps.
    "wait_for_event_arrives_v2": Scenario(
        [_wait_for(), email(1)],
        _event_during_wait_for_event,
        must_contain=frozenset(
            {E.EVENT_TYPE_TIMER_CANCELED, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED}
        ),
        patches=STEP_PATHS,
    ),
    "wait_for_event_timeout_exit_v2": Scenario(
        [_wait_for(on_timeout="exit"), email(1)],
        _nothing,
        must_contain=frozenset({E.EVENT_TYPE_TIMER_FIRED, LOCAL_ACTIVITY}),
        patches=STEP_PATHS,
    ),
    "branch_and_update_profile_v2": Scenario(
        [email(1), _branch([UPDATE, _branch([http()], [email(2)])], [wait("PT1H")]), email(1)],
        _nothing,
        prepare=_nested_arms,
        must_contain=frozenset({E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, LOCAL_ACTIVITY}),
        patches=STEP_PATHS,
    ),
    "profile_gone_at_branch_v2": Scenario(
        [_branch([email(1)], [email(2)])],
        _nothing,
        prepare=_profile_gone_at_branch,
        must_contain=frozenset({LOCAL_ACTIVITY}),
        patches=STEP_PATHS,
    ),
    "send_window_wait_v2": Scenario(
        [email(1), wait("PT1H"), email(2)],
        _nothing,
        fields=_closed_window,
        must_contain=frozenset({E.EVENT_TYPE_TIMER_FIRED, LOCAL_ACTIVITY}),
        patches=STEP_PATHS,
    ),
    "send_window_exit_v2": Scenario(
        [email(1)],
        _exit_during_send_window,
        fields=_closed_window,
        must_contain=frozenset({E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, LOCAL_ACTIVITY}),
        patches=STEP_PATHS,
    ),
}

# Starters that set `step_paths` in the input: the run takes the step-path code without the
# patch marker (and its search-attribute upsert). Every path of v2, recorded again that way.
SCENARIOS |= {
    name.replace("_v2", "_v3"): replace(
        scenario, patches=frozenset(), patches_absent=STEP_PATHS, input={"step_paths": True}
    )
    for name, scenario in list(SCENARIOS.items())
    if name.endswith("_v2")
}

# Starters name the email and HTTP steps' own task queues in the input (`{queue}` is the
# recording worker's queue); runs without them keep every activity on the main queue.
OWN_STEP_QUEUES = {"email_task_queue": "{queue}-email", "http_task_queue": "{queue}-http"}
SCENARIOS |= {
    "own_step_queues_v4": Scenario(
        [email(1), wait("PT1H"), http(), email(2)],
        _nothing,
        must_contain=frozenset(
            {
                E.EVENT_TYPE_TIMER_FIRED,
                E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            }
        ),
        patches_absent=STEP_PATHS,
        input={"step_paths": True, **OWN_STEP_QUEUES},
    ),
}


async def _goal_while_held_out(env: WorkflowEnvironment, handle: Handle, _: FakeActivities) -> None:
    await _until(handle, "holdout")
    await env.sleep(timedelta(hours=5))
    await handle.signal(GOAL_SIGNAL, GOAL)


def _second_path(fakes: FakeActivities) -> None:
    fakes.split_paths["1"] = 1


def _split(*paths: list[Any]) -> dict[str, Any]:
    return {
        "type": "split",
        "paths": [
            {
                "name": name,
                "weight": 100 // len(paths) + (k == 0) * (100 % len(paths)),
                "steps": steps,
            }
            for k, (name, steps) in enumerate(zip("ABC", paths, strict=False))
        ],
    }


# Experiments: a held-out enrollment runs no step (it watches for the goal as long as the steps
# would last), and a random split runs the steps of the path it drew. Only starters that know
# `cohort` start holdout runs, and a split is a new step kind: no earlier run meets either.
SCENARIOS |= {
    "holdout_goal_v5": Scenario(
        [email(1), wait("P3D"), http()],
        _goal_while_held_out,
        must_contain=frozenset(
            {
                E.EVENT_TYPE_TIMER_FIRED,
                E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
                LOCAL_ACTIVITY,
                E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            }
        ),
        patches_absent=STEP_PATHS,
        input={"step_paths": True, "cohort": "holdout"},
    ),
    "split_paths_v5": Scenario(
        [email(1), _split([email(2)], [wait("PT1H"), _branch([http()], [])]), email(1)],
        _nothing,
        prepare=_second_path,
        must_contain=frozenset(
            {
                E.EVENT_TYPE_TIMER_FIRED,
                E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                LOCAL_ACTIVITY,
                E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            }
        ),
        patches_absent=STEP_PATHS,
        input={"step_paths": True},
    ),
}


async def _goal_during_last_http(
    env: WorkflowEnvironment, handle: Handle, fakes: FakeActivities
) -> None:
    await _until(handle, "POST")
    await handle.signal(GOAL_SIGNAL, GOAL)
    fakes.held_http[1].set()


def _hold_last_http(fakes: FakeActivities) -> None:
    fakes.held_http[1] = asyncio.Event()


# The last step writes the ending (`end_with_last_step`, set by starters since): no finishing
# local activity when nothing changed the ending, one (replacing it) when a goal came meanwhile.
SCENARIOS |= {
    "last_step_ends_v6": Scenario(
        [email(1), http()],
        _nothing,
        must_contain=frozenset(
            {E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED}
        ),
        patches_absent=STEP_PATHS,
        input={"step_paths": True, "end_with_last_step": True},
    ),
    "goal_during_last_step_v6": Scenario(
        [email(1), http()],
        _goal_during_last_http,
        exit_on_goal=True,
        prepare=_hold_last_http,
        must_contain=frozenset(
            {
                E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
                LOCAL_ACTIVITY,
                E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            }
        ),
        patches_absent=STEP_PATHS,
        input={"step_paths": True, "end_with_last_step": True},
    ),
}
