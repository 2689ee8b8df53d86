"""The Experiment panel of the workflow page: figures as tables, the lift in words, the winner."""

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.experiment_schemas import LiftPublic
from flowline.core.models.experiments import SplitWinner
from flowline.core.models.workflows import Workflow
from flowline.web.experiment_panel import experiment_panel, lift_sentence, winner_sentence
from flowline.web.pages import TEMPLATES
from tests.support.experiment_rows import (
    PLAIN_DEFINITION,
    add_enrollments,
    experiment_definition,
    store_workflow,
)
from tests.web.client import signed_in, web_client

SECTION = re.compile(
    r'<section class="card experiment" aria-labelledby="experiment-title">.*?</section>', re.S
)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _lift(absolute: float, low: float, high: float) -> LiftPublic:
    return LiftPublic(
        absolute=absolute,
        relative=None,
        ci95=(low, high),
        anytime_ci95=(low, high),
        significant=low > 0 or high < 0,
    )


def test_a_clear_lift_reads_as_points_with_its_interval_that_holds_at_any_look() -> None:
    sentence = lift_sentence("B", "A", _lift(0.021, 0.004, 0.038), 500)
    assert sentence == (
        "B converts 2.1 points better than A (95 %: 0.4 to 3.8); this holds however often you look."
    )


def test_an_unclear_lift_says_it_may_still_be_chance() -> None:
    sentence = lift_sentence("B", "A", _lift(-0.012, -0.03, 0.006), 500)
    assert sentence.startswith("B converts 1.2 points worse than A, but that may still be chance")
    assert "\u22123.0 to 0.6 points" in sentence


def test_below_one_hundred_per_group_the_panel_says_not_enough_data() -> None:
    assert lift_sentence("Treatment", "holdout", None, 42) == (
        "Not enough data yet: 100 per group needed (the smallest has 42)."
    )


def test_the_winner_reads_with_its_day_lift_and_interval() -> None:
    decision = SplitWinner(
        workflow_id=1,
        version=1,
        step_path="1",
        path_index=1,
        path_name="B",
        decided_at=datetime(2026, 12, 12, 9, 30, tzinfo=UTC),
        lift=0.021,
        ci_low=0.004,
        ci_high=0.038,
    )
    assert winner_sentence(decision) == (
        "Winner: B since 12 Dec 2026: +2.1 points (0.4 to 3.8); new enrollments all take B."
    )


async def test_the_workflow_page_has_an_experiment_region_with_the_lift(
    engine: Engine, tmp_path: Path
) -> None:
    wid = store_workflow(engine, PLAIN_DEFINITION)
    add_enrollments(engine, wid, 1, 3000, 900, cohort="treatment")
    add_enrollments(engine, wid, 1, 400, 80, cohort="holdout")

    async with web_client(engine, tmp_path) as client:
        await signed_in(client)
        page = await client.get(f"/workflows/{wid}")

    assert page.status_code == 200, page.text
    (section,) = SECTION.findall(page.text)
    assert '<h2 id="experiment-title">Experiment</h2>' in section
    assert "<caption>Treatment and holdout</caption>" in section
    assert '<th scope="row" data-label="Group">Holdout</th>' in section
    text = _text(section)
    assert "Lift: Treatment converts 10.0 points better than holdout (95 %:" in text
    assert "this holds however often you look." in text
    assert "Looked at once, at a size fixed in advance:" in text


async def test_the_page_says_not_enough_data_while_the_holdout_is_small(
    engine: Engine, tmp_path: Path
) -> None:
    wid = store_workflow(engine, PLAIN_DEFINITION)
    add_enrollments(engine, wid, 1, 300, 90, cohort="treatment")
    add_enrollments(engine, wid, 1, 30, 6, cohort="holdout")

    async with web_client(engine, tmp_path) as client:
        await signed_in(client)
        page = await client.get(f"/workflows/{wid}")

    text = _text(SECTION.findall(page.text)[0])
    assert "Lift: Not enough data yet: 100 per group needed (the smallest has 30)." in text


def test_the_panel_shows_each_split_path_and_the_recorded_winner(engine: Engine) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 3000, 600, path=("1", 0, "A"))
    add_enrollments(engine, wid, 1, 3000, 900, path=("1", 1, "B"))
    with session_scope(engine) as session:
        session.add(
            SplitWinner(
                workflow_id=wid,
                version=1,
                step_path="1",
                path_index=1,
                path_name="B",
                decided_at=datetime(2026, 12, 12, tzinfo=UTC),
                lift=0.1,
                ci_low=0.05,
                ci_high=0.15,
            )
        )
    with session_scope(engine) as session:
        panel = experiment_panel(session, session.get_one(Workflow, wid))
        html = TEMPLATES.env.get_template("_experiment.html").render(experiment=panel)

    text = _text(html)
    assert "10 % of entering profiles are held out" in text
    assert "<caption>Random split at Step 2</caption>" in html
    assert "Lift vs A" in text
    assert "B converts 10.0 points better than A (95 %:" in text
    assert "Winner: B since 12 Dec 2026: +10.0 points (5.0 to 15.0)" in text
    assert '<tr class="winner">' in html
