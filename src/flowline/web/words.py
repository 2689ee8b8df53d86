"""How the UI names things: triggers with segment names, actions, the step an enrollment is at."""

from typing import Any

from flowline.core.models.enrollments import EnrollmentPublic
from flowline.definitions.step_kinds import KINDS, MAX_BRANCH_DEPTH, STEP_KINDS
from flowline.definitions.triggers import EventTrigger, SegmentEnteredTrigger
from flowline.web.form_tree import engine_path_label
from flowline.web.workflow_form import text_from_scalar


def trigger_words(trigger: Any, segment_names: dict[int, str]) -> str:
    if isinstance(trigger, EventTrigger):
        words = f"Event '{trigger.event}' is added"
        if trigger.filter is not None:
            words += f" where {trigger.filter.property} = {text_from_scalar(trigger.filter.value)}"
        return words
    name = segment_names.get(trigger.segment_id, f"#{trigger.segment_id}")
    verb = "added to" if isinstance(trigger, SegmentEnteredTrigger) else "removed from"
    return f"Profile is {verb} segment '{name}'"


def action_name(step_type: str) -> str:
    kind = KINDS.get(step_type)
    return kind.label if kind is not None else step_type


def has_outcome(step_type: str) -> bool:
    """Whether the stats funnel shows succeeded / failed / skipped for a step of this kind."""
    kind = KINDS.get(step_type)
    return kind is None or kind.outcome


def step_actions(depth: int) -> list[tuple[str, ...]]:
    """The Action dropdown; a step inside three branches cannot branch again.

    The option of a kind that holds steps says from which depth it is no longer offered
    (`data-max-depth`): the script disables it there when steps are moved.
    """
    return [
        (kind.tag, kind.label, f'data-max-depth="{MAX_BRANCH_DEPTH}"')
        if kind.holds_steps
        else (kind.tag, kind.label)
        for kind in STEP_KINDS
        if not kind.holds_steps or depth < MAX_BRANCH_DEPTH
    ]


def step_arms(step_type: str) -> list[tuple[str, str]]:
    """The step lists a step of this kind holds, with their titles: a branch's Then and Else."""
    kind = KINDS.get(step_type)
    return [(arm.name, arm.label) for arm in kind.arms] if kind is not None else []


HOLDOUT_WORDS = "Holdout: no step runs, the goal is watched"


def current_step(enrollment: EnrollmentPublic) -> str:
    if enrollment.status != "active":
        return "-"
    if enrollment.group == "holdout":
        return HOLDOUT_WORDS
    return engine_path_label(str(enrollment.steps_completed))


def consent_options(choices: Any, current: Any) -> list[tuple[str, str]]:
    """Boolean properties seen on profiles, and the one already chosen."""
    names = set(choices.consent_properties)
    if isinstance(current, str) and current.strip() not in ("", "-"):
        names.add(current)
    return [(name, name) for name in sorted(names)]


def campaign_options(choices: Any) -> list[tuple[str, str, str]]:
    """The Campaign dropdown: each option carries its merge tags for the script."""
    options = [("", "Choose a campaign", "")]
    for campaign in choices.campaigns:
        label = campaign.name if campaign.usable else f"{campaign.name} (not active)"
        tags = " ".join(campaign.merge_tags)  # merge tags are identifiers: safe in an attribute
        options.append((str(campaign.id), label, f'data-merge-tags="{tags}"'))
    return options
