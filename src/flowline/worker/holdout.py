"""A holdout enrollment: no step runs; the goal is watched for as long as the steps would last.

It stays open (one durable timer, woken by the goal and exit signals) as long as a treatment
enrollment's waits could keep it at most (`experiments.longest_journey`), so a held-out profile
re-enters no sooner than a treated one would. A goal after that, within the goal window, is
recorded by the goal's delivery in the database, as for a treated enrollment whose steps ended.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from flowline.definitions.durations import humanize
    from flowline.definitions.experiments import longest_journey

from flowline.worker.enrollment_run import EnrollmentRun
from flowline.worker.journey import Journey


async def hold_out(journey: Journey, run: EnrollmentRun) -> None:
    length = longest_journey(run.definition.steps)
    until = workflow.now() + run.definition.goal_window
    journey.set_details(f"holdout: no step runs; the goal counts until {until:%Y-%m-%d %H:%M} UTC")
    if length > timedelta(0):
        await journey.wait(run, length, f"holdout: as long as the steps ({humanize(length)})")
