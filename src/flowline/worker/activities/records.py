"""Bookkeeping activities: a delivery its step could not write, a conversion, the ending.

Each attempt runs within RECORD_BUDGET (shorter than RECORD_TIMEOUT); every write is idempotent.
"""

from sqlalchemy import Engine
from temporalio import activity

from flowline.core.services.enrollments import record_jobs as enrollment_records
from flowline.core.services.enrollments.record_jobs import DuplicateStart
from flowline.worker import policies
from flowline.worker.activities.attempts import in_thread
from flowline.worker.activities.step_context import duplicate_start_fails, enrollment_key
from flowline.worker.contracts import (
    FINISH_ENROLLMENT,
    RECORD_CONVERSION,
    RECORD_DELIVERY,
    ConversionInput,
    DeliveryRecordInput,
    FinishInput,
)


class RecordActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=RECORD_DELIVERY)
    async def record_delivery(self, input: DeliveryRecordInput) -> None:
        try:
            await in_thread(
                policies.RECORD_BUDGET,
                lambda: enrollment_records.record_missing_delivery(
                    self._engine,
                    enrollment_key(input.enrollment),
                    input.step_path,
                    type=input.type,
                    status=input.outcome,
                    detail=input.detail,
                    attempts=input.attempts,
                    passages=[p.model_dump() for p in input.passed],
                ),
            )
        except DuplicateStart as error:
            raise duplicate_start_fails(error) from None

    @activity.defn(name=RECORD_CONVERSION)
    async def record_conversion(self, input: ConversionInput) -> None:
        try:
            await in_thread(
                policies.RECORD_BUDGET,
                enrollment_records.record_conversion,
                self._engine,
                enrollment_key(input.enrollment),
                input.converted_at,
            )
        except DuplicateStart as error:
            raise duplicate_start_fails(error) from None

    @activity.defn(name=FINISH_ENROLLMENT)
    async def finish_enrollment(self, input: FinishInput) -> None:
        try:
            await in_thread(
                policies.RECORD_BUDGET,
                lambda: enrollment_records.finish_enrollment(
                    self._engine,
                    enrollment_key(input.enrollment),
                    status=input.status,
                    reason=input.reason,
                    steps_completed=input.steps_completed,
                    converted_at=input.converted_at,
                    passages=[p.model_dump() for p in input.passed],
                    replaces_step_ending=input.replaces_step_ending,
                ),
            )
        except DuplicateStart as error:
            raise duplicate_start_fails(error) from None
