"""The facts a step's timeline entry tells, gathered where the step already has them and written
with its delivery (no statement of their own). They hold a masked address, never a full one.
"""

from typing import Any

from flowline.core.models.campaigns import Campaign
from flowline.core.models.installation_settings import FrequencyCap
from flowline.definitions.durations import humanize
from flowline.definitions.segments.rules import EventCondition, PropertyCondition
from flowline.definitions.segments.segment_rule import SegmentRule
from flowline.definitions.segments.words import describe_rule


def mask_address(address: Any) -> str | None:
    """`ann@example.com` → `a***@example.com`: enough to recognise, not to write to."""
    if not isinstance(address, str) or not address.strip():
        return None
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return address.strip()[:1] + "***"
    return f"{local[:1]}***@{domain}"


def email_facts(campaign: Campaign | None, campaign_id: int, address: Any) -> dict[str, Any]:
    """The campaign, its subject as written (merge tags not filled in), the masked address."""
    facts: dict[str, Any] = {"campaign_id": campaign_id}
    if campaign is not None:
        facts["campaign"] = campaign.name
        facts["subject"] = campaign.subject
    masked = mask_address(address)
    if masked is not None:
        facts["to"] = masked
    return facts


def cap_facts(facts: dict[str, Any] | None, cap: FrequencyCap) -> dict[str, Any]:
    return {**(facts or {}), "cap_max": cap.max, "cap_per": humanize(cap.per)}


def http_facts(method: str, url: str, status: int | None) -> dict[str, Any]:
    facts: dict[str, Any] = {"method": method, "url": url}
    if status is not None:
        facts["status"] = status
    return facts


def _properties_of(rule: Any) -> list[PropertyCondition]:
    if isinstance(rule, SegmentRule):
        rule = rule.root
    if isinstance(rule, PropertyCondition):
        return [rule]
    if isinstance(rule, EventCondition):
        return []
    found: list[PropertyCondition] = []
    for child in getattr(rule, "all", None) or getattr(rule, "any", None) or []:
        found += _properties_of(child)
    inner = getattr(rule, "not_", None)
    if inner is not None:
        found += _properties_of(inner)
    return found


def branch_facts(rule: SegmentRule, properties: dict[str, Any], arm: str) -> dict[str, Any]:
    """The arm, the condition in words, and the profile values it read (with what it needs)."""
    values = {c.property: properties.get(c.property) for c in _properties_of(rule)}
    needs = {c.property: c.value for c in _properties_of(rule) if c.op in ("eq", "neq", "in")}
    return {"arm": arm, "condition": describe_rule(rule), "values": values, "needs": needs}
