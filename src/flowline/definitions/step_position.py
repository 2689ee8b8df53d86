"""Where an active enrollment is in its steps, read from what its run has recorded so far.

A run records a step once it has run: an email or HTTP call (which also moves its progress,
`steps_completed`, past the top-level step it lies under), a branch (with the arm it took) and an
update at once; a wait, or a wait for an event, only with the next record. So a run is just after
the last step it recorded, and a run whose progress says `k` may be anywhere from top-level step
`k` to the next email or HTTP call.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from flowline.definitions.step_kinds import children
from flowline.definitions.step_tree import SPLIT_PATHS, child_path

MOVES_PROGRESS = frozenset({"send_email", "http_call"})
"""Kinds whose record moves the run's progress on."""
RECORDED_LATER = frozenset({"wait", "wait_for_event"})
"""Kinds recorded only with the next record (or the end)."""


def placed_by_progress(steps: Sequence[Any], progress: int) -> bool:
    """Whether every active run with this progress is at top-level step `progress`: nothing it
    could pass before its next email or HTTP call would say it moved on."""
    if progress >= len(steps) or (progress > 0 and children(steps[progress - 1])):
        return False
    for step in steps[progress:]:
        if step.type in MOVES_PROGRESS:
            return True
        if step.type not in RECORDED_LATER:
            return False
    return True


def records_up_to(path: str, detail: str | None) -> dict[str, str | None]:
    """The records a run's last one implies: `"2.then.1"` lies down the `then` arm of branch
    `"2"`, `"2.paths.1.0"` down path `paths.1` of split `"2"`. With them `current_path` places
    the run as with all its records (records come in the order the run meets its steps)."""
    parts = path.split(".")
    implied: dict[str, str | None] = {}
    at = 1
    while at < len(parts) - 1:
        width = 2 if parts[at] == SPLIT_PATHS else 1
        implied[".".join(parts[:at])] = ".".join(parts[at : at + width])
        at += width + 1
    implied[path] = detail
    return implied


def current_path(
    steps: Sequence[Any], recorded: Mapping[str, str | None], progress: int
) -> str | None:
    """The path of the step an active run is at: the one after the last it recorded (None once
    it is past its last step).

    `recorded`: `{step path: detail}` of the steps it has records of (a branch's detail is the
    arm it took). A run past two waits in a row shows at the first one until its next record.
    """
    order = list(_in_run_order(steps, "", recorded, progress))
    last_done = max((i for i, (_, done) in enumerate(order) if done), default=-1)
    return order[last_done + 1][0] if last_done + 1 < len(order) else None


def _in_run_order(
    steps: Sequence[Any], prefix: str, recorded: Mapping[str, str | None], progress: int
) -> Iterator[tuple[str, bool]]:
    """`(path, done)` of the steps in the order this run meets them, down the arms it took; a
    branch it has not decided yet is the last step it can be known to meet."""
    for index, step in enumerate(steps):
        path = child_path(prefix, index)
        arms = dict(children(step))
        if not arms:
            # Progress `k` comes from a record under step `k - 1`: every top-level step before
            # that one is done, and that one too unless it holds steps.
            yield path, path in recorded or (not prefix and index < progress)
            continue
        if not prefix and index < progress - 1:
            yield path, True
            continue
        if path not in recorded:
            yield path, False
            return
        yield path, True
        arm = recorded[path] or ""
        yield from _in_run_order(arms.get(arm, ()), f"{path}.{arm}", recorded, 0)
