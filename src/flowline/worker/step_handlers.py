"""The interpreter of a list of steps: one handler per step kind.

Every handler returns True when the journey stops at its step (an exit, a goal with exit-on-goal,
an outcome that ends the enrollment) and False to go on with the next step.
"""

from collections.abc import Sequence
from typing import Any, assert_never

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # Not `from flowline.worker import policies`: that form loads a private copy inside the
    # sandbox instead of passing the module through, so the workflow and its activities would
    # not share one set of timeouts.
    import flowline.worker.policies as policies
    from flowline.definitions.durations import humanize
    from flowline.definitions.journey_steps import UpdateProfileStep, WaitForEventStep
    from flowline.definitions.step_tree import SPLIT_PATHS, BranchStep, SplitStep, Step, child_path
    from flowline.definitions.steps import HttpCallStep, SendEmailStep, WaitStep
    from flowline.worker.contracts import HTTP_CALL, SEND_EMAIL, HttpCallInput, SendEmailInput
    from flowline.worker.journey_contracts import (
        CHOOSE_SPLIT_PATH,
        EVALUATE_BRANCH,
        SEND_WINDOW,
        UPDATE_PROFILE,
        BranchInput,
        BranchResult,
        SplitInput,
        SplitResult,
        UpdateProfileInput,
        UpdateProfileResult,
        WindowCheck,
        WindowInput,
    )

from flowline.worker.enrollment_run import EnrollmentRun
from flowline.worker.journey import Journey
from flowline.worker.step_activities import Delivery, run_step_activity


async def run_steps(
    journey: Journey, run: EnrollmentRun, steps: Sequence[Step], prefix: str
) -> bool:
    """Run a list of steps (the top level, or a branch's arm); True when the journey stops."""
    for index, step in enumerate(steps):
        path = child_path(prefix, index)
        if not prefix:
            # Set before the stop check: the step before this one is done, even if we stop.
            journey.step_index = index
        journey.step_path = path
        if journey.should_stop(run):
            return True
        await journey.record_conversion_once(run)
        if await run_step(journey, run, step, path):
            return True
    return False


async def run_step(journey: Journey, run: EnrollmentRun, step: Step, path: str) -> bool:
    position = journey.position(path)
    match step:
        case WaitStep():
            return await wait(journey, run, step, path, position)
        case SendEmailStep():
            return await send_email(journey, run, step, path, position)
        case HttpCallStep():
            return await http_call(journey, run, step, path, position)
        case WaitForEventStep():
            return await wait_for_event(journey, run, step, path, position)
        case BranchStep():
            return await branch(journey, run, step, path, position)
        case UpdateProfileStep():
            return await update_profile(journey, run, step, path, position)
        case SplitStep():
            return await split(journey, run, step, path, position)
        case _:
            assert_never(step)


async def wait(
    journey: Journey, run: EnrollmentRun, step: WaitStep, path: str, position: str
) -> bool:
    until = workflow.now() + step.duration
    journey.set_details(f"{position}: waiting until {until:%Y-%m-%d %H:%M} UTC")
    await journey.wait(run, step.duration, f"wait {humanize(step.duration)}")
    if journey.should_stop(run):
        return True  # an interrupted wait does not count as a completed step
    journey.pass_step(run, path, step.type, "done")
    return False


async def send_email(
    journey: Journey, run: EnrollmentRun, step: SendEmailStep, path: str, position: str
) -> bool:
    if await hold_for_send_window(journey, run, position):
        return True
    name = run.input.campaign_names.get(step.campaign_id, f"campaign {step.campaign_id}")
    journey.set_details(f"{position}: sending email '{name}'")
    email = SendEmailInput(
        enrollment=run.ref,
        step_index=journey.step_index,
        step=step,
        consent_property=run.definition.consent_property,
    )
    options: dict[str, Any] = {}
    if run.paths:
        email.step_path = path
        email.passed = journey.take_passed()
        email.ignore_frequency_cap = run.definition.ignore_frequency_cap
        if run.input.email_task_queue:
            options["task_queue"] = run.input.email_task_queue
    result = await run_step_activity(
        run,
        path,
        Delivery.EMAIL,
        SEND_EMAIL,
        email,
        start_to_close=policies.EMAIL_TIMEOUT,
        # The hard backstop: the activity gives up (and records) long before this.
        schedule_to_close=policies.EMAIL_SCHEDULE_TO_CLOSE,
        retry_policy=policies.EMAIL_RETRY,
        summary=f"send email '{name}'",
        **options,
    )
    if result.ends_enrollment:
        journey.end("exited", result.outcome)
        return True
    return False


async def http_call(
    journey: Journey, run: EnrollmentRun, step: HttpCallStep, path: str, position: str
) -> bool:
    if await hold_for_send_window(journey, run, position):
        return True
    journey.set_details(f"{position}: {step.method} {step.url}")
    call = HttpCallInput(
        enrollment=run.ref,
        step_index=journey.step_index,
        step=step,
        consent_property=run.definition.consent_property,
    )
    options: dict[str, Any] = {}
    if run.paths:
        call.step_path = path
        call.passed = journey.take_passed()
    if run.input.http_task_queue:
        options["task_queue"] = run.input.http_task_queue
    call.end_if_done = journey.ending_for_last_step(run, path)
    signals = journey.signals()
    result = await run_step_activity(
        run,
        path,
        Delivery.HTTP,
        HTTP_CALL,
        call,
        start_to_close=policies.http_start_to_close(step.timeout),
        schedule_to_close=policies.HTTP_SCHEDULE_TO_CLOSE,
        retry_policy=policies.HTTP_RETRY,
        summary=f"{step.method} {step.url}",
        **options,
    )
    if result.ended:
        journey.step_wrote_ending(signals)
    if result.ends_enrollment:
        journey.end("exited", result.outcome)
        return True
    if result.outcome == "failed" and step.on_failure == "exit":
        journey.end("failed", "http_step_failed")
        return True
    return False


async def wait_for_event(
    journey: Journey, run: EnrollmentRun, step: WaitForEventStep, path: str, position: str
) -> bool:
    started = workflow.now()
    until = started + step.timeout
    journey.set_details(
        f"{position}: waiting for event '{step.event}' until {until:%Y-%m-%d %H:%M} UTC"
    )
    came = await journey.wait(
        run,
        step.timeout,
        f"wait up to {humanize(step.timeout)} for '{step.event}'",
        until=lambda: journey.event_since(path, started),
    )
    if journey.should_stop(run):
        return True
    if came:
        journey.pass_step(run, path, step.type, "done", f"event '{step.event}' came")
        return False
    journey.pass_step(run, path, step.type, "skipped", "timed out")
    if step.on_timeout == "exit":
        journey.end("exited", "wait_for_event_timeout")
        return True
    return False


async def branch(
    journey: Journey, run: EnrollmentRun, step: BranchStep, path: str, position: str
) -> bool:
    journey.set_details(f"{position}: checking the branch condition")
    result = await workflow.execute_local_activity(
        EVALUATE_BRANCH,
        BranchInput(
            enrollment=run.ref, step_path=path, condition=step.condition, now=workflow.now()
        ),
        result_type=BranchResult,
        start_to_close_timeout=policies.LOCAL_TIMEOUT,
        schedule_to_close_timeout=policies.LOCAL_SCHEDULE_TO_CLOSE,
        retry_policy=policies.LOCAL_RETRY,
        summary=f"branch at step {path}",
    )
    if result.arm is None:
        journey.end("exited", result.ended or "profile_deleted")
        return True
    arm = step.then if result.arm == "then" else step.else_
    return await run_steps(journey, run, arm, f"{path}.{result.arm}")


async def split(
    journey: Journey, run: EnrollmentRun, step: SplitStep, path: str, position: str
) -> bool:
    # The choice is a pure function of ids (or a recorded winner), made and recorded by one
    # local activity: its result is in the history, so a replay takes the same path.
    journey.set_details(f"{position}: choosing a path at random")
    result = await workflow.execute_local_activity(
        CHOOSE_SPLIT_PATH,
        SplitInput(
            enrollment=run.ref,
            step_path=path,
            names=[p.name for p in step.paths],
            weights=[p.weight for p in step.paths],
            auto_winner=step.auto_winner,
        ),
        result_type=SplitResult,
        start_to_close_timeout=policies.LOCAL_TIMEOUT,
        schedule_to_close_timeout=policies.LOCAL_SCHEDULE_TO_CLOSE,
        retry_policy=policies.LOCAL_RETRY,
        summary=f"random split at step {path}",
    )
    if result.path_index is None:
        journey.end("exited", result.ended or "profile_deleted")
        return True
    taken = step.paths[result.path_index]
    return await run_steps(journey, run, taken.steps, f"{path}.{SPLIT_PATHS}.{result.path_index}")


async def update_profile(
    journey: Journey, run: EnrollmentRun, step: UpdateProfileStep, path: str, position: str
) -> bool:
    names = ", ".join(sorted(step.properties))
    journey.set_details(f"{position}: updating the profile ({names})")
    result = await workflow.execute_activity(
        UPDATE_PROFILE,
        UpdateProfileInput(
            enrollment=run.ref,
            step_path=path,
            properties=step.properties,
            workflow_name=run.definition.name,
        ),
        result_type=UpdateProfileResult,
        start_to_close_timeout=policies.UPDATE_PROFILE_TIMEOUT,
        schedule_to_close_timeout=policies.RECORD_SCHEDULE_TO_CLOSE,
        retry_policy=policies.RECORD_RETRY,
        summary=f"update profile: {names}",
    )
    if result.outcome == "profile_deleted":
        journey.end("exited", "profile_deleted")
        return True
    return False


async def hold_for_send_window(journey: Journey, run: EnrollmentRun, position: str) -> bool:
    """Wait (durably) until the profile's local time is inside the send window.

    True when the journey stopped meanwhile. The window is looked up again after each wait:
    the profile may have moved to another time zone.
    """
    window = run.definition.send_window
    if window is None or not run.paths:
        return False
    while True:
        check = await workflow.execute_local_activity(
            SEND_WINDOW,
            WindowInput(profile_id=run.input.profile_id, window=window, now=workflow.now()),
            result_type=WindowCheck,
            start_to_close_timeout=policies.LOCAL_TIMEOUT,
            schedule_to_close_timeout=policies.LOCAL_SCHEDULE_TO_CLOSE,
            retry_policy=policies.LOCAL_RETRY,
            summary="find the send window",
        )
        if check.opens_at is None:
            return False
        journey.set_details(f"{position}: waiting for the send window until {check.words}")
        await journey.wait(run, check.opens_at - workflow.now(), f"send window opens {check.words}")
        if journey.should_stop(run):
            return True
