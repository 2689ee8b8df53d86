"""What one attempt of a Send email step does, decided before any SMTP connection.

In a thread, from the database (the step's context, the campaign, the suppression list, the
frequency cap's slot) and the templates (rendered, links tracked, the message built): an outcome
to record without sending (`Decided`), the end of the enrollment (`StepResult`), or the message
to send (`Outgoing`).
"""

from dataclasses import dataclass
from email.message import Message
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from flowline.core.database import session_scope
from flowline.core.models.campaigns import Campaign
from flowline.core.models.installation_settings import FrequencyCap
from flowline.core.services.engagement.tokens import TrackedDelivery
from flowline.core.services.enrollments.timeline_facts import cap_facts, email_facts
from flowline.core.services.frequency_cap import current_cap, take_slot
from flowline.core.services.suppressions import SUPPRESSED, Suppressor, any_suppressed
from flowline.core.services.unsubscribe import Unsubscription, unsubscribe_url
from flowline.core.settings import Settings
from flowline.core.timestamps import utcnow
from flowline.definitions.template_budget import TOO_EXPENSIVE, TemplateTooExpensive
from flowline.definitions.templates import UNSUBSCRIBE_TAG, merge_values, render_email
from flowline.worker.activities.email_message import (
    InvalidSender,
    build_message,
    message_id_header,
    sender_address,
    single_mailbox,
)
from flowline.worker.activities.email_tracking import EngagementTracking
from flowline.worker.activities.step_context import StepContext, load_step_context
from flowline.worker.contracts import SendEmailInput, StepResult


@dataclass(frozen=True)
class UnsubscribeLinks:
    """Where one-click unsubscribe links point, and the key that signs them."""

    public_url: str
    secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> "UnsubscribeLinks":
        return cls(settings.resolved_public_url, settings.require_secret_key())

    def url_for(self, input: SendEmailInput, enrollment_id: int) -> str | None:
        """Only mail of workflows that take consent into account can be unsubscribed from.
        The link names this email (enrollment and step): its unsubscribes count against it."""
        if input.consent_property is None:
            return None
        what = Unsubscription(
            profile_id=input.enrollment.profile_id,
            workflow_id=input.enrollment.workflow_id,
            consent_property=input.consent_property,
            enrollment_id=enrollment_id,
            step_path=input.path,
        )
        return unsubscribe_url(self.public_url, self.secret, what)


@dataclass(frozen=True)
class _Reads:
    """What the step reads beside its context, in the same transaction."""

    campaign: Campaign | None
    cap: FrequencyCap | None  # None: no cap, or this workflow ignores it
    suppressed: bool  # the profile's address is on the suppression list


@dataclass(frozen=True)
class Decided:
    """An outcome reached without sending (skipped, failed), to record."""

    enrollment_id: int
    result: StepResult


@dataclass(frozen=True)
class Outgoing:
    enrollment_id: int
    sender: str
    recipient: str
    message: Message
    facts: dict[str, Any]
    links: tuple[str, ...] = ()  # tracked: each position's address, written with the delivery


class EmailPreparation:
    def __init__(
        self,
        engine: Engine,
        default_from: str,
        links: UnsubscribeLinks,
        suppressor: Suppressor,
        tracking: EngagementTracking,
    ) -> None:
        self._engine = engine
        self._default_from = default_from
        self._links = links
        self._suppressor = suppressor
        self._tracking = tracking

    def prepare(self, input: SendEmailInput) -> StepResult | Decided | Outgoing:
        """In a thread: what this attempt does, decided from the database and the templates."""

        def also(session: Session, properties: dict[str, Any]) -> _Reads:
            campaign, suppressed = self._campaign_and_suppression(session, input, properties)
            cap = None if input.ignore_frequency_cap else current_cap(session)
            return _Reads(campaign, cap, suppressed)

        context = load_step_context(
            self._engine, input.enrollment, input.path, input.consent_property, also
        )
        if isinstance(context, StepResult):
            return context  # the enrollment ends here; there is no delivery to record
        if context.done is not None:
            return StepResult(outcome=context.done.status, detail=context.done.detail or "")
        reads: _Reads = context.also
        outcome = self._message(input, context, reads.campaign)
        if isinstance(outcome, StepResult):  # the timeline tells which campaign, to whom
            address = context.properties.get(input.step.email_property)
            facts = email_facts(reads.campaign, input.step.campaign_id, address)
            return Decided(context.enrollment_id, outcome.model_copy(update={"facts": facts}))
        if reads.suppressed:  # decided before any SMTP connection, and before the cap's slot
            skipped = StepResult(outcome="skipped", detail=SUPPRESSED, facts=outcome.facts)
            return Decided(context.enrollment_id, skipped)
        if reads.cap is not None and not self._slot_taken(input, context, reads.cap):
            facts = cap_facts(outcome.facts, reads.cap)
            skipped = StepResult(outcome="skipped", detail="frequency_cap", facts=facts)
            return Decided(context.enrollment_id, skipped)
        return outcome

    def _campaign_and_suppression(
        self, session: Session, input: SendEmailInput, properties: dict[str, Any]
    ) -> tuple[Campaign | None, bool]:
        """The campaign, and whether the address is suppressed, in the one query."""
        recipient = single_mailbox(properties.get(input.step.email_property))
        if recipient is None:
            return session.get(Campaign, input.step.campaign_id), False
        suppressed = any_suppressed(self._suppressor.hashes(recipient))
        row = session.exec(
            select(Campaign, suppressed).where(col(Campaign.id) == input.step.campaign_id)
        ).first()
        return (None, False) if row is None else (row[0], bool(row[1]))

    def _slot_taken(self, input: SendEmailInput, context: StepContext, cap: FrequencyCap) -> bool:
        """The frequency cap's slot for this step (race-free; a retry keeps its slot).

        Only a cap takes the write lock here; without one the attempt writes once, its outcome.
        """
        with session_scope(self._engine) as session:
            return take_slot(
                session,
                profile_id=input.enrollment.profile_id,
                enrollment_id=context.enrollment_id,
                step_path=input.path,
                cap=cap,
                now=utcnow(),
            )

    def _message(
        self, input: SendEmailInput, context: StepContext, campaign: Campaign | None
    ) -> StepResult | Outgoing:
        step = input.step
        if campaign is None:
            return StepResult(outcome="failed", detail=f"campaign {step.campaign_id} was deleted")
        if campaign.status != "active":
            return StepResult(outcome="skipped", detail=f"campaign {campaign.id} is not active")
        raw = context.properties.get(step.email_property)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return StepResult(
                outcome="skipped", detail=f"no email address in '{step.email_property}'"
            )
        recipient = single_mailbox(raw)
        if recipient is None:
            return StepResult(outcome="skipped", detail="invalid address")
        values = merge_values(step.merge_tags, context.properties)
        unsubscribe = self._links.url_for(input, context.enrollment_id)
        if unsubscribe is not None and UNSUBSCRIBE_TAG not in step.merge_tags:
            values[UNSUBSCRIBE_TAG] = unsubscribe
        try:
            rendered = render_email(campaign.subject, campaign.html, campaign.text, values)
        except TemplateTooExpensive as error:  # stopped by its budget; a retry would be too
            return StepResult(outcome="failed", detail=f"{TOO_EXPENSIVE}: {error}")
        except Exception as error:  # any failure of the template: retrying renders it the same
            return StepResult(outcome="failed", detail=f"campaign template error: {error!r}")
        delivery = TrackedDelivery(context.enrollment_id, input.path)
        tracked = self._tracking.applied(rendered, campaign, delivery, unsubscribe)
        sender = campaign.from_email or self._default_from
        try:
            message = build_message(
                sender=sender,
                recipient=recipient,
                rendered=tracked.email,
                message_id=message_id_header(input, context.enrollment_id),
                unsubscribe_url=unsubscribe,
            )
            envelope_sender = sender_address(sender)
        except (InvalidSender, ValueError) as error:
            return StepResult(outcome="failed", detail=f"cannot build the message: {error}")
        facts = email_facts(campaign, step.campaign_id, recipient)
        return Outgoing(
            context.enrollment_id, envelope_sender, recipient, message, facts, tracked.links
        )
