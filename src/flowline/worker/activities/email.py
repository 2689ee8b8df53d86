"""The `send_email` activity: render the campaign for the live profile and send it over SMTP.

One attempt = prepare (database, render: email_prepare.py), send (SMTP), record (database),
each phase under its own budget (see worker/policies.py), heartbeating throughout. Once the
server has accepted the message, its delivery is written at once, ahead of every other write
of the process (the shorter that window, the fewer messages a worker killed in it leaves to
send again), and the attempt reports "sent" whatever happens to the bookkeeping, so no retry
can send it again.
"""

import asyncio
from datetime import timedelta

from sqlalchemy import Engine
from temporalio import activity

from flowline.core.database import session_scope
from flowline.core.services.email_feedback import record_hard_bounce
from flowline.core.services.frequency_cap import give_back_slot
from flowline.core.services.suppressions import Suppressor
from flowline.core.settings import Settings
from flowline.worker import policies
from flowline.worker.activities.attempts import RetryWindow, heartbeating, in_thread
from flowline.worker.activities.email_message import (
    message_id,
)
from flowline.worker.activities.email_prepare import (
    Decided,
    EmailPreparation,
    Outgoing,
    UnsubscribeLinks,
)
from flowline.worker.activities.email_tracking import EngagementTracking
from flowline.worker.activities.sends_in_flight import Accepted, SendsInFlight
from flowline.worker.activities.smtp import SmtpConfig, SmtpRejected, SmtpUnavailable, deliver
from flowline.worker.activities.step_context import (
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
        self._suppressor = suppressor or Suppressor((links.secret,))
        self._preparation = EmailPreparation(
            engine,
            smtp.default_from,
            links,
            self._suppressor,
            tracking or EngagementTracking(links.public_url, links.secret),
        )
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
            prepared = await in_thread(
                policies.STEP_PREPARE_BUDGET, self._preparation.prepare, input
            )
        except Exception as error:  # our database is busy or down; nothing was sent
            return self._retry.database_unavailable(error, _DEFERRED)
        if isinstance(prepared, StepResult):
            return prepared
        if isinstance(prepared, Decided):
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

    async def _hard_bounce(self, input: SendEmailInput, sent: Outgoing, reason: str) -> None:
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

    async def _give_back_slot(self, input: SendEmailInput, enrollment_id: int) -> None:
        """Nothing was sent after all: the slot is free for the profile's next email."""

        def give_back() -> None:
            with session_scope(self._engine) as session:
                give_back_slot(session, enrollment_id=enrollment_id, step_path=input.path)

        try:
            await in_thread(policies.RECORD_BUDGET, give_back)
        except Exception:  # the cap errs on the side of sending less; never fail the step
            activity.logger.warning("frequency-cap slot of step %s not given back", input.path)

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
