"""The `send_email` activity: render the campaign for the live profile and send it over SMTP."""

import asyncio
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
import jinja2
from sqlalchemy import Engine
from temporalio import activity

from flowline.core.database import session_scope
from flowline.core.models.campaigns import Campaign
from flowline.core.settings import Settings
from flowline.definitions.templates import RenderedEmail, merge_values, render_email
from flowline.worker.activities.step_context import StepContext, load_step_context, record
from flowline.worker.contracts import SEND_EMAIL, SendEmailInput, StepResult


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    default_from: str = "flowline@localhost"

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpConfig":
        return cls(
            host=settings.smtp_host or "127.0.0.1",
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            default_from=settings.email_from,
        )


@dataclass(frozen=True)
class _Prepared:
    sender: str
    recipient: str
    rendered: RenderedEmail


def message_id(input: SendEmailInput) -> str:
    """Stable across retries of this step of this enrollment, so receivers can de-duplicate."""
    ref = input.enrollment
    seed = f"{ref.temporal_workflow_id}:{ref.run_id}:{input.path}"
    return f"<{hashlib.sha256(seed.encode()).hexdigest()[:32]}@flowline>"


class EmailActivities:
    def __init__(self, engine: Engine, smtp: SmtpConfig) -> None:
        self._engine = engine
        self._smtp = smtp

    @activity.defn(name=SEND_EMAIL)
    async def send_email(self, input: SendEmailInput) -> StepResult:
        context = await asyncio.to_thread(
            load_step_context,
            self._engine,
            input.enrollment,
            input.path,
            input.consent_property,
        )
        if isinstance(context, StepResult):
            return context
        if context.done is not None:
            return StepResult(outcome=context.done.status, detail=context.done.detail or "")
        attempt = activity.info().attempt
        prepared = await asyncio.to_thread(self._prepare, input, context)
        if isinstance(prepared, StepResult):
            return await self._record(input, context, prepared, attempt)
        message = self._message(input, prepared)
        try:
            await aiosmtplib.send(
                message,
                hostname=self._smtp.host,
                port=self._smtp.port,
                username=self._smtp.username,
                password=self._smtp.password,
                start_tls=self._smtp.starttls,
                timeout=30,
            )
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as error:
            if _permanent(error):
                failed = StepResult(outcome="failed", detail=f"rejected by SMTP server: {error}")
                return await self._record(input, context, failed, attempt)
            raise  # a 4xx or a dropped connection: Temporal retries with backoff
        sent = StepResult(outcome="sent", detail=f"to {prepared.recipient}")
        return await self._record(input, context, sent, attempt)

    def _prepare(self, input: SendEmailInput, context: StepContext) -> _Prepared | StepResult:
        step = input.step
        with session_scope(self._engine) as session:
            campaign = session.get(Campaign, step.campaign_id)
        if campaign is None:
            return StepResult(outcome="failed", detail=f"campaign {step.campaign_id} was deleted")
        if campaign.status != "active":
            return StepResult(outcome="skipped", detail=f"campaign {campaign.id} is not active")
        address = context.properties.get(step.email_property)
        if not isinstance(address, str) or "@" not in address or "\n" in address:
            return StepResult(
                outcome="skipped", detail=f"no email address in '{step.email_property}'"
            )
        values = merge_values(step.merge_tags, context.properties)
        try:
            rendered = render_email(campaign.subject, campaign.html, campaign.text, values)
        except jinja2.TemplateError as error:
            return StepResult(outcome="failed", detail=f"campaign template error: {error}")
        sender = campaign.from_email or self._smtp.default_from
        return _Prepared(sender=sender, recipient=address.strip(), rendered=rendered)

    def _message(self, input: SendEmailInput, prepared: _Prepared) -> EmailMessage:
        message = EmailMessage()
        message["From"] = prepared.sender
        message["To"] = prepared.recipient
        message["Subject"] = prepared.rendered.subject
        message["Message-ID"] = message_id(input)
        message["Date"] = formatdate(usegmt=True)
        message.set_content(prepared.rendered.text or "This message is best viewed as HTML.")
        message.add_alternative(prepared.rendered.html, subtype="html")
        return message

    async def _record(
        self, input: SendEmailInput, context: StepContext, result: StepResult, attempt: int
    ) -> StepResult:
        return await record(
            self._engine,
            context.enrollment_id,
            input.path,
            type="email",
            status=result.outcome,
            detail=result.detail,
            attempts=attempt,
            passed=input.passed,
        )


def _permanent(error: aiosmtplib.SMTPException) -> bool:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= r.code < 600 for r in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and 500 <= error.code < 600
