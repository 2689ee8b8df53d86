"""One enrollment's journey in virtual time: the worker's step handlers, replayed.

The journey is a generator: it yields a `Pause` (a wait, or a wait for an event) and the
simulator resumes it when virtual time reaches the end of the pause or the awaited event
arrives. Ending it early (exit on goal) is closing the generator. Whatever the worker decides
from the database (consent, the address, the frequency cap, the branch arm) is decided here
from the profile the simulator knows.
"""

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, assert_never

from flowline.definitions.enrollment import has_consent
from flowline.definitions.experiments import chosen_path, cohort_of, longest_journey
from flowline.definitions.journey_steps import UpdateProfileStep, WaitForEventStep
from flowline.definitions.mailbox import single_mailbox
from flowline.definitions.segments import ProfileFacts
from flowline.definitions.step_tree import SPLIT_PATHS, BranchStep, SplitStep, Step, child_path
from flowline.definitions.steps import HttpCallStep, SendEmailStep, WaitStep
from flowline.definitions.templates import render_json

if TYPE_CHECKING:
    from flowline.definitions.dry_run.simulator import Simulator


@dataclass(frozen=True, slots=True)
class Sleep:
    until: datetime


@dataclass(frozen=True, slots=True)
class AwaitEvent:
    path: str
    step: WaitForEventStep
    started: datetime
    until: datetime


Pause = Sleep | AwaitEvent
Journey = Generator[Pause, bool | None, None]


@dataclass(eq=False, slots=True)
class Enrollment:
    profile_id: str
    started_at: datetime
    facts: ProfileFacts
    journey: Journey | None = None
    waiting: AwaitEvent | None = None
    token: int = 0
    """Changes with every pause: a wake-up of an earlier pause is stale."""
    converted: bool = False
    ended: bool = False


def run_journey(sim: "Simulator", enrollment: Enrollment) -> Journey:
    plan = sim.plan
    steps = plan.definition.steps
    holdout_percent = plan.definition.holdout_percent
    if cohort_of(plan.workflow_id, plan.version, enrollment.profile_id, holdout_percent) == (
        "holdout"
    ):
        # No step runs; the goal still counts for as long as the steps would have lasted.
        yield Sleep(sim.now + longest_journey(steps))
        return
    yield from _steps(sim, enrollment, steps, "")


def _steps(
    sim: "Simulator", enrollment: Enrollment, steps: Sequence[Step], prefix: str
) -> Generator[Pause, bool | None, bool]:
    """True when the journey stops at one of these steps."""
    for index, step in enumerate(steps):
        path = child_path(prefix, index)
        sim.figures[path].reached += 1
        if (yield from _step(sim, enrollment, step, path)):
            return True
    return False


def _step(
    sim: "Simulator", enrollment: Enrollment, step: Step, path: str
) -> Generator[Pause, bool | None, bool]:
    match step:
        case WaitStep():
            yield Sleep(sim.now + step.duration)
            return False
        case SendEmailStep():
            if not (yield from _ready_to_act(sim, enrollment)):
                return True
            sim.send_email(enrollment, step, path)
            return False
        case HttpCallStep():
            if not (yield from _ready_to_act(sim, enrollment)):
                return True
            sim.figures[path].http_calls += 1
            return False
        case WaitForEventStep():
            started = sim.now
            came = yield AwaitEvent(path, step, started, started + step.timeout)
            return not came and step.on_timeout == "exit"
        case BranchStep():
            arm = "then" if sim.branch_met(enrollment, path) else "else"
            arms = sim.figures[path].arms
            arms[arm] = arms.get(arm, 0) + 1
            held = step.then if arm == "then" else step.else_
            return (yield from _steps(sim, enrollment, held, f"{path}.{arm}"))
        case UpdateProfileStep():
            _update_profile(sim, enrollment, step)
            return False
        case SplitStep():
            plan = sim.plan
            weights = [p.weight for p in step.paths]
            k = chosen_path(plan.workflow_id, plan.version, path, enrollment.profile_id, weights)
            arm = f"{SPLIT_PATHS}.{k}"
            arms = sim.figures[path].arms
            arms[arm] = arms.get(arm, 0) + 1
            return (yield from _steps(sim, enrollment, step.paths[k].steps, f"{path}.{arm}"))
        case _:
            assert_never(step)


def _ready_to_act(sim: "Simulator", enrollment: Enrollment) -> Generator[Pause, bool | None, bool]:
    """The send window, then consent (checked again before every email and HTTP step).

    False when withdrawn consent ends the enrollment.
    """
    window = sim.plan.definition.send_window
    if window is not None:
        # Looked up again after each wait, like the worker: the zone may have changed.
        while opening := window.next_opening(sim.now, window.zone_for(enrollment.facts.properties)):
            yield Sleep(opening)
    return has_consent(enrollment.facts.properties, sim.plan.definition.consent_property)


def email_address(step: SendEmailStep, properties: dict[str, Any]) -> str | None:
    """The address the worker would send to; None: it records a skipped delivery."""
    return single_mailbox(properties.get(step.email_property))


def _update_profile(sim: "Simulator", enrollment: Enrollment, step: UpdateProfileStep) -> None:
    properties = enrollment.facts.properties
    context = {
        **properties,
        "profile_id": enrollment.profile_id,
        "workflow_name": sim.plan.definition.name,
    }
    try:
        rendered = render_json(step.properties, context)
    except Exception:  # a failing template changes nothing, as the worker's failed step
        return
    if not isinstance(rendered, dict):
        return
    for name, value in rendered.items():
        if value is None:
            properties.pop(name, None)
        else:
            properties[name] = value
