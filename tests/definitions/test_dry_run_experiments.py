"""The dry run draws the holdout and split paths as the worker does."""

from datetime import UTC, datetime, timedelta
from typing import Any

from flowline.definitions.dry_run import DryRunPlan, Happening, Simulator, StoredEvent
from flowline.definitions.experiments import chosen_path, cohort_of
from flowline.definitions.segments import ProfileFacts
from flowline.definitions.workflows import WorkflowDefinition

START = datetime(2026, 11, 2, tzinfo=UTC)
END = START + timedelta(days=30)
EMAIL = {"type": "send_email", "campaign_id": 1, "email_property": "email"}
PROFILES = [f"p-{n}" for n in range(60)]


def _run(steps: list[dict[str, Any]], **fields: Any) -> Any:
    definition = WorkflowDefinition.model_validate(
        {
            "name": "Dry",
            "trigger": {"type": "event", "event": "signed_up"},
            "goal": {"event": "purchase"},
            "steps": steps,
            **fields,
        }
    )
    sim = Simulator(DryRunPlan(definition, START, END, None, workflow_id=9, version=2))
    history: list[Happening] = [
        StoredEvent(START + timedelta(hours=n), 0, pid, "signed_up", {})
        for n, pid in enumerate(PROFILES)
    ]
    sim.know({pid: ProfileFacts(properties={"email": f"{pid}@x.test"}) for pid in PROFILES})
    sim.feed(history)
    return sim.finish()


def test_held_out_profiles_enroll_but_reach_no_step() -> None:
    report = _run([EMAIL], holdout_percent=30)
    held = sum(cohort_of(9, 2, pid, 30) == "holdout" for pid in PROFILES)

    assert 0 < held < len(PROFILES)
    assert report.would_enroll == len(PROFILES)
    [step] = report.steps
    assert (step.reached, step.emails) == (len(PROFILES) - held, len(PROFILES) - held)
    assert any("holdout and random split" in text for text in report.approximations)


def test_each_profile_goes_down_the_path_the_worker_would_draw() -> None:
    split = {
        "type": "split",
        "paths": [
            {"name": "A", "weight": 30, "steps": [EMAIL]},
            {"name": "B", "weight": 70, "steps": []},
        ],
    }
    report = _run([split])
    on_a = sum(chosen_path(9, 2, "0", pid, [30, 70]) == 0 for pid in PROFILES)

    figures = {s.path: s for s in report.steps}
    assert figures["0"].arms == {"paths.0": on_a, "paths.1": len(PROFILES) - on_a}
    assert figures["0.paths.0.0"].emails == on_a
