"""Waking `wait_for_event` steps: the outbox signals the enrollments an event was matched to."""

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from flowline.core.database import read_scope
from flowline.core.errors import TemporalUnavailable, rpc_cause
from flowline.core.models.enrollments import Enrollment
from flowline.core.services.signals import SIGNAL_TIMEOUT
from flowline.definitions.enrollment import EVENT_SIGNAL, EventReceived


def _running(engine: Engine, ids: list[int]) -> list[Enrollment]:
    with read_scope(engine) as session:
        return list(
            session.exec(
                select(Enrollment).where(
                    col(Enrollment.id).in_(ids), col(Enrollment.status) == "active"
                )
            )
        )


async def deliver_event(engine: Engine, client: Client, payload: dict[str, Any]) -> int:
    """Signal each enrollment the event was matched to (signal-only; an ended one is skipped)."""
    targets: dict[str, list[str]] = payload["enrollments"]
    running = await asyncio.to_thread(_running, engine, [int(i) for i in targets])
    delivered = 0
    for enrollment in running:
        signal = EventReceived(
            event_id=payload["event_id"],
            event=payload["event"],
            at=datetime.fromisoformat(payload["at"]),
            step_paths=targets[str(enrollment.id)],
        )
        handle = client.get_workflow_handle(
            enrollment.temporal_workflow_id, run_id=enrollment.temporal_run_id
        )
        try:
            await handle.signal(EVENT_SIGNAL, signal, rpc_timeout=SIGNAL_TIMEOUT)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                continue  # it ended meanwhile
            raise TemporalUnavailable(
                f"Temporal did not accept the signal: {rpc_cause(error)}"
            ) from None
        delivered += 1
    return delivered
