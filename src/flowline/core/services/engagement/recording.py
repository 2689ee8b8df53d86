"""Each open and click of a tracked mail: a row in `email_engagements`, and for the first of
each an event on the profile through normal ingestion (triggers, goals, `wait_for_event`,
segments): `email_opened` / `email_clicked` `{campaign_id, workflow_id, delivery_id, step,
url (clicks), machine}`.

Which fetches leave a row: the first by a person and the first by a machine, per delivery for
opens and per link for clicks; later repeats record nothing (a pixel fetched in a loop writes
nothing more, and unique rates need no more). Which become events: the first open (and the
first click of each link), whoever made it; and, when that first one was a machine's, also the
first by a person, so a goal or a wait on a real click is not spent on a link scanner. Each
event has a fixed `message_id`, so two fetches at the same moment record it once.
"""

from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from flowline.core.models.engagement import EmailEngagement
from flowline.core.models.event_schemas import EventIn
from flowline.core.models.profiles import Profile
from flowline.core.services.engagement.links import Engaged
from flowline.core.services.ingestion.changes import apply_changes
from flowline.core.services.workflows.versions import definition_of

OPENED = "email_opened"
CLICKED = "email_clicked"
Kind = Literal["open", "click"]


def record_engagement(
    session: Session, engaged: Engaged, kind: Kind, *, machine: bool, at: datetime
) -> bool:
    """Record one open or click; True when it also became an event on the profile."""
    earlier = set(
        session.exec(
            select(EmailEngagement.machine).where(
                col(EmailEngagement.delivery_id) == engaged.delivery_id,
                col(EmailEngagement.kind) == kind,
                col(EmailEngagement.link_position) == engaged.position
                if engaged.position is not None
                else col(EmailEngagement.link_position).is_(None),
            )
        ).all()
    )
    if machine in earlier:
        return False
    campaign_id = engaged.campaign_id or _campaign_of_step(session, engaged)
    session.add(
        EmailEngagement(
            delivery_id=engaged.delivery_id,
            campaign_id=campaign_id,
            workflow_id=engaged.workflow_id,
            version=engaged.version,
            step_path=engaged.step_path,
            kind=kind,
            link_position=engaged.position,
            machine=machine,
            at=at,
        )
    )
    session.flush()
    if (earlier and machine) or engaged.erased:
        return False
    if session.get(Profile, engaged.profile_id) is None:
        return False  # erased: feedback never re-creates a profile
    event = _event(engaged, kind, campaign_id, machine, after_machine=bool(earlier))
    return apply_changes(session, events=[event], now=at).accepted == 1


def _event(
    engaged: Engaged, kind: Kind, campaign_id: int | None, machine: bool, after_machine: bool
) -> EventIn:
    name = OPENED if kind == "open" else CLICKED
    key = f"{name}:{engaged.delivery_id}"
    properties: dict[str, Any] = {
        "campaign_id": campaign_id,
        "workflow_id": engaged.workflow_id,
        "delivery_id": engaged.delivery_id,
        "step": engaged.step_path,
    }
    if kind == "click":
        key += f":{engaged.position}"
        properties["url"] = engaged.url
    properties["machine"] = machine
    if after_machine:
        key += ":human"
    return EventIn(profile_id=engaged.profile_id, name=name, properties=properties, message_id=key)


def _campaign_of_step(session: Session, engaged: Engaged) -> int | None:
    """The campaign the step sent, from the enrollment's workflow version."""
    definition = definition_of(session, engaged.workflow_id, engaged.version)
    if definition is None:
        return None
    step = dict(definition.email_steps()).get(engaged.step_path)
    return None if step is None else step.campaign_id
