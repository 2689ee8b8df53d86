"""Dry run in the browser: from the workflow page (the saved workflow) and from the form (its
unsaved content, with form errors shown as Save shows them); readable at 390 px."""

from datetime import timedelta

from playwright.async_api import Page, expect

from flowline.core.timestamps import utcnow
from tests.api.steps import email_step, wait_step
from tests.support.browser import LiveFlowline, screenshots, sign_in
from tests.support.dry_run_history import seed_history


async def _workflow(live: LiveFlowline) -> int:
    api = live.flowline
    seed_history(api.engine, utcnow() - timedelta(days=29))
    campaign = await api.campaign(name="Welcome mail")
    workflow = await api.workflow(
        name="Sign-up welcome",
        trigger={"type": "event", "event": "signed_up"},
        consent_property="email_optin",
        goal={"event": "purchase"},
        exit_on_goal=True,
        steps=[wait_step("P1D"), email_step(campaign["id"])],
    )
    return int(workflow["id"])


async def test_the_workflow_page_runs_the_saved_workflow(page: Page, live: LiveFlowline) -> None:
    workflow_id = await _workflow(live)
    await sign_in(page, live)
    await page.goto(f"{live.url}/workflows/{workflow_id}")

    await page.get_by_label("Days to replay").fill("30")
    await page.get_by_role("button", name="Dry run").click()

    region = page.get_by_role("region", name="Dry run")
    await expect(region).to_contain_text("960 profiles would enroll in the last 30 days")
    await expect(region).to_contain_text("320 would reach the goal")
    await expect(region).to_contain_text("Step 2 · Send email: Send campaign 'Welcome mail'")
    await expect(region).to_contain_text("reached by 640 enrollments; 640 emails would be sent")
    await expect(region.get_by_role("row")).to_have_count(32)  # a header and 31 days
    await expect(region).to_contain_text("Profile properties and consent are read as they are now")
    await expect(page).to_have_url(f"{live.url}/workflows/{workflow_id}")  # stayed on the page
    await screenshots(page, "dry-run-page")


async def test_the_form_runs_its_unsaved_content_and_shows_its_errors(
    page: Page, live: LiveFlowline
) -> None:
    workflow_id = await _workflow(live)
    await sign_in(page, live)
    await page.goto(f"{live.url}/workflows/{workflow_id}/edit")

    # Unsaved: without a consent property, the 40 profiles without consent enroll too.
    await page.get_by_label("Consent").select_option("-")
    await page.get_by_label("Days to replay").fill("30")
    await page.get_by_role("button", name="Dry run").click()

    region = page.get_by_role("region", name="Dry run")
    await expect(region).to_contain_text("1,000 profiles would enroll in the last 30 days")
    saved = await live.flowline.api.get(f"/v1/workflows/{workflow_id}")
    assert saved.json()["consent_property"] == "email_optin"  # nothing was saved
    await screenshots(page, "dry-run-form")

    await page.get_by_label("Event type").fill("")
    await page.get_by_role("button", name="Dry run").click()

    await expect(page.get_by_role("region", name="Dry run")).to_contain_text(
        "Dry run not started: 1 problem to fix."
    )
    field = page.get_by_label("Event type")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page).to_have_url(f"{live.url}/workflows/{workflow_id}/edit")
