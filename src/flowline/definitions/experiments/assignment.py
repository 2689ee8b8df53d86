"""Who is held out and which path of a split a profile takes: pure functions of ids.

A share is the first 8 bytes of a SHA-256 over the parts, read as a number in [0, 1). The same
workflow, version and profile always give the same answer: on a retry, after a worker restart,
in a replay and in the dry run alike. The version is part of the salt, so a new version draws
its holdout and its split paths afresh (and a split winner of the old version no longer applies).
"""

import hashlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

from flowline.definitions.journey_steps import WaitForEventStep
from flowline.definitions.step_kinds import children
from flowline.definitions.steps import WaitStep

Cohort = Literal["treatment", "holdout"]
MAX_HOLDOUT_PERCENT = 50
_SEPARATOR = "\x1f"  # cannot occur in an id written out, so the parts never run together


def share(*parts: str) -> float:
    """A number in [0, 1), uniform over ids, fixed for these parts."""
    digest = hashlib.sha256(_SEPARATOR.join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def version_salt(version: int) -> str:
    return f"v{version}"


def cohort_of(workflow_id: int, version: int, profile_id: str, holdout_percent: int) -> Cohort:
    """`holdout` for a `holdout_percent` share of profiles, `treatment` for the others."""
    if holdout_percent <= 0:
        return "treatment"
    drawn = share("holdout", str(workflow_id), version_salt(version), profile_id)
    return "holdout" if drawn < holdout_percent / 100 else "treatment"


def chosen_path(
    workflow_id: int, version: int, split_path: str, profile_id: str, weights: Sequence[int]
) -> int:
    """The index of the path a profile takes at the split at `split_path` (weights sum to 100)."""
    drawn = share("split", str(workflow_id), version_salt(version), split_path, profile_id)
    total = sum(weights)
    reached = 0
    for index, weight in enumerate(weights):
        reached += weight
        if drawn * total < reached:
            return index
    return len(weights) - 1


def longest_journey(steps: Sequence[Any]) -> timedelta:
    """How long a run of these steps can take at most, from its waits: a wait's duration, a
    wait for an event's timeout, the longest arm of a branch or path of a split. Send windows
    are not counted (they depend on the profile's zone and the hour)."""
    total = timedelta(0)
    for step in steps:
        if isinstance(step, WaitStep):
            total += step.duration
        elif isinstance(step, WaitForEventStep):
            total += step.timeout
        held = children(step)
        if held:
            total += max(longest_journey(arm) for _, arm in held)
    return total
