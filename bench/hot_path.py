"""`python -m bench.hot_path [N]`: CPU per call of the database work one HTTP enrollment does,
in this process, on SQLite (no Temporal, no other process: the steadiest figure there is).

The dispatcher's `prepare_input` (with the outbox intent's check), the enrollment row
(`ensure_enrollment`), the step's `load_step_context`, its `write_delivery` (with the ending of
a last step) and `finish_enrollment` (what a run that could not have its last step end it
writes), each timed with `time.process_time` over N enrollments (default 400).
"""

import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlmodel import col, select

from bench.databases import fresh_engine
from flowline.core.database import session_scope
from flowline.core.models.outbox import OutboxIntent
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.enrollments.record_jobs import (
    EnrollmentKey,
    ensure_enrollment,
    finish_enrollment,
)
from flowline.core.services.enrollments.start_jobs import prepare_input
from flowline.core.services.ingestion.changes import apply_changes
from flowline.core.services.outbox import intents as outbox
from flowline.core.services.outbox.dispatch_jobs import _start_check, trigger_id
from flowline.core.services.workflows.crud import create_workflow
from flowline.worker.activities.step_context import load_step_context, write_delivery
from flowline.worker.contracts import EnrollmentRef, StepResult

_STEP = {"type": "http_call", "method": "POST", "url": "http://127.0.0.1:9/hook"}


def measure(n: int) -> dict[str, float]:
    """Milliseconds of CPU per enrollment of each piece."""
    spent: dict[str, float] = {}

    def timed(name: str, work: Callable[[], Any]) -> Any:
        started = time.process_time()
        result = work()
        spent[name] = spent.get(name, 0.0) + time.process_time() - started
        return result

    with fresh_engine("sqlite", None, "hotpath") as engine:
        with session_scope(engine) as session:
            body = {"name": "Hot path", "trigger": {"type": "event", "event": "signup"}}
            workflow = create_workflow(
                session,
                WorkflowCreate.model_validate(body | {"steps": [_STEP]}),
                allow_private_networks=True,
            )
            assert workflow.id is not None
            workflow_id = workflow.id
            profiles = {f"p{i}": {"email": f"p{i}@example.com"} for i in range(n)}
            apply_changes(session, properties=profiles)
        with session_scope(engine) as session:
            for profile_id in profiles:
                payload = {"workflow_id": workflow_id, "profile_id": profile_id}
                session.add(OutboxIntent(kind=outbox.START, profile_id=profile_id, payload=payload))
        with session_scope(engine) as session:
            intents = list(session.exec(select(OutboxIntent).order_by(col(OutboxIntent.id))))
        for intent in intents:
            _one(engine, workflow_id, intent, timed)
    return {name: seconds / len(intents) * 1000 for name, seconds in spent.items()}


def _one(engine: Any, workflow_id: int, intent: OutboxIntent, timed: Callable[..., Any]) -> None:
    profile_id = intent.payload["profile_id"]
    input = timed(
        "prepare_input (checks + snapshot)",
        lambda: prepare_input(engine, workflow_id, profile_id, False, _start_check(intent)),
    )
    key = EnrollmentKey(
        workflow_id=workflow_id,
        version=input.version,
        profile_id=profile_id,
        temporal_workflow_id=f"hot-{profile_id}",
        run_id=str(uuid.uuid4()),
        trigger_id=trigger_id(intent),
        triggered_at=intent.created_at,
        entered={"event": "signup"},
    )
    enrollment, _ = timed(
        "ensure_enrollment (the row)", lambda: ensure_enrollment(engine, key, likely_new=True)
    )
    ref = EnrollmentRef(**{name: getattr(key, name) for name in EnrollmentRef.model_fields})
    timed("load_step_context", lambda: load_step_context(engine, ref, "0", None))
    result = StepResult(outcome="sent", detail="HTTP 200: ok", attempts=1, facts={"m": "POST"})
    timed(
        "write_delivery",
        lambda: write_delivery(engine, enrollment.id, "0", type="http", result=result),
    )
    timed(
        "finish_enrollment",
        lambda: finish_enrollment(
            engine, key, status="completed", reason=None, steps_completed=1, converted_at=None
        ),
    )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    figures = measure(count)
    for name, ms in figures.items():
        print(f"{name:36s} {ms:.3f} ms CPU per enrollment")
    print(f"{'all':36s} {sum(figures.values()):.3f} ms")
