"""Deleting from the UI: a confirmation page first; a refusal (409) shown on it in words."""

from dataclasses import dataclass, field

from fastapi import Request, Response
from sqlmodel import Session, col, select

from flowline.core.models.workflows import Workflow
from flowline.web.pages import render


@dataclass
class Deletion:
    """What is about to be deleted, and where the page's links and form go."""

    kind: str  # "workflow", "campaign", "segment"
    name: str
    action: str  # the form's POST target
    back: str  # the item's own page
    consequence: str  # what deleting it means, in a sentence
    refusal: str | None = None
    users: list[tuple[str, str]] = field(default_factory=list)  # (name, link) of what uses it
    remedy: tuple[str, str] | None = None  # (POST target, button label) that lifts the refusal
    notice: str | None = None


def confirm_page(request: Request, deletion: Deletion, status: int = 200) -> Response:
    return render(request, "confirm_delete.html", {"deletion": deletion}, status)


def refused_page(request: Request, deletion: Deletion) -> Response:
    """Nothing was deleted: the page says why, with links to what uses the item."""
    return confirm_page(request, deletion, 409)


def workflow_links(session: Session, workflow_ids: list[int]) -> list[tuple[str, str]]:
    if not workflow_ids:
        return []
    query = select(Workflow).where(col(Workflow.id).in_(workflow_ids)).order_by(col(Workflow.id))
    return [(w.name, f"/workflows/{w.id}") for w in session.exec(query)]
