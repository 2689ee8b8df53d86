"""How the UI names things: triggers with segment names, actions, the step an enrollment is at."""

from typing import Any

from flowline.core.models.enrollments import EnrollmentPublic
from flowline.definitions.triggers import EventTrigger, SegmentEnteredTrigger
from flowline.web.form_tree import engine_path_label
from flowline.web.workflow_form import STEP_ACTIONS, text_from_scalar

ACTION_NAMES = dict(STEP_ACTIONS)


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
    return ACTION_NAMES.get(step_type, step_type)


def step_actions(depth: int) -> list[tuple[str, str]]:
    """The Action dropdown; a step inside three branches cannot branch again."""
    return [(k, n) for k, n in STEP_ACTIONS if k != "branch" or depth < 3]


def current_step(enrollment: EnrollmentPublic) -> str:
    if enrollment.status != "active":
        return "-"
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
