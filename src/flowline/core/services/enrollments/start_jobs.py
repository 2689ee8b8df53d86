"""Starting enrollments on Temporal (reading them back: views.py)."""

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from flowline.core.database import read_scope, session_scope
from flowline.core.errors import (
    ConsentMissing,
    ReentryNotAllowed,
    TemporalUnavailable,
    rpc_cause,
)
from flowline.core.models.enrollments import ENDED_STATUSES, Enrollment
from flowline.core.services.enrollments.record_jobs import (
    DuplicateStart,
    EnrollmentKey,
    ensure_enrollment,
)
from flowline.core.services.enrollments.start_snapshot import count_skipped_no_consent, snapshot
from flowline.core.settings import Settings
from flowline.core.temporal_executions import StartOptions, delete_execution, start_execution
from flowline.definitions.enrollment import (
    SA_PROFILE_ID,
    SA_STATUS,
    SA_VERSION,
    SA_WORKFLOW_ID,
    WORKFLOW_TYPE,
    EnrollmentInput,
    enrollment_workflow_id,
    profile_search_attribute,
)
from flowline.definitions.step_kinds import step_in_words, walk
from flowline.definitions.triggers import trigger_in_words

log = logging.getLogger(__name__)
# Fail fast while Temporal is away: the outbox retries, the API answers 503.
START_TIMEOUT = timedelta(seconds=5)


@dataclass(frozen=True)
class StartResult:
    enrollment: Enrollment
    created: bool


def prepare_input(
    engine: Engine,
    workflow_id: int,
    profile_id: str,
    test: bool,
    check: Callable[[Session], None] | None = None,
) -> EnrollmentInput:
    """The checks and the snapshot a start needs, in one read transaction; `check` runs first."""
    try:
        with read_scope(engine) as session:
            if check is not None:
                check(session)
            return snapshot(session, workflow_id, profile_id, test)
    except ConsentMissing:
        with session_scope(engine) as session:
            count_skipped_no_consent(session, workflow_id)
        raise


def describe(input: EnrollmentInput) -> str:
    """Static details shown in the Temporal Web UI: the snapshot in words."""
    definition = input.definition
    lines = [
        f"**{definition.name}** (workflow {input.workflow_id}, version {input.version})",
        f"- trigger: {trigger_in_words(definition.trigger)}",
        f"- consent: {definition.consent_property or '-'}",
        f"- exit on goal: {'yes' if definition.exit_on_goal else 'no'}",
    ]
    if input.cohort == "holdout":
        lines.append("- group: holdout (no step runs; the goal is watched)")
    lines += [
        f"{'  ' * (path.count('.') // 2)}- step {path}: {step_in_words(step)}"
        for path, step in walk(definition.steps)
    ]
    return "\n".join(lines)


def _search_attributes(workflow_id: int, profile_id: str, version: int) -> TypedSearchAttributes:
    searchable = profile_search_attribute(profile_id)
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(SA_WORKFLOW_ID, workflow_id),
        SearchAttributePair(SA_VERSION, version),
        SearchAttributePair(SA_STATUS, "active"),
    ]
    if searchable is not None:
        pairs.append(SearchAttributePair(SA_PROFILE_ID, searchable))
    return TypedSearchAttributes(pairs)


async def start_enrollment(
    engine: Engine,
    client: Client,
    settings: Settings,
    workflow_id: int,
    profile_id: str,
    *,
    test: bool = False,
    trigger_id: str | None = None,
    triggered_at: datetime | None = None,
    trigger: dict[str, Any] | None = None,
    request_id: str | None = None,
    check: Callable[[Session], None] | None = None,
) -> StartResult:
    """Enroll a profile; a duplicate while one runs is a no-op returning the running one.

    The same `request_id` (an outbox intent's) never starts a second run, see temporal_executions.
    `check` runs first in the same read transaction; whatever it raises stops the start.
    """
    input = await asyncio.to_thread(prepare_input, engine, workflow_id, profile_id, test, check)
    input.trigger_id = trigger_id
    input.triggered_at = triggered_at
    input.email_task_queue = settings.email_task_queue
    input.http_task_queue = settings.http_task_queue
    temporal_id = enrollment_workflow_id(workflow_id, profile_id)
    never = input.definition.reentry == "never"
    options = StartOptions(
        workflow_id=temporal_id,
        workflow_type=WORKFLOW_TYPE,
        task_queue=settings.task_queue,
        request_id=request_id or str(uuid.uuid4()),
        reuse_policy=(
            WorkflowIDReusePolicy.REJECT_DUPLICATE
            if never
            else WorkflowIDReusePolicy.ALLOW_DUPLICATE
        ),
        search_attributes=_search_attributes(workflow_id, profile_id, input.version),
        summary=f"{input.definition.name} → profile {profile_id}",
        details=describe(input),
        timeout=START_TIMEOUT,
    )
    try:
        run = await start_execution(client, input, options)
        if not run.started and await _finishing(engine, client, temporal_id, run.run_id):
            # The running one had already ended for the database: it was closing. Now it is
            # closed, and re-entry starts a new run.
            run = await start_execution(client, input, options)
    except WorkflowAlreadyStartedError:
        raise ReentryNotAllowed(
            f"profile {profile_id!r} was enrolled before and re-entry is 'never'"
        ) from None
    except RPCError as error:
        raise TemporalUnavailable(
            f"Temporal did not accept the enrollment: {rpc_cause(error)}"
        ) from None
    key = EnrollmentKey(
        workflow_id=workflow_id,
        version=input.version,
        profile_id=profile_id,
        temporal_workflow_id=temporal_id,
        run_id=run.run_id,
        test=test,
        trigger_id=trigger_id,
        triggered_at=triggered_at,
        # What triggered it, for its timeline; an enrollment without an intent was made by hand.
        entered=trigger if trigger is not None or trigger_id is not None else {"manual": True},
        cohort=input.cohort,
    )
    try:
        enrollment, row_created = await asyncio.to_thread(
            partial(ensure_enrollment, engine, key, likely_new=run.started)
        )
    except DuplicateStart as duplicate:
        # A start sent again after a later run of this workflow id (so the request id no longer
        # matched the current run): the trigger has its enrollment; undo the run we just made.
        if run.started:
            try:
                await delete_execution(client, temporal_id, run.run_id, START_TIMEOUT)
            except RPCError as error:  # it can do nothing anyway: its activities fail at once
                log.warning("duplicate run %s not deleted: %s", run.run_id, error)
        return StartResult(duplicate.enrollment, False)
    # Temporal says whether a start made the run (the workflow's first activity may have
    # written the enrollment row before the starter did); a repeated request id (an outbox
    # intent sent again) is answered "started" too, and there the row tells.
    created = run.started if request_id is None else run.started and row_created
    return StartResult(enrollment, created)


FINISHING_GRACE = timedelta(seconds=10)


async def _finishing(engine: Engine, client: Client, workflow_id: str, run_id: str) -> bool:
    """Whether the run "use existing" answered with has recorded its end and is only closing;
    then wait (briefly) until Temporal has closed it."""

    def ended() -> bool:
        with read_scope(engine) as session:
            row = session.exec(
                select(Enrollment.status).where(col(Enrollment.temporal_run_id) == run_id)
            ).first()
            return row is not None and row in ENDED_STATUSES

    if not await asyncio.to_thread(ended):
        return False
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    deadline = asyncio.get_running_loop().time() + FINISHING_GRACE.total_seconds()
    while asyncio.get_running_loop().time() < deadline:
        description = await handle.describe(rpc_timeout=START_TIMEOUT)
        if description.close_time is not None:
            return True
        await asyncio.sleep(0.05)
    return False
