"""The activity behind the periodic re-evaluation of time-window segments."""

import asyncio

from sqlalchemy import Engine
from temporalio import activity

from flowline.core.database import session_scope
from flowline.core.services.ingestion.time_windows import refresh_time_windows
from flowline.worker.segment_refresh import REFRESH_ACTIVITY


class SegmentActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=REFRESH_ACTIVITY)
    async def refresh(self) -> int:
        def run() -> int:
            with session_scope(self._engine) as session:
                return refresh_time_windows(session)

        return await asyncio.to_thread(run)
