"""A marketer signs in, builds a workflow through the form, and watches it work.

Every element is found by its role and accessible name exactly as DESIGN §4 lists them, so this
test also proves the names.
"""

import re

from playwright.async_api import Page, expect

from testkit.eventually import eventually
from tests.support.browser import LiveFlowline, screenshots, sign_in


async def _fill_workflow_form(page: Page, live: LiveFlowline, campaign_id: int) -> None:
    await page.get_by_label("Name", exact=True).fill("Welcome series")
    await page.get_by_label("When", exact=True).select_option(label="Event is added")
    await page.get_by_label("Event type", exact=True).fill("registered")
    await page.get_by_label("Filter specific property", exact=True).check()
    await page.get_by_label("Filter property", exact=True).fill("source")
    await page.get_by_label("Filter value", exact=True).fill("web")
    consent = page.get_by_label("Consent", exact=True)
    await expect(consent.locator("option").first).to_have_text("-")
    await consent.select_option(label="email_optin")
    await page.get_by_label("Goal", exact=True).select_option(label="Event")
    await page.get_by_label("Goal event", exact=True).fill("purchase")
    await page.get_by_label("Stop the workflow when the goal is reached", exact=True).check()

    add_step = page.get_by_role("button", name="Add step", exact=True)
    await add_step.click()
    email = page.get_by_role("group", name="Step 1", exact=True)
    await email.get_by_label("Action", exact=True).select_option(label="Send email")
    await email.get_by_label("Email property", exact=True).fill("email")
    campaign = email.get_by_label("Campaign", exact=True)
    # Only triggered, active campaigns are offered (plus the "choose" placeholder).
    await expect(campaign.locator("option")).to_have_text(["Choose a campaign", "Welcome #1"])
    await campaign.select_option(value=str(campaign_id))
    # Choosing the campaign brings one row per merge tag.
    await expect(email.get_by_label("Property for first_name", exact=True)).to_have_value(
        "first_name"
    )
    await email.get_by_label("Default for first_name", exact=True).fill("there")

    await add_step.click()
    http = page.get_by_role("group", name="Step 2", exact=True)
    await http.get_by_label("Action", exact=True).select_option(label="HTTP call")
    await http.get_by_label("Method", exact=True).select_option("POST")
    await http.get_by_label("URL", exact=True).fill(live.flowline.http_target.url("/crm/tasks"))
    await http.get_by_label("Headers", exact=True).fill("X-Source: flowline")
    await http.get_by_label("Body", exact=True).fill('{"profile": "{{ profile_id }}"}')
    await http.get_by_label("On failure", exact=True).select_option("continue")

    await add_step.click()
    wait = page.get_by_role("group", name="Step 3", exact=True)
    await wait.get_by_label("Action", exact=True).select_option(label="Wait")
    await wait.get_by_label("Duration", exact=True).fill("0 minutes")
    # The wait belongs before the HTTP call: move it up.
    await wait.get_by_role("button", name="Move up", exact=True).click()


async def test_marketer_builds_a_workflow_in_the_browser_and_sees_it_work(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    # Signed out, every page leads to the sign-in page.
    await page.goto(live.url + "/workflows")
    await expect(page).to_have_url(re.compile(r"/sign-in"))
    await screenshots(page, "sign-in")
    await sign_in(page, live)
    await expect(page.get_by_role("heading", name="No workflows yet")).to_be_visible()
    await expect(page.get_by_role("link", name="Add", exact=True)).to_be_visible()
    await screenshots(page, "workflows-empty")

    campaign = await api.campaign(
        subject="Welcome, {{ first_name }}!",
        html='<p>Hello {{ first_name }}!</p><script>document.body.dataset.ran = "yes"</script>',
        text="Hello {{ first_name }}!",
    )
    await api.campaign(name="Draft campaign", status="draft")
    await api.profile("p-1", email="p1@example.com", email_optin=True)

    await page.get_by_role("link", name="Add", exact=True).click()
    await _fill_workflow_form(page, live, campaign["id"])
    await page.get_by_role("button", name="Save", exact=True).click()

    # The API's own validation answers, next to the field it names; nothing typed is lost.
    wait = page.get_by_role("group", name="Step 2", exact=True)
    duration = wait.get_by_label("Duration", exact=True)
    await expect(wait.locator(".error")).to_have_text(
        "Enter a duration greater than zero, such as 2 days or 30 minutes."
    )
    await expect(duration).to_have_value("0 minutes")
    await expect(duration).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Name", exact=True)).to_have_value("Welcome series")
    await expect(page.get_by_label("Filter value", exact=True)).to_have_value("web")
    step1 = page.get_by_role("group", name="Step 1", exact=True)
    await expect(step1.get_by_label("Default for first_name", exact=True)).to_have_value("there")
    await expect(
        page.get_by_role("group", name="Step 3", exact=True).get_by_label("URL", exact=True)
    ).to_have_value(api.http_target.url("/crm/tasks"))
    await screenshots(page, "workflow-form-error")

    await duration.fill("1 day")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/workflows/\d+$"))
    workflow_id = int(page.url.rsplit("/", 1)[1])
    saved = (await api.api.get(f"/v1/workflows/{workflow_id}")).json()
    assert saved["trigger"] == {
        "type": "event",
        "event": "registered",
        "filter": {"property": "source", "value": "web"},
    }
    assert saved["consent_property"] == "email_optin"
    assert saved["goal"] == {"event": "purchase", "filter": None}
    assert saved["exit_on_goal"] is True
    assert [s["type"] for s in saved["steps"]] == ["send_email", "wait", "http_call"]
    assert saved["steps"][0]["merge_tags"] == {
        "first_name": {"property": "first_name", "default": "there"}
    }
    assert saved["steps"][1]["duration"] == "PT86400S"
    assert saved["steps"][2]["headers"] == {"X-Source": "flowline"}
    assert saved["steps"][2]["body"] == {"profile": "{{ profile_id }}"}

    # Another service posts a matching event; the enrollment shows up on the open page.
    await api.event("p-1", "registered", properties={"source": "web"})
    rows = page.locator("table.enrollments tbody tr")
    await expect(rows.filter(has_text="p-1")).to_contain_text("Active")
    temporal_link = rows.first.get_by_role("link", name=re.compile("^Open in Temporal"))
    await expect(temporal_link).to_have_attribute(
        "href", re.compile(r"/namespaces/default/workflows/enroll%3A\d+%3Ap-1/[^/]+/history$")
    )
    await expect(rows.first).to_contain_text("Step 2")  # waiting at the wait step
    await expect(page.locator("[data-conversion-rate]")).to_have_text("0.0%")
    await screenshots(page, "workflow-detail")

    # The mail, rendered with the merge-tag default, is in the Outbox; its HTML never runs here.
    await page.get_by_role("link", name="Outbox", exact=True).click()
    subject = page.get_by_role("link", name="Welcome, there!", exact=True)

    async def listed() -> bool:
        if await subject.count():
            return True
        await page.reload()
        return False

    await eventually(listed, 30, "the mail in the outbox", interval=0.3)
    await screenshots(page, "outbox")
    await subject.click()
    frame = page.frame_locator("iframe.mail-frame")
    await expect(frame.get_by_text("Hello there!")).to_be_visible()
    await expect(page.locator("iframe.mail-frame")).to_have_attribute("sandbox", "")
    await expect(frame.locator("body")).not_to_have_attribute("data-ran", "yes")
    await screenshots(page, "outbox-message")

    # The goal converts the enrollment: the conversion rate changes on the detail page.
    await page.goto(f"{live.url}/workflows/{workflow_id}")
    await api.event("p-1", "purchase")
    await expect(page.locator("[data-conversion-rate]")).to_have_text("100.0%")
    await expect(rows.filter(has_text="p-1")).to_contain_text("Converted")

    # The switch works in place: no page load, the API sees the change.
    await page.get_by_role("link", name="Workflows", exact=True).click()
    await page.evaluate("window.stillThisPage = true")
    switch = page.get_by_role("switch", name="Enabled", exact=True)
    await expect(switch).to_be_checked()
    await screenshots(page, "workflows")
    await switch.click()
    await expect(page.get_by_role("status")).to_have_text("Welcome series is off")
    await expect(switch).not_to_be_checked()
    assert (await api.api.get(f"/v1/workflows/{workflow_id}")).json()["enabled"] is False
    await switch.click()
    await expect(page.get_by_role("status")).to_have_text("Welcome series is on")
    assert (await api.api.get(f"/v1/workflows/{workflow_id}")).json()["enabled"] is True
    assert await page.evaluate("window.stillThisPage") is True

    # Signed out, the pages refuse again.
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    await page.goto(f"{live.url}/workflows/{workflow_id}")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=/workflows/\d+$"))
    refused = await page.request.post(
        f"{live.url}/workflows/{workflow_id}/enabled",
        form={"enabled": ""},
        headers={"X-Requested-With": "fetch"},
    )
    assert refused.status == 401
