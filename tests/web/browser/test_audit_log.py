"""The Audit log page in the browser, at 1280 and 390 px: reached from the side bar, filtered."""

from playwright.async_api import Page, expect

from tests.support.browser import LiveFlowline, screenshots, sign_in


async def test_the_audit_log_lists_changes_and_filters_them(page: Page, live: LiveFlowline) -> None:
    api = live.flowline
    campaign = await api.campaign()
    await api.workflow(name="Festival tickets")
    await api.api.put(f"/v1/campaigns/{campaign['id']}", json={**campaign, "name": "Renamed"})
    await sign_in(page, live)

    await page.get_by_role("link", name="Audit log", exact=True).click()

    await expect(page.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
    table = page.locator("table.audit tbody tr")
    await expect(table).to_have_count(3)
    await expect(table.first).to_contain_text("campaign.updated")
    await expect(table.first).to_contain_text(f"name: '{campaign['name']}' → 'Renamed'")
    await expect(table.first).to_contain_text("bootstrap admin key")
    await screenshots(page, "audit-log")

    await page.get_by_label("Object type", exact=True).select_option(label="Workflow")
    await page.get_by_role("button", name="Filter", exact=True).click()
    await expect(table).to_have_count(1)
    await expect(table.first).to_contain_text("Festival tickets")
    await page.get_by_role("link", name="Show all", exact=True).click()
    await expect(table).to_have_count(3)
