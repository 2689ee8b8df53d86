"""The journey map and editing a live workflow, in the browser: the figure named Journey map with
its branch's arms side by side (stacked at 390 px, no sideways scrolling), a count that lists
those enrollments when clicked, and Save that confirms what happens to the people in the
workflow before it makes a new version."""

import re
from typing import Any

from playwright.async_api import Dialog, Page, expect

from testkit.eventually import eventually
from tests.api.steps import http_step, wait_step
from tests.support.browser import LiveFlowline, screenshots, sign_in


async def _recorded(live: LiveFlowline, workflow_id: int, profile_id: str, path: str) -> None:
    """Wait until the profile's enrollment has a record of the step at `path`."""
    api = live.flowline

    async def found() -> bool:
        for e in await api.enrollments_of(workflow_id):
            if e["profile_id"] == profile_id:
                detail = await api.enrollment(e["id"])
                return any(s["step_path"] == path for s in detail["steps"])
        return False

    await eventually(found, 60, f"{profile_id} past step {path}", interval=0.1)


async def test_the_journey_map_draws_the_branch_and_a_count_lists_those_enrollments(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    api.http_target.script("/refused", [400, 400])
    workflow = await api.workflow(
        name="Plan follow-up",
        steps=[
            http_step(api.http_target.url("/refused")),
            {
                "type": "branch",
                "condition": {"property": "plan", "op": "eq", "value": "pro"},
                "then": [wait_step("P1D")],
                "else": [http_step(api.http_target.url("/ok"))],
            },
        ],
    )
    await api.profile("pia", plan="pro")
    await api.profile("bo", plan="basic")
    await api.event("pia", "registered")
    await api.event("bo", "registered")
    await _recorded(live, workflow["id"], "pia", "1")
    await _recorded(live, workflow["id"], "bo", "1.else.0")

    await sign_in(page, live)
    await page.goto(f"{live.url}/workflows/{workflow['id']}")
    figure = page.get_by_role("figure", name="Journey map")
    await expect(figure).to_be_visible()
    then = figure.get_by_role("group", name="Step 2 · Then")
    other = figure.get_by_role("group", name="Step 2 · Else")
    await expect(then).to_contain_text("Wait 1 day")
    await expect(other).to_contain_text(f"POST {api.http_target.url('/ok')}")
    first = figure.locator('[data-journey-node="0"] > .journey-card')
    await expect(first).to_contain_text("reached 2")
    await expect(first).to_contain_text("failed 2")

    # Side by side on a wide screen, one under the other on a phone; never sideways scrolling.
    then_box, else_box = await then.bounding_box(), await other.bounding_box()
    assert then_box and else_box and else_box["x"] > then_box["x"] + then_box["width"] - 1
    await screenshots(page, "journey-map")
    await page.set_viewport_size({"width": 390, "height": 900})
    await expect(figure).to_be_visible()
    then_box, else_box = await then.bounding_box(), await other.bounding_box()
    assert then_box and else_box and else_box["y"] >= then_box["y"] + then_box["height"] - 1
    assert else_box["x"] + else_box["width"] <= 390

    # The waiting count in the Then arm lists the one enrollment waiting there.
    await then.get_by_role("link", name="waiting 1").click()
    await expect(
        page.get_by_role("heading", name="Enrollments waiting at Step 2.then.1")
    ).to_be_visible()
    rows = page.locator("table.enrollments tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("pia")

    # The failed count of step 1 lists both.
    await page.set_viewport_size({"width": 1280, "height": 900})
    await first.get_by_role("link", name="failed 2").click()
    await expect(page.get_by_role("heading", name="Enrollments failed at Step 1")).to_be_visible()
    await expect(rows).to_have_count(2)
    await expect(page.locator("table.enrollments")).to_contain_text("pia")
    await expect(page.locator("table.enrollments")).to_contain_text("bo")


async def test_saving_a_live_workflow_confirms_who_finishes_on_the_old_version(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    workflow = await api.workflow(name="Slow welcome", steps=[wait_step("P1D")])
    await api.event("lea", "registered")
    await eventually(lambda: api.enrollments_of(workflow["id"]), 30, "an enrollment", interval=0.05)
    words = (
        "1 person is in this workflow; they finish on version 1. "
        "New enrollments use the new version."
    )

    await sign_in(page, live)
    await page.goto(f"{live.url}/workflows/{workflow['id']}/edit")
    await expect(page.get_by_text(words)).to_be_visible()
    await screenshots(page, "live-edit-notice")
    asked: list[str] = []

    async def answer(accept: bool) -> Any:
        async def handle(dialog: Dialog) -> None:
            asked.append(f"{dialog.type}: {dialog.message}")
            await (dialog.accept() if accept else dialog.dismiss())

        return handle

    # Cancel: nothing is saved, the form stays as it is.
    page.once("dialog", await answer(False))
    await page.get_by_label("Name", exact=True).fill("Slower welcome")
    await page.get_by_role("button", name="Save").click()
    await eventually(lambda: asked, 10, "the confirmation")
    assert asked == [f"confirm: {words}"]
    await expect(page.get_by_label("Name", exact=True)).to_have_value("Slower welcome")
    assert (await api.api.get(f"/v1/workflows/{workflow['id']}")).json()["version"] == 1

    # OK: saved as version 2; Lea goes on with version 1.
    page.once("dialog", await answer(True))
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("heading", name="Slower welcome")).to_be_visible()
    assert asked == [f"confirm: {words}"] * 2
    await expect(page.get_by_text(re.compile(r"^version 2 ·"))).to_be_visible()
    versions = page.locator("section", has=page.get_by_role("heading", name="Versions"))
    rows = versions.locator("tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("2 current")
    await expect(rows.nth(1).locator('[data-label="Enrollments"]')).to_have_text("1")
    await expect(rows.nth(1).locator('[data-label="Active"]')).to_have_text("1")
    await screenshots(page, "workflow-versions")
