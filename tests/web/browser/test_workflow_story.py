"""The workflow page in the browser: the header tells the story, each step is described, and a
waiting enrollment says until when."""

import re

from playwright.async_api import Page, expect

from testkit.eventually import eventually
from tests.api.steps import email_step, http_step, wait_step
from tests.support.browser import LiveFlowline, screenshots, sign_in


async def test_the_workflow_page_reads_the_header_and_each_step_in_words(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    campaign = await api.campaign(name="Ticket reminder", subject="Your seat is waiting")
    workflow = await api.workflow(
        name="Ticket nudges",
        trigger={"type": "event", "event": "registered"},
        consent_property="email_optin",
        goal={"event": "ticket"},
        exit_on_goal=True,
        steps=[
            wait_step("P1D"),
            email_step(campaign["id"]),
            http_step(api.http_target.url("/crm")),
        ],
    )
    await api.profile("lea", email_optin=True, email="lea@example.com")
    await api.event("lea", "registered")
    await eventually(lambda: api.enrollments_of(workflow["id"]), 30, "an enrollment", interval=0.05)

    await sign_in(page, live)
    await page.get_by_role("link", name="Workflows", exact=True).click()
    await page.get_by_role("link", name="Ticket nudges").click()
    await expect(page.get_by_role("heading", name="Ticket nudges")).to_be_visible()
    await expect(page.get_by_text("When event 'registered' is added")).to_have_text(
        "When event 'registered' is added · Consent: email_optin · Goal: event 'ticket', then stop"
    )
    steps = page.locator("section", has=page.get_by_role("heading", name="Steps"))
    await expect(steps.get_by_role("listitem")).to_have_count(3)
    await expect(steps.get_by_role("listitem").nth(0)).to_contain_text("Step 1 · Wait: Wait 1 day")
    await expect(steps.get_by_role("listitem").nth(1)).to_contain_text(
        "Step 2 · Send email: Send campaign 'Ticket reminder' (subject 'Your seat is waiting')"
    )
    await expect(steps.get_by_role("listitem").nth(2)).to_contain_text(
        f"Step 3 · HTTP call: POST {api.http_target.url('/crm')}"
    )
    row = page.get_by_role("row").filter(has_text="lea")
    await expect(row).to_contain_text(re.compile(r"Step 1 · Wait 1 day · until \d{4}-\d\d-\d\d"))
    await screenshots(page, "workflow-story")
