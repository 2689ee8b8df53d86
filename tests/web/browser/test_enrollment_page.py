"""An enrollment's failures in the browser: the workflow list, the workflow page and the
enrollment page all say so, with the error; a branch's timeline names the arm and the value."""

from playwright.async_api import Page, expect

from testkit.eventually import eventually
from tests.api.steps import http_step
from tests.support.browser import LiveFlowline, screenshots, sign_in


async def test_a_failing_http_step_reads_completed_with_errors_everywhere(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    api.http_target.script("/crm", [503, 503, 503])
    workflow = await api.workflow(
        name="Ticket nudges",
        steps=[
            {
                "type": "branch",
                "condition": {"property": "plan", "op": "eq", "value": "pro"},
                "then": [],
                "else": [http_step(api.http_target.url("/crm"))],
            }
        ],
    )
    await api.profile("lea", plan="free")
    await api.event("lea", "registered")
    [enrollment] = await eventually(
        lambda: api.enrollments_of(workflow["id"]), 30, "an enrollment", interval=0.05
    )
    await api.ended(enrollment["id"])

    await sign_in(page, live)
    await page.get_by_role("link", name="Workflows", exact=True).click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Steps failed in the last 24 hours")
    await screenshots(page, "workflows-with-failures")
    await alert.get_by_role("link", name="Ticket nudges: 1 failed step").click()

    await expect(page.get_by_role("heading", name="Enrollments with errors")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("HTTP 503")
    row = page.get_by_role("row").filter(has_text="lea")
    await expect(row).to_contain_text("Completed with errors")
    await expect(row.get_by_text("completed", exact=True)).to_have_count(0)
    await screenshots(page, "workflow-with-failures")
    await row.get_by_role("link", name="Details", exact=True).click()

    await expect(page.get_by_role("heading", name="Enrollment of lea")).to_be_visible()
    await expect(page.get_by_text("Completed with errors").first).to_be_visible()
    timeline = page.get_by_role("list", name="Timeline")
    await expect(timeline).to_contain_text("Entered: event 'registered'")
    await expect(timeline).to_contain_text(
        "Branch: plan is 'free', the condition needs 'pro' → Else"
    )
    await expect(timeline).to_contain_text("answered 503 three times: gave up")
    await expect(timeline).to_contain_text("HTTP 503")
    await screenshots(page, "enrollment-timeline")


async def test_an_active_enrollment_says_what_it_waits_for_and_until_when(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    workflow = await api.workflow(name="Slow", steps=[{"type": "wait", "duration": "P2D"}])
    await api.profile("max")
    response = await api.enroll(workflow["id"], "max")
    enrollment_id = response.json()["id"]

    await sign_in(page, live)
    await page.goto(f"{live.url}/workflows/{workflow['id']}")
    row = page.get_by_role("row").filter(has_text="max")
    await row.get_by_role("link", name="Details", exact=True).click()
    await expect(page).to_have_url(f"{live.url}/enrollments/{enrollment_id}")
    timeline = page.get_by_role("list", name="Timeline")
    await expect(timeline).to_contain_text("Enrolled by hand")
    # The page reads the run's current details: once the run has reached its wait, it says so.

    async def waiting() -> bool:
        last = (await api.enrollment(enrollment_id))["timeline"][-1]
        return last["summary"].startswith("Waiting until")

    await eventually(waiting, 30, "the run waiting", interval=0.05)
    await page.reload()
    await expect(timeline).to_contain_text("Waiting until")
    await expect(timeline).to_contain_text("UTC (step 1/1)")
