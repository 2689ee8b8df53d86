"""Bookkeeping activities: a conversion, and how the enrollment ended."""

import asyncio

from sqlalchemy import Engine
from temporalio import activity

from flowline.core.services import enrollment_records
from flowline.core.services.enrollment_records import DuplicateStart
from flowline.worker.activities.step_context import duplicate_start_fails, enrollment_key
from flowline.worker.contracts import (
    FINISH_ENROLLMENT,
    RECORD_CONVERSION,
    ConversionInput,
    FinishInput,
)


class RecordActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=RECORD_CONVERSION)
    async def record_conversion(self, input: ConversionInput) -> None:
        try:
            await asyncio.to_thread(
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
            await asyncio.to_thread(
                lambda: enrollment_records.finish_enrollment(
                    self._engine,
                    enrollment_key(input.enrollment),
                    status=input.status,
                    reason=input.reason,
                    steps_completed=input.steps_completed,
                    converted_at=input.converted_at,
                )
            )
        except DuplicateStart as error:
            raise duplicate_start_fails(error) from None
