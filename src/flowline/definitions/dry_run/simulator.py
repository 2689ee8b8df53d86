"""The dry run's engine: stored history in, what the workflow would have done out.

Fed in time order (`feed`), it keeps a heap of virtual wake-ups and state only for profiles
with a running enrollment, so its memory follows the enrollments, not the history. Profiles
come from the caller (`wanted`, then `know`): as they are now, once per batch of history.
"""

import heapq
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from itertools import count

from flowline.definitions.dry_run.approximations import approximations
from flowline.definitions.dry_run.journey import (
    AwaitEvent,
    Enrollment,
    Pause,
    email_address,
    run_journey,
)
from flowline.definitions.dry_run.plan import DryRunPlan, Happening, SegmentEntry, StoredEvent
from flowline.definitions.dry_run.report import DayFigures, DryRunReport, StepFigures
from flowline.definitions.enrollment import has_consent
from flowline.definitions.segments import Check, ProfileFacts, compile_rule
from flowline.definitions.step_tree import BranchStep
from flowline.definitions.steps import SendEmailStep
from flowline.definitions.triggers import (
    EventGoal,
    EventTrigger,
    SegmentEnteredTrigger,
    SegmentGoal,
)

SAMPLE_SIZE = 10
FORGET_AT_LEAST = 10_000
"""Profiles (and frequency-cap histories) kept at least before a sweep drops the idle ones."""


class Simulator:
    def __init__(self, plan: DryRunPlan) -> None:
        self.plan = plan
        self.now = plan.start
        definition = plan.definition
        self.figures: dict[str, StepFigures] = {
            path: StepFigures(path=path, type=step.type) for path, step in definition.all_steps()
        }
        self._conditions: dict[str, Check] = {
            path: compile_rule(step.rule())
            for path, step in definition.all_steps()
            if isinstance(step, BranchStep)
        }
        self._wakeups: list[tuple[datetime, int, int, Enrollment]] = []
        self._order = count()
        self._running: dict[str, Enrollment] = {}
        self._profiles: dict[str, ProfileFacts | None] = {}
        self._enrolled_before: set[str] = set()
        self._sent: dict[str, deque[datetime]] = {}
        self._days: dict[date, DayFigures] = defaultdict(lambda: DayFigures(date.min))
        self.events_replayed = 0
        self.would_enroll = 0
        self.skipped_no_consent = 0
        self.converted = 0
        self.sample: list[str] = []
        self._kept_profiles = self._kept_sends = FORGET_AT_LEAST
        trigger, goal = definition.trigger, definition.goal
        self._trigger_event = trigger.event if isinstance(trigger, EventTrigger) else None
        self._goal_event = goal.event if isinstance(goal, EventGoal) else None

    # What the caller does for every batch of history: profiles first, then the happenings.

    def wanted(self, happenings: Iterable[Happening]) -> set[str]:
        """The profiles these happenings may enroll that the simulator does not know yet."""
        known, triggers, name = self._profiles, self._triggers, self._trigger_event
        return {
            h.profile_id
            for h in happenings
            # The name first: most replayed events are not the trigger's.
            if (name is None or getattr(h, "name", None) == name)
            and h.profile_id not in known
            and triggers(h)
        }

    def know(self, profiles: Mapping[str, ProfileFacts | None]) -> None:
        """Profiles as they are now; None for a profile that no longer exists."""
        self._profiles.update(profiles)

    def feed(self, happenings: Iterable[Happening]) -> None:
        """The next happenings of the history, in time order."""
        wakeups, running_now, trigger_event = self._wakeups, self._running, self._trigger_event
        for happening in happenings:
            at = happening.at
            if wakeups and wakeups[0][0] <= at:
                self._advance(at)
            if at > self.now:
                self.now = at
            if isinstance(happening, StoredEvent):
                self.events_replayed += 1
                # Most replayed events are not the trigger's: the name answers without a call.
                if happening.name == trigger_event and self._triggers(happening):
                    self._start(happening.profile_id)
            elif self._triggers(happening):
                self._start(happening.profile_id)
            running = running_now.get(happening.profile_id)
            if running is None:
                continue
            if self._reaches_goal(happening):
                self._convert(running)
                if running.ended:
                    continue
            if running.waiting is not None and isinstance(happening, StoredEvent):
                self._deliver_event(running, happening)

    def forget_idle(self) -> None:
        """Drop what is kept of profiles without a running enrollment (between batches).

        Only once what is kept has doubled: each sweep costs as much as what it keeps.
        """
        if len(self._profiles) > 2 * self._kept_profiles:
            self._profiles = {pid: f for pid, f in self._profiles.items() if pid in self._running}
            self._kept_profiles = max(len(self._profiles), FORGET_AT_LEAST)
        if len(self._sent) > 2 * self._kept_sends:
            horizon = self.now - self.plan.cap.per if self.plan.cap else self.now
            self._sent = {pid: s for pid, s in self._sent.items() if s and s[-1] > horizon}
            self._kept_sends = max(len(self._sent), FORGET_AT_LEAST)

    def finish(self) -> DryRunReport:
        self._advance(self.plan.end)
        self.now = self.plan.end
        first, last = self.plan.start.date(), self.plan.end.date()
        days = [
            DayFigures(day, self._days[day].enrollments, self._days[day].emails)
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
        ]
        return DryRunReport(
            start=self.plan.start,
            end=self.plan.end,
            events_replayed=self.events_replayed,
            would_enroll=self.would_enroll,
            skipped_no_consent=self.skipped_no_consent,
            converted=self.converted,
            conversion_rate=round(self.converted / self.would_enroll, 4)
            if self.would_enroll
            else 0.0,
            steps=list(self.figures.values()),
            per_day=days,
            sample_profiles=self.sample,
            approximations=approximations(self.plan),
            still_running=len(self._running),
        )

    # What the journeys ask of the simulator.

    def send_email(self, enrollment: Enrollment, step: SendEmailStep, path: str) -> None:
        figures = self.figures[path]
        if email_address(step, enrollment.facts.properties) is None:
            return  # a skipped delivery: no address
        cap = None if self.plan.definition.ignore_frequency_cap else self.plan.cap
        if cap is not None:
            sent = self._sent.setdefault(enrollment.profile_id, deque())
            while sent and sent[0] <= self.now - cap.per:
                sent.popleft()
            if len(sent) >= cap.max:
                figures.skipped_frequency_cap += 1
                return
            sent.append(self.now)
        figures.emails += 1
        self._day(self.now).emails += 1

    def branch_met(self, enrollment: Enrollment, path: str) -> bool:
        # Read as the profile is now (its events and properties today): see approximations.
        return self._conditions[path](enrollment.facts, self.plan.end)

    # The engine.

    def _triggers(self, happening: Happening) -> bool:
        trigger = self.plan.definition.trigger
        if type(happening) is StoredEvent:
            # The name first: most replayed events are not the trigger's.
            return (
                happening.name == self._trigger_event
                and isinstance(trigger, EventTrigger)
                and trigger.matches(happening.name, happening.properties)
            )
        return (
            isinstance(trigger, SegmentEnteredTrigger)
            and isinstance(happening, SegmentEntry)
            and trigger.segment_id == happening.segment_id
        )

    def _reaches_goal(self, happening: Happening) -> bool:
        goal = self.plan.definition.goal
        if type(happening) is StoredEvent:
            return (
                happening.name == self._goal_event
                and isinstance(goal, EventGoal)
                and goal.matches(happening.name, happening.properties)
            )
        return (
            isinstance(goal, SegmentGoal)
            and isinstance(happening, SegmentEntry)
            and goal.segment_entered == happening.segment_id
        )

    def _start(self, profile_id: str) -> None:
        # The starter's order: the profile exists, consent, re-entry; then "use existing".
        facts = self._profiles.get(profile_id)
        if facts is None:
            return
        definition = self.plan.definition
        if not has_consent(facts.properties, definition.consent_property):
            self.skipped_no_consent += 1
            return
        if definition.reentry == "never" and profile_id in self._enrolled_before:
            return
        if profile_id in self._running:
            return  # a duplicate trigger while one runs is a no-op
        enrollment = Enrollment(profile_id=profile_id, started_at=self.now, facts=facts)
        self._running[profile_id] = enrollment
        if definition.reentry == "never":
            self._enrolled_before.add(profile_id)
        self.would_enroll += 1
        self._day(self.now).enrollments += 1
        if len(self.sample) < SAMPLE_SIZE and profile_id not in self.sample:
            self.sample.append(profile_id)
        enrollment.journey = run_journey(self, enrollment)
        self._resume(enrollment, None)

    def _convert(self, enrollment: Enrollment) -> None:
        if enrollment.converted:
            return  # a goal counts once
        enrollment.converted = True
        self.converted += 1
        if self.plan.definition.exit_on_goal:
            assert enrollment.journey is not None
            enrollment.journey.close()
            self._end(enrollment)

    def _deliver_event(self, enrollment: Enrollment, event: StoredEvent) -> None:
        waiting = enrollment.waiting
        if (
            waiting is not None
            and event.at >= waiting.started
            and waiting.step.matches(event.name, event.properties)
        ):
            enrollment.waiting = None
            self._resume(enrollment, True)

    def _advance(self, until: datetime) -> None:
        """Wake every pause that ends by `until`, in time order."""
        wakeups = self._wakeups
        while wakeups and wakeups[0][0] <= until:
            at, _, token, enrollment = heapq.heappop(wakeups)
            if enrollment.ended or token != enrollment.token:
                continue  # ended meanwhile, or the awaited event came first
            self.now = max(self.now, at)
            timed_out = enrollment.waiting is not None
            enrollment.waiting = None
            self._resume(enrollment, False if timed_out else None)

    def _resume(self, enrollment: Enrollment, value: bool | None) -> None:
        assert enrollment.journey is not None
        try:
            pause = enrollment.journey.send(value)
        except StopIteration:
            self._end(enrollment)
            return
        self._pause(enrollment, pause)

    def _pause(self, enrollment: Enrollment, pause: Pause) -> None:
        enrollment.token += 1
        if isinstance(pause, AwaitEvent):
            enrollment.waiting = pause
        heapq.heappush(
            self._wakeups, (pause.until, next(self._order), enrollment.token, enrollment)
        )

    def _end(self, enrollment: Enrollment) -> None:
        enrollment.ended = True
        enrollment.waiting = None
        enrollment.journey = None  # the journey refers to its enrollment: no cycle left behind
        if self._running.get(enrollment.profile_id) is enrollment:
            del self._running[enrollment.profile_id]

    def _day(self, moment: datetime) -> DayFigures:
        return self._days[moment.date()]
