"""What every action step reads before it acts: its enrollment row, the live profile, consent."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Delivery
from flowline.core.models.profiles import Profile
from flowline.core.services.enrollment_records import (
    EnrollmentKey,
    delivery_of,
    ensure_enrollment,
    record_delivery,
    record_passages,
    step_reached,
)
from flowline.definitions.enrollment import has_consent
from flowline.definitions.step_tree import top_index
from flowline.worker.contracts import EnrollmentRef, StepPassage, StepResult


@dataclass
class StepContext:
    enrollment_id: int
    properties: dict[str, Any]
    done: Delivery | None  # a delivery an earlier attempt already completed


def enrollment_key(ref: EnrollmentRef) -> EnrollmentKey:
    return EnrollmentKey(**ref.model_dump())


def load_step_context(
    engine: Engine, ref: EnrollmentRef, step_path: str, consent_property: str | None
) -> StepContext | StepResult:
    """The live profile for a step, or the result that ends the enrollment before it acts."""
    enrollment, _ = ensure_enrollment(engine, enrollment_key(ref))
    assert enrollment.id is not None
    with session_scope(engine) as session:
        done = delivery_of(session, enrollment.id, step_path)
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
        step_reached(session, enrollment.id, top_index(step_path))
        return StepContext(enrollment.id, dict(profile.properties), None)


async def record(
    engine: Engine,
    enrollment_id: int,
    step_path: str,
    *,
    type: str,
    status: str,
    detail: str,
    attempts: int,
    passed: Sequence[StepPassage] = (),
) -> StepResult:
    def write() -> None:
        with session_scope(engine) as session:
            record_passages(session, enrollment_id, [p.model_dump() for p in passed])
            record_delivery(
                session,
                enrollment_id,
                step_path,
                type=type,
                status=status,
                detail=detail,
                attempts=attempts,
            )
            step_reached(session, enrollment_id, top_index(step_path) + 1)

    await asyncio.to_thread(write)
    return StepResult(outcome=status, detail=detail)
