"""What a change did, in words, for the audit log's `summary`.

Only names, counts, switches and rules in words: never a template's text, a step's headers or
body (they may hold a target's credentials), a key's secret, an address or a profile's values.
"""

from collections.abc import Sequence
from typing import Any

from flowline.core.models.campaigns import Campaign
from flowline.core.models.installation_settings import InstallationSettings
from flowline.definitions.durations import humanize
from flowline.definitions.step_kinds import walk
from flowline.definitions.triggers import trigger_in_words
from flowline.definitions.workflows import WorkflowDefinition

MAX_VALUE = 120
Change = tuple[str, Any, Any]


class Words(str):
    """Text that already reads as words (a rule, a cap): shown as it is, not quoted."""


def shown(value: Any) -> str:
    """A value as the summary shows it: text quoted and cut, switches as on/off."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        text = value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"
        return text if isinstance(value, Words) else f"'{text}'"
    return str(value)


def changes_in_words(changes: Sequence[Change]) -> str:
    """`name: 'A' → 'B'; steps: 3 → 4` for the changes whose value differs."""
    return "; ".join(
        f"{label}: {shown(before)} → {shown(after)}"
        for label, before, after in changes
        if before != after
    )


def _step_count(definition: WorkflowDefinition) -> int:
    return len(list(walk(definition.steps)))


def _facts(definition: WorkflowDefinition) -> dict[str, Any]:
    return {
        "name": definition.name,
        "trigger": Words(trigger_in_words(definition.trigger)),
        "consent": definition.consent_property or "-",
        "exit on goal": definition.exit_on_goal,
        "re-entry": definition.reentry,
        "frequency cap ignored": definition.ignore_frequency_cap,
        "steps": _step_count(definition),
    }


def workflow_saved(
    version: int,
    before: WorkflowDefinition | None,
    after: WorkflowDefinition,
    enabled_before: bool | None,
    enabled_after: bool,
) -> str:
    """`version 3: name: 'A' → 'B'; steps: 3 → 4`; a first version says what it holds."""
    facts = _facts(after)
    if before is None:
        return (
            f"version {version}: {facts['steps']} step(s), trigger {facts['trigger']}, "
            f"{'enabled' if enabled_after else 'disabled'}"
        )
    old = _facts(before)
    changes: list[Change] = [(label, old[label], facts[label]) for label in facts]
    changes.append(("enabled", enabled_before, enabled_after))
    words = changes_in_words(changes)
    dumped_before, dumped_after = before.model_dump(mode="json"), after.model_dump(mode="json")
    if old["steps"] == facts["steps"] and dumped_before["steps"] != dumped_after["steps"]:
        words = "; ".join(filter(None, [words, "steps edited"]))
    for field, label in (("goal", "goal"), ("send_window", "send window")):
        if dumped_before[field] != dumped_after[field]:
            words = "; ".join(filter(None, [words, f"{label} changed"]))
    return f"version {version}: {words or 'saved unchanged'}"


def campaign_facts(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "subject": campaign.subject,
        "status": campaign.status,
        "type": campaign.type,
        "from": campaign.from_email,
        "track opens": campaign.track_opens,
        "track clicks": campaign.track_clicks,
        "html": campaign.html,
        "text": campaign.text,
    }


def campaign_updated(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Changed fields; the bodies only as "HTML changed" (their text is the campaign's own)."""
    bodies = {"html": "HTML changed", "text": "text changed"}
    changes = [(label, before[label], after[label]) for label in after if label not in bodies]
    words = [changes_in_words(changes)]
    words += [said for label, said in bodies.items() if before[label] != after[label]]
    return "; ".join(w for w in words if w) or "saved unchanged"


def campaign_created(campaign: Campaign) -> str:
    return f"status {campaign.status}, subject {shown(campaign.subject)}"


def frequency_cap_in_words(settings: InstallationSettings) -> Words:
    cap = settings.email_frequency_cap
    if cap is None:
        return Words("off")
    return Words(f"{cap.max} email(s) per {humanize(cap.per)}")
