"""The approximations a dry run makes, in a marketer's words: said with every answer."""

from flowline.definitions.dry_run.plan import DryRunPlan
from flowline.definitions.journey_steps import UpdateProfileStep
from flowline.definitions.step_tree import BranchStep, SplitStep
from flowline.definitions.steps import HttpCallStep
from flowline.definitions.triggers import SegmentEnteredTrigger, SegmentGoal, SegmentLeftTrigger

PROPERTIES_NOW = (
    "Profile properties and consent are read as they are now, not as they were when each "
    "event happened."
)
BRANCHES_NOW = (
    "Branch conditions are checked against each profile as it is now (its properties and "
    "events today)."
)
SEGMENT_ENTRIES = (
    "Segment entries come from the recorded memberships: only profiles still in segment {id} "
    "count, at the moment they last entered it."
)
SEGMENT_EXITS = (
    "Leaving a segment is not recorded, so “removed from segment {id}” enrolls nobody in a dry run."
)
CAP_THIS_WORKFLOW = (
    "The frequency cap counts only the emails of this dry run, not mail other workflows sent."
)
HTTP_ANSWERS = "HTTP calls are counted as made; their answers (and “On failure”) are not replayed."
DRAWN = (
    "The holdout and random split paths are drawn as the live workflow draws them; a saved "
    "edit is a new version, which draws afresh (the same shares, other profiles)."
)
DRAWN_FOR_A_BODY = (
    "The holdout and random split paths are drawn for a workflow not saved yet: the same "
    "shares as once it is saved, but not the same profiles."
)
GOAL_WHILE_RUNNING = (
    "A goal counts while the enrollment runs; goals after its steps ended, within the goal "
    "window, are not replayed."
)
UPDATES_LOCAL = (
    "Profile updates change only the dry run's copy of the profile: no segment changes and no "
    "other workflow starts."
)


def approximations(plan: DryRunPlan) -> list[str]:
    definition = plan.definition
    steps = [step for _, step in definition.all_steps()]
    found = [PROPERTIES_NOW]
    if any(isinstance(s, BranchStep) for s in steps):
        found.append(BRANCHES_NOW)
    if definition.holdout_percent > 0 or any(isinstance(s, SplitStep) for s in steps):
        found.append(DRAWN if plan.workflow_id else DRAWN_FOR_A_BODY)
    if definition.goal is not None:
        found.append(GOAL_WHILE_RUNNING)
    trigger, goal = definition.trigger, definition.goal
    if isinstance(trigger, SegmentEnteredTrigger):
        found.append(SEGMENT_ENTRIES.format(id=trigger.segment_id))
    if isinstance(goal, SegmentGoal) and not (
        isinstance(trigger, SegmentEnteredTrigger) and trigger.segment_id == goal.segment_entered
    ):
        found.append(SEGMENT_ENTRIES.format(id=goal.segment_entered))
    if isinstance(trigger, SegmentLeftTrigger):
        found.append(SEGMENT_EXITS.format(id=trigger.segment_id))
    if plan.cap is not None and definition.email_steps():
        found.append(CAP_THIS_WORKFLOW)
    if any(isinstance(s, HttpCallStep) for s in steps):
        found.append(HTTP_ANSWERS)
    if any(isinstance(s, UpdateProfileStep) for s in steps):
        found.append(UPDATES_LOCAL)
    return found
