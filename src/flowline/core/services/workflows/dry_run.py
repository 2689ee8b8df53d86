"""Dry run: the stored history of the last days replayed through a workflow, nothing written.

The history comes a page at a time in time order (`dry_run_history`), so memory follows the
page and the running enrollments, never the period. Profiles are read as they are now, once
per page, for the profiles that page may enroll.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from flowline.core.errors import ValidationFailed
from flowline.core.models.profiles import Profile
from flowline.core.models.workflow_schemas import DryRunAnswer, DryRunRequest
from flowline.core.services.frequency_cap import current_cap
from flowline.core.services.segments.membership import CompiledSegment, load_facts
from flowline.core.services.sql import chunks, one_of, plain_rows
from flowline.core.services.workflows.crud import check_references, current_definition, get_workflow
from flowline.core.services.workflows.dry_run_history import history_pages
from flowline.core.timestamps import utcnow
from flowline.definitions.dry_run import (
    DryRunPlan,
    DryRunReport,
    EmailCap,
    Simulator,
)
from flowline.definitions.segments import (
    ProfileFacts,
    SegmentRule,
    compile_rule,
    has_time_window,
    log_windows,
    rule_event_names,
)
from flowline.definitions.step_tree import BranchStep
from flowline.definitions.workflows import WorkflowDefinition


def dry_run_request(
    session: Session, request: DryRunRequest, *, allow_private_networks: bool = False
) -> DryRunAnswer:
    """`POST /v1/workflows/dry-run`: a body is checked as a save would check it."""
    if request.workflow is not None:
        definition = WorkflowDefinition.model_validate(
            request.workflow.model_dump(exclude={"enabled"})
        )
        try:
            check_references(session, definition, allow_private_networks=allow_private_networks)
        except ValidationFailed as failed:
            raise ValidationFailed(
                [(["workflow", *e["loc"]], str(e["msg"])) for e in failed.errors]
            ) from None
    else:
        assert request.workflow_id is not None
        workflow = get_workflow(session, request.workflow_id)
        definition = current_definition(session, workflow)
        report = dry_run(
            session,
            definition,
            days=request.days,
            drawn_for=(request.workflow_id, workflow.version),
        )
        return answer(report)
    return answer(dry_run(session, definition, days=request.days))


def dry_run(
    session: Session,
    definition: WorkflowDefinition,
    *,
    days: int,
    now: datetime | None = None,
    drawn_for: tuple[int, int] = (0, 0),
) -> DryRunReport:
    """What `definition` would have done with the last `days` of stored history; `drawn_for`:
    the saved workflow and version whose holdout and split paths it draws (a body: none)."""
    end = now or utcnow()
    plan = DryRunPlan(
        definition, end - timedelta(days=days), end, _cap(session, definition), *drawn_for
    )
    simulator = Simulator(plan)
    conditions = _branch_conditions(definition)
    with _collector_paused():
        for page in history_pages(session, plan):
            wanted = simulator.wanted(page)
            if wanted:
                simulator.know(_profiles_now(session, wanted, conditions, end))
            simulator.feed(page)
            simulator.forget_idle()
        return simulator.finish()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The replay makes millions of short-lived objects: the cyclic collector's passes over the
    growing heap of running enrollments took a third of its time. Reference counting frees
    them all (a journey that ends leaves no cycle behind)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def answer(report: DryRunReport) -> DryRunAnswer:
    return DryRunAnswer.model_validate(
        {
            "from": report.start,
            "to": report.end,
            "events_replayed": report.events_replayed,
            "would_enroll": report.would_enroll,
            "skipped_no_consent": report.skipped_no_consent,
            "converted": report.converted,
            "conversion_rate": report.conversion_rate,
            "steps": [_fields(step) for step in report.steps],
            "per_day": [_fields(day) for day in report.per_day],
            "sample_profiles": report.sample_profiles,
            "approximations": report.approximations,
            "still_running": report.still_running,
        }
    )


def _fields(figures: Any) -> dict[str, Any]:
    return {name: getattr(figures, name) for name in figures.__slots__}


def _cap(session: Session, definition: WorkflowDefinition) -> EmailCap | None:
    if definition.ignore_frequency_cap:
        return None
    cap = current_cap(session)
    return EmailCap(max=cap.max, per=cap.per) if cap is not None else None


def _branch_conditions(definition: WorkflowDefinition) -> list[CompiledSegment]:
    """The branch conditions that read events, as segments, so their facts load the way a
    branch loads them (conditions on properties alone need the properties only)."""
    rules = [
        rule
        for _, step in definition.all_steps()
        if isinstance(step, BranchStep)
        and rule_event_names(rule := SegmentRule.model_validate(step.condition))
    ]
    return [
        CompiledSegment(
            0, r, log_windows(r), has_time_window(r), counted={}, matches=compile_rule(r)
        )
        for r in rules
    ]


def _profiles_now(
    session: Session, ids: set[str], conditions: list[CompiledSegment], now: datetime
) -> dict[str, ProfileFacts | None]:
    properties: dict[str, dict[str, Any]] = {}
    for chunk in chunks(session, sorted(ids)):
        query = select(Profile.id, Profile.properties).where(
            one_of(session, col(Profile.id), chunk)
        )
        for profile_id, values in plain_rows(session, query).all():
            properties[profile_id] = dict(values)
    found: dict[str, ProfileFacts | None] = dict.fromkeys(ids)
    if not conditions:
        found.update({pid: ProfileFacts(properties=p) for pid, p in properties.items()})
        return found
    # Without counters: the conditions' `where`s count from the events loaded, like a branch.
    for pid, facts in load_facts(session, properties, conditions, now).items():
        found[pid] = ProfileFacts(facts.properties, facts.counts, facts.events, None)
    return found
