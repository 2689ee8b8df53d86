"""The `send_email` activity: render the campaign for the live profile and send it over SMTP.

One attempt = prepare (database, render), send (SMTP), record (database), each phase under its
own budget (see worker/policies.py), heartbeating throughout. Once the server has accepted the
message, its delivery is written at once, ahead of every other write of the process (the
shorter that window, the fewer messages a worker killed in it leaves to send again), and the
attempt reports "sent" whatever happens to the bookkeeping, so no retry can send it again.
"""

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from email.message import Message
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from flowline.core.database import session_scope
from flowline.core.models.campaigns import Campaign
from flowline.core.models.installation_settings import FrequencyCap
from flowline.core.services.email_feedback import record_hard_bounce
from flowline.core.services.engagement.tokens import TrackedDelivery
from flowline.core.services.enrollments.timeline_facts import cap_facts, email_facts
from flowline.core.services.frequency_cap import current_cap, give_back_slot, take_slot
from flowline.core.services.suppressions import SUPPRESSED, Suppressor, any_suppressed
from flowline.core.services.unsubscribe import Unsubscription, unsubscribe_url
from flowline.core.settings import Settings
from flowline.core.timestamps import utcnow
from flowline.definitions.template_budget import TOO_EXPENSIVE, TemplateTooExpensive
from flowline.definitions.templates import UNSUBSCRIBE_TAG, merge_values, render_email
from flowline.worker import policies
from flowline.worker.activities.attempts import RetryWindow, heartbeating, in_thread
from flowline.worker.activities.email_message import (
    InvalidSender,
    build_message,
    message_id,
    message_id_header,
    sender_address,
    single_mailbox,
)
from flowline.worker.activities.email_tracking import EngagementTracking
from flowline.worker.activities.sends_in_flight import Accepted, SendsInFlight
from flowline.worker.activities.smtp import SmtpConfig, SmtpRejected, SmtpUnavailable, deliver
from flowline.worker.activities.step_context import (
    StepContext,
    load_step_context,
    record,
    start_urgent_write,
)
from flowline.worker.contracts import SEND_EMAIL, SendEmailInput, StepResult

# Raised for Temporal to retry; never in `non_retryable_error_types`.
_DEFERRED = "EmailDeferred"


def email_retry_window(settings: Settings) -> RetryWindow:
    return RetryWindow(
        within=timedelta(seconds=settings.email_retry_seconds),
        initial_delay=policies.EMAIL_INITIAL_RETRY,
        max_delay=policies.EMAIL_MAX_RETRY,
    )


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
class _Decided:
    """An outcome reached without sending (skipped, failed), to record."""

    enrollment_id: int
    result: StepResult


@dataclass(frozen=True)
class _Outgoing:
    enrollment_id: int
    sender: str
    recipient: str
    message: Message
    facts: dict[str, Any]
    links: tuple[str, ...] = ()  # tracked: each position's address, written with the delivery


class EmailActivities:
    def __init__(
        self,
        engine: Engine,
        smtp: SmtpConfig,
        retry: RetryWindow,
        links: UnsubscribeLinks,
        suppressor: Suppressor | None = None,
        tracking: EngagementTracking | None = None,
    ) -> None:
        self._engine = engine
        self._smtp = smtp
        self._retry = retry
        self._links = links
        self._suppressor = suppressor or Suppressor((links.secret,))
        self._tracking = tracking or EngagementTracking(links.public_url, links.secret)
        self._in_flight = SendsInFlight()

    @activity.defn(name=SEND_EMAIL)
    async def send_email(self, input: SendEmailInput) -> StepResult:
        key = message_id(input)
        async with heartbeating(), self._in_flight.one_at_a_time(key) as earlier:
            if earlier is not None:  # an attempt here was accepted, then could not record it
                return await self._record(
                    input, earlier.enrollment_id, earlier.result, earlier.links
                )
            return await self._attempt(input, key)

    async def _attempt(self, input: SendEmailInput, key: str) -> StepResult:
        attempts = activity.info().attempt
        try:
            prepared = await in_thread(policies.STEP_PREPARE_BUDGET, self._prepare, input)
        except Exception as error:  # our database is busy or down; nothing was sent
            return self._retry.database_unavailable(error, _DEFERRED)
        if isinstance(prepared, StepResult):
            return prepared
        if isinstance(prepared, _Decided):
            result = prepared.result.model_copy(update={"attempts": attempts})
            return await self._record(input, prepared.enrollment_id, result)
        # The address stays out of the detail: deliveries outlive an erased profile.
        facts = prepared.facts
        sent = StepResult(outcome="sent", detail="accepted by the SMTP server", attempts=attempts)
        sent.facts = facts
        writing: list[asyncio.Future[None]] = []

        def accepted() -> None:
            # The 250 has just arrived: on record at once, ahead of every other write here.
            accepted = Accepted(prepared.enrollment_id, sent, prepared.links)
            self._in_flight.accepted(key, accepted)
            write = start_urgent_write(
                self._engine,
                prepared.enrollment_id,
                input.path,
                type="email",
                result=sent,
                passed=input.passed,
                links=prepared.links,
                campaign_id=input.step.campaign_id,
            )
            write.add_done_callback(lambda done: self._written(key, done))
            writing.append(write)

        try:
            await deliver(
                self._smtp, prepared.message, prepared.sender, prepared.recipient, accepted
            )
        except SmtpRejected as error:
            detail = f"hard bounce: {error}" if error.hard_bounce else str(error)
            failed = StepResult(outcome="failed", detail=detail, attempts=attempts, facts=facts)
            await self._give_back_slot(input, prepared.enrollment_id)
            recorded = await self._record(input, prepared.enrollment_id, failed)
            if error.hard_bounce:
                await self._hard_bounce(input, prepared, str(error))
            return recorded
        except SmtpUnavailable as error:
            # Raises to retry while the window lasts; past it, the step fails for good.
            detail = self._retry.give_up_or_retry(str(error), _DEFERRED)
            await self._give_back_slot(input, prepared.enrollment_id)
            failed = StepResult(outcome="failed", detail=detail, attempts=attempts, facts=facts)
            return await self._record(input, prepared.enrollment_id, failed)
        return await record(
            self._engine,
            prepared.enrollment_id,
            input.path,
            type="email",
            result=sent,
            passed=input.passed,
            started=writing[0] if writing else None,
            links=prepared.links,
            campaign_id=input.step.campaign_id,
        )

    async def _hard_bounce(self, input: SendEmailInput, sent: "_Outgoing", reason: str) -> None:
        """Suppress the address and record `email_bounced` on the profile. Should this fail
        (our database down), the next send to the address bounces again and tries again."""

        def suppress() -> None:
            with session_scope(self._engine) as session:
                record_hard_bounce(
                    session,
                    self._suppressor,
                    address=sent.recipient,
                    enrollment_id=sent.enrollment_id,
                    step_path=input.path,
                    reason=reason,
                )

        try:
            await in_thread(policies.RECORD_BUDGET, suppress)
        except Exception:
            activity.logger.warning("hard bounce of step %s not recorded", input.path)

    def _written(self, key: str, write: "asyncio.Future[None]") -> None:
        if not write.cancelled() and write.exception() is None:
            self._in_flight.recorded(key)

    def _prepare(self, input: SendEmailInput) -> StepResult | _Decided | _Outgoing:
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
            return _Decided(context.enrollment_id, outcome.model_copy(update={"facts": facts}))
        if reads.suppressed:  # decided before any SMTP connection, and before the cap's slot
            skipped = StepResult(outcome="skipped", detail=SUPPRESSED, facts=outcome.facts)
            return _Decided(context.enrollment_id, skipped)
        if reads.cap is not None and not self._slot_taken(input, context, reads.cap):
            facts = cap_facts(outcome.facts, reads.cap)
            skipped = StepResult(outcome="skipped", detail="frequency_cap", facts=facts)
            return _Decided(context.enrollment_id, skipped)
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

    async def _give_back_slot(self, input: SendEmailInput, enrollment_id: int) -> None:
        """Nothing was sent after all: the slot is free for the profile's next email."""

        def give_back() -> None:
            with session_scope(self._engine) as session:
                give_back_slot(session, enrollment_id=enrollment_id, step_path=input.path)

        try:
            await in_thread(policies.RECORD_BUDGET, give_back)
        except Exception:  # the cap errs on the side of sending less; never fail the step
            activity.logger.warning("frequency-cap slot of step %s not given back", input.path)

    def _message(
        self, input: SendEmailInput, context: StepContext, campaign: Campaign | None
    ) -> StepResult | _Outgoing:
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
        sender = campaign.from_email or self._smtp.default_from
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
        return _Outgoing(
            context.enrollment_id, envelope_sender, recipient, message, facts, tracked.links
        )

    async def _record(
        self,
        input: SendEmailInput,
        enrollment_id: int,
        result: StepResult,
        links: tuple[str, ...] = (),
    ) -> StepResult:
        recorded = await record(
            self._engine,
            enrollment_id,
            input.path,
            type="email",
            result=result,
            passed=input.passed,
            links=links,
            campaign_id=input.step.campaign_id,
        )
        if recorded.recorded:
            self._in_flight.recorded(message_id(input))
        return recorded
