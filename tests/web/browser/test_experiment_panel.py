"""The Experiment panel in the browser: a region named Experiment with the lift in words and the
figures as tables a screen reader reads as such, readable at 390 px without sideways scrolling.
Also writes `experiment-panel.png` (the panel alone) for the README's "Did it work?".

The figures are rows written straight to the database. The split and its winner are added when
the definition model of this build parses a `split` step; without it the panel shows the holdout
alone (the workflow page parses the definition).
"""

from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import Page, expect
from pydantic import ValidationError
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.experiments import SplitWinner
from flowline.definitions.workflows import WorkflowDefinition
from tests.support.browser import SCREENSHOTS, screenshots
from tests.support.experiment_rows import (
    PLAIN_DEFINITION,
    add_enrollments,
    experiment_definition,
    store_workflow,
)
from tests.support.live_server import serving
from tests.web.client import ADMIN_KEY, web_app


def _with_split() -> bool:
    try:
        WorkflowDefinition.model_validate(experiment_definition())
    except ValidationError:
        return False
    return True


def _stored_experiment(engine: Engine) -> int:
    split = _with_split()
    wid = store_workflow(engine, experiment_definition() if split else PLAIN_DEFINITION)
    if split:
        add_enrollments(engine, wid, 1, 2700, 590, path=("1", 0, "A"))
        add_enrollments(engine, wid, 1, 2700, 760, path=("1", 1, "B"))
        with session_scope(engine) as session:
            session.add(
                SplitWinner(
                    workflow_id=wid,
                    version=1,
                    step_path="1",
                    path_index=1,
                    path_name="B",
                    decided_at=datetime(2026, 12, 4, tzinfo=UTC),
                    lift=0.063,
                    ci_low=0.012,
                    ci_high=0.114,
                )
            )
    else:
        add_enrollments(engine, wid, 1, 5400, 1350)
    add_enrollments(engine, wid, 1, 600, 108, cohort="holdout")
    return wid


async def test_the_experiment_panel_reads_the_lift_in_words_at_both_widths(
    page: Page, ui_engine: Engine, tmp_path: Path
) -> None:
    wid = _stored_experiment(ui_engine)
    async with serving(web_app(ui_engine, tmp_path)) as url:
        await page.goto(url + "/")
        await page.get_by_label("API key").fill(ADMIN_KEY)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
        await page.goto(f"{url}/workflows/{wid}")

        panel = page.get_by_role("region", name="Experiment")
        await expect(panel).to_contain_text("Lift: Treatment converts 7.0 points better")
        await expect(panel).to_contain_text("this holds however often you look")
        groups = panel.get_by_role("table", name="Treatment and holdout")
        await expect(groups.get_by_role("rowheader", name="Holdout")).to_be_visible()
        await expect(groups.get_by_role("columnheader", name="Rate")).to_be_attached()
        if _with_split():
            await expect(panel).to_contain_text("Winner: B since 04 Dec 2026")
        await screenshots(page, "experiment")
        await page.set_viewport_size({"width": 390, "height": 900})
        await expect(groups.get_by_text("18.0 %")).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await panel.screenshot(path=str(SCREENSHOTS / "experiment-panel-390.png"))
        await page.set_viewport_size({"width": 1280, "height": 900})
        await panel.screenshot(path=str(SCREENSHOTS / "experiment-panel.png"))
