"""Delete, Duplicate and Send test in the browser: confirmation first, a refusal in words with
nothing deleted, a disabled copy opened at once, and a test mail arriving in the Outbox."""

import re

from playwright.async_api import Page, expect

from testkit.eventually import eventually
from tests.support.browser import LiveFlowline, screenshots, sign_in


async def test_send_test_arrives_in_the_outbox_and_a_bad_address_is_said_in_words(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    await api.profile("ada", first_name="Ada", city="Leiden")
    campaign = await api.campaign()
    await sign_in(page, live)
    await page.goto(f"{live.url}/campaigns/{campaign['id']}")

    await page.get_by_label("Test address", exact=True).fill("qa")
    await page.get_by_role("button", name="Send test", exact=True).click()
    await expect(page.locator("#f-test_address-err")).to_have_text(
        "Enter one e-mail address, such as anna@example.com."
    )

    await page.get_by_label("Test address", exact=True).fill("qa@example.com")
    await page.get_by_label("Merge values from profile", exact=True).fill("ada")
    await page.get_by_role("button", name="Send test", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text(
        "Test sent to qa@example.com: “Welcome, Ada!”."
    )
    await screenshots(page, "campaign-test-send")

    await page.get_by_role("link", name="Outbox", exact=True).click()
    subject = page.get_by_role("link", name="[Test] Welcome, Ada!", exact=True)

    async def listed() -> bool:
        if await subject.count():
            return True
        await page.reload()
        return False

    await eventually(listed, 30, "the test mail in the outbox", interval=0.3)
    await subject.click()
    frame = page.frame_locator("iframe.mail-frame")
    await expect(frame.get_by_text("Hello Ada, see you in Leiden.")).to_be_visible()
    stats = (await api.api.get("/v1/campaigns")).json()
    assert [c["name"] for c in stats] == ["Welcome #1"]  # still there, nothing else changed


async def test_delete_asks_first_refuses_what_is_in_use_and_duplicate_opens_a_copy(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    campaign = await api.campaign()
    tags = {"first_name": {"property": "first_name"}, "city": {"property": "city"}}
    step = {"type": "send_email", "campaign_id": campaign["id"], "merge_tags": tags}
    workflow = await api.workflow(name="Onboarding", steps=[step])
    await api.segment({"property": "age", "op": "gte", "value": 18}, name="Adults")
    await sign_in(page, live)

    # A campaign a workflow sends: the refusal names the workflow, and nothing is deleted.
    await page.goto(f"{live.url}/campaigns/{campaign['id']}")
    await page.get_by_role("button", name="Delete", exact=True).click()
    await expect(page.get_by_role("heading", name="Delete campaign “Welcome #1”?")).to_be_visible()
    await screenshots(page, "confirm-delete")
    await page.get_by_role("button", name="Delete", exact=True).click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("“Welcome #1” cannot be deleted: these workflows send it.")
    await expect(alert).to_contain_text("Nothing was deleted.")
    await expect(alert.get_by_role("link", name="Onboarding", exact=True)).to_be_visible()
    assert (await api.api.get(f"/v1/campaigns/{campaign['id']}")).status_code == 200

    # Duplicate: a disabled copy, opened at once.
    await alert.get_by_role("link", name="Onboarding", exact=True).click()
    await page.get_by_role("button", name="Duplicate", exact=True).click()
    await expect(page.get_by_role("heading", name="Copy of Onboarding", exact=True)).to_be_visible()
    await expect(page.get_by_role("status")).to_contain_text("This is a copy, switched off")
    copy_id = int(re.findall(r"/workflows/(\d+)", page.url)[0])
    copy = (await api.api.get(f"/v1/workflows/{copy_id}")).json()
    assert (copy["enabled"], copy["steps"]) == (False, workflow["steps"])

    # Deleting the copy: confirmed, back to the list with a notice.
    await page.get_by_role("button", name="Delete", exact=True).click()
    await page.get_by_role("button", name="Delete", exact=True).click()
    await expect(page.get_by_role("status").filter(has_text="Workflow deleted.")).to_be_visible()
    await expect(page.get_by_role("link", name="Onboarding", exact=True)).to_be_visible()
    await expect(page.get_by_role("link", name="Copy of Onboarding")).to_have_count(0)

    # Cancel keeps it; Delete on a segment no workflow uses removes it.
    await page.get_by_role("link", name="Segments", exact=True).click()
    await page.get_by_role("link", name="Adults", exact=True).click()
    await page.get_by_role("button", name="Delete", exact=True).click()
    await page.get_by_role("link", name="Cancel", exact=True).click()
    await expect(page.get_by_role("heading", name="Segment Adults")).to_be_visible()
    await page.get_by_role("button", name="Delete", exact=True).click()
    await page.get_by_role("button", name="Delete", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Segment deleted.")
    assert (await api.api.get("/v1/segments")).json() == []
