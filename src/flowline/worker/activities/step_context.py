"""What every action step reads before it acts: its enrollment row, the live profile, consent."""

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Delivery
from flowline.core.models.profiles import Profile
from flowline.core.services.enrollment_records import (
    ERASED_REASON,
    DuplicateStart,
    EnrollmentKey,
    delivery_of,
    ensure_enrollment,
    record_delivery,
    step_reached,
)
from flowline.definitions.enrollment import has_consent
from flowline.worker.contracts import EnrollmentRef, StepResult


@dataclass
class StepContext:
    enrollment_id: int
    properties: dict[str, Any]
    done: Delivery | None  # a delivery an earlier attempt already completed


def enrollment_key(ref: EnrollmentRef) -> EnrollmentKey:
    return EnrollmentKey(**ref.model_dump())


def duplicate_start_fails(error: DuplicateStart) -> ApplicationError:
    """A duplicate run (see `DuplicateStart`) fails at once instead of retrying for ever."""
    return ApplicationError(str(error), type="DuplicateStart", non_retryable=True)


def load_step_context(
    engine: Engine, ref: EnrollmentRef, step_index: int, consent_property: str | None
) -> StepContext | StepResult:
    """The live profile for a step, or the result that ends the enrollment before it acts."""
    try:
        enrollment, _ = ensure_enrollment(engine, enrollment_key(ref))
    except DuplicateStart as error:
        raise duplicate_start_fails(error) from None
    assert enrollment.id is not None
    if enrollment.exit_reason == ERASED_REASON:
        # Erased while this run waited: a profile re-created under the same id is someone else.
        return StepResult(outcome="profile_deleted", detail="the profile was deleted")
    with session_scope(engine) as session:
        done = delivery_of(session, enrollment.id, step_index)
        if done is not None and done.status in ("sent", "skipped"):
            return StepContext(enrollment.id, {}, done)
        profile = session.get(Profile, ref.profile_id)
        if profile is None:
            return StepResult(outcome="profile_deleted", detail="the profile was deleted")
        # Consent is read live before every action: a withdrawal ends the enrollment.
        if not has_consent(profile.properties, consent_property):
            return StepResult(
                outcome="consent_withdrawn", detail=f"no consent in '{consent_property}'"
            )
        step_reached(session, enrollment.id, step_index)
        return StepContext(enrollment.id, dict(profile.properties), None)


async def record(
    engine: Engine,
    enrollment_id: int,
    step_index: int,
    *,
    type: str,
    status: str,
    detail: str,
    attempts: int,
) -> StepResult:
    def write() -> None:
        with session_scope(engine) as session:
            record_delivery(
                session,
                enrollment_id,
                step_index,
                type=type,
                status=status,
                detail=detail,
                attempts=attempts,
            )
            step_reached(session, enrollment_id, step_index + 1)

    await asyncio.to_thread(write)
    return StepResult(outcome=status, detail=detail)
