"""The journey map: the steps of the current version as a tree of nodes, each with its words and
its live counts (reached and failed as the stats funnel counts them, waiting here now)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from flowline.core.models.campaigns import Campaign
from flowline.core.models.workflow_schemas import WorkflowStats
from flowline.core.models.workflows import Workflow
from flowline.core.services.enrollments.positions import Positions
from flowline.core.services.enrollments.step_filters import STEP_STATES
from flowline.definitions.step_kinds import KINDS, labelled_children, walk
from flowline.definitions.step_tree import child_path
from flowline.definitions.steps import SendEmailStep
from flowline.definitions.workflows import WorkflowDefinition
from flowline.web.form_tree import engine_path_label
from flowline.web.words import action_name
from flowline.web.workflow_story import step_words


@dataclass
class MapArm:
    label: str  # "Then", "Else"
    nodes: list["MapNode"]


@dataclass
class MapNode:
    path: str
    label: str  # "Step 3.then.1"
    action: str  # "Send email"
    words: str  # "Send 'Welcome'"
    reached: int
    waiting: int
    failed: int
    has_outcome: bool
    """Whether the step can fail (a wait or a branch only passes)."""
    links: dict[str, str] = field(default_factory=dict)
    """`{count: the workflow page listing those enrollments}`."""
    arms: list[MapArm] = field(default_factory=list)


def journey_map(
    session: Session,
    workflow: Workflow,
    definition: WorkflowDefinition,
    stats: WorkflowStats,
    positions: Positions,
) -> list[MapNode]:
    """The top-level nodes; `stats` is the funnel of the same version (its counts are reused)."""
    funnel = {step.path: step for step in stats.steps}
    names = _campaign_names(session, definition)

    def nodes(steps: Sequence[Any], prefix: str) -> list[MapNode]:
        found = []
        for index, step in enumerate(steps):
            path = child_path(prefix, index)
            figures = funnel.get(path)
            kind = KINDS.get(step.type)
            node = MapNode(
                path=path,
                label=engine_path_label(path),
                action=action_name(step.type),
                words=_short_words(step, names),
                reached=figures.executed if figures else 0,
                waiting=positions.counts[path],
                failed=figures.failed if figures else 0,
                has_outcome=kind is None or kind.outcome,
                links={state: _link(workflow, path, state) for state in STEP_STATES},
            )
            node.arms = [
                MapArm(label, nodes(held, f"{path}.{arm}"))
                for arm, label, held in labelled_children(step)
            ]
            found.append(node)
        return found

    return nodes(definition.steps, "")


def _link(workflow: Workflow, path: str, state: str) -> str:
    return f"/workflows/{workflow.id}?{urlencode({'step': path, 'state': state})}#recent-title"


def _short_words(step: Any, campaign_names: dict[int, str]) -> str:
    if isinstance(step, SendEmailStep):
        name = campaign_names.get(step.campaign_id)
        return f"Send '{name}'" if name is not None else f"Send campaign #{step.campaign_id}"
    return step_words(step, {})


def _campaign_names(session: Session, definition: WorkflowDefinition) -> dict[int, str]:
    ids = {s.campaign_id for _, s in walk(definition.steps) if isinstance(s, SendEmailStep)}
    if not ids:
        return {}
    rows = session.exec(select(Campaign.id, Campaign.name).where(col(Campaign.id).in_(ids)))
    return {campaign_id: name for campaign_id, name in rows if campaign_id is not None}
