"""Activities of the journey steps: evaluate a branch, update the profile, find the send window."""

from typing import Any, Literal

from sqlalchemy import Engine
from temporalio import activity

from flowline.core.database import read_scope, session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.profiles import Profile
from flowline.core.services.enrollments.journey_steps import (
    profile_meets,
    rendered_update,
    update_profile,
)
from flowline.core.services.enrollments.record_jobs import DuplicateStart, ensure_enrollment
from flowline.core.services.enrollments.records import ERASED_REASON, delivery_of, record_delivery
from flowline.core.services.enrollments.split_paths import SplitChoice, take_path
from flowline.core.services.enrollments.timeline_facts import branch_facts
from flowline.definitions.segments import SegmentRule
from flowline.definitions.template_budget import TOO_EXPENSIVE, TemplateTooExpensive
from flowline.worker import policies
from flowline.worker.activities.attempts import in_thread
from flowline.worker.activities.step_context import duplicate_start_fails, enrollment_key
from flowline.worker.contracts import EnrollmentRef
from flowline.worker.journey_contracts import (
    CHOOSE_SPLIT_PATH,
    EVALUATE_BRANCH,
    SEND_WINDOW,
    UPDATE_PROFILE,
    BranchInput,
    BranchResult,
    SplitInput,
    SplitResult,
    UpdateProfileInput,
    UpdateProfileResult,
    WindowCheck,
    WindowInput,
)


class JourneyActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=EVALUATE_BRANCH)
    async def evaluate_branch(self, input: BranchInput) -> BranchResult:
        """Which arm the profile takes, from its live properties and events; recorded once."""
        return await in_thread(policies.RECORD_BUDGET, self._evaluate_branch, input)

    def _enrollment(self, ref: EnrollmentRef) -> Enrollment | None:
        """The step's enrollment; None when its profile was erased while the run waited."""
        try:
            enrollment, _ = ensure_enrollment(self._engine, enrollment_key(ref))
        except DuplicateStart as error:
            raise duplicate_start_fails(error) from None
        assert enrollment.id is not None
        # A profile re-created under the same id after an erasure is someone else.
        return None if enrollment.exit_reason == ERASED_REASON else enrollment

    def _evaluate_branch(self, input: BranchInput) -> BranchResult:
        enrollment = self._enrollment(input.enrollment)
        if enrollment is None or enrollment.id is None:
            return BranchResult(arm=None, ended="profile_deleted")
        with session_scope(self._engine) as session:
            done = delivery_of(session, enrollment.id, input.step_path)
            if done is not None and done.detail in ("then", "else"):
                return BranchResult(arm=done.detail)  # type: ignore[arg-type]
            profile = session.get(Profile, input.enrollment.profile_id)
            if profile is None:
                return BranchResult(arm=None, ended="profile_deleted")
            rule = SegmentRule.model_validate(input.condition)
            met = profile_meets(session, profile, rule, input.now)
            arm = "then" if met else "else"
            record_delivery(
                session,
                enrollment.id,
                input.step_path,
                type="branch",
                status="done",
                detail=arm,
                attempts=activity.info().attempt,
                facts=branch_facts(rule, dict(profile.properties), arm),
            )
            return BranchResult(arm=arm)

    @activity.defn(name=CHOOSE_SPLIT_PATH)
    async def choose_split_path(self, input: SplitInput) -> SplitResult:
        """The path the profile takes at a random split (or the recorded winner); recorded once."""
        return await in_thread(policies.RECORD_BUDGET, self._choose_split_path, input)

    def _choose_split_path(self, input: SplitInput) -> SplitResult:
        enrollment = self._enrollment(input.enrollment)
        if enrollment is None:
            return SplitResult(path_index=None, ended="profile_deleted")
        choice = SplitChoice(input.step_path, input.names, input.weights, input.auto_winner)
        with session_scope(self._engine) as session:
            index = take_path(session, enrollment, choice, activity.info().attempt)
        return SplitResult(path_index=index)

    @activity.defn(name=UPDATE_PROFILE)
    async def update_profile(self, input: UpdateProfileInput) -> UpdateProfileResult:
        """Merge the step's properties into the profile, once (recorded in the same unit)."""
        return await in_thread(policies.RECORD_BUDGET, self._update_profile, input)

    def _update_profile(self, input: UpdateProfileInput) -> UpdateProfileResult:
        enrollment = self._enrollment(input.enrollment)
        if enrollment is None or enrollment.id is None:
            return UpdateProfileResult(outcome="profile_deleted")
        with session_scope(self._engine) as session:
            if delivery_of(session, enrollment.id, input.step_path) is not None:
                return UpdateProfileResult(outcome="done")  # a retry after the commit
            profile = session.get(Profile, input.enrollment.profile_id)
            if profile is None:
                return UpdateProfileResult(outcome="profile_deleted")
            outcome: Literal["done", "failed"] = "done"
            facts: dict[str, Any] | None = None
            try:
                changes = rendered_update(dict(input.properties), profile, input.workflow_name)
            except TemplateTooExpensive as error:  # a retry would render it the same way
                outcome, detail = "failed", f"{TOO_EXPENSIVE}: {error}"
            except Exception as error:  # any failure of a template, e.g. {{ 1/0 }}
                outcome, detail = "failed", f"template error: {error!r}"
            else:
                update_profile(session, profile, changes, workflow_id=input.enrollment.workflow_id)
                detail = "updated " + ", ".join(sorted(changes))
                facts = {"properties": changes}
            record_delivery(
                session,
                enrollment.id,
                input.step_path,
                type="update_profile",
                status=outcome,
                detail=detail,
                attempts=activity.info().attempt,
                facts=facts,
            )
            return UpdateProfileResult(outcome=outcome)

    @activity.defn(name=SEND_WINDOW)
    async def send_window_opening(self, input: WindowInput) -> WindowCheck:
        """When the profile's send window next opens (None: it is open now)."""
        return await in_thread(policies.RECORD_BUDGET, self._send_window_opening, input)

    def _send_window_opening(self, input: WindowInput) -> WindowCheck:
        with read_scope(self._engine) as session:
            profile = session.get(Profile, input.profile_id)
            properties = dict(profile.properties) if profile is not None else {}
        window = input.window
        opening = window.next_opening(input.now, window.zone_for(properties))
        if opening is None:
            return WindowCheck(opens_at=None)
        return WindowCheck(opens_at=opening, words=window.describe_opening(opening))
