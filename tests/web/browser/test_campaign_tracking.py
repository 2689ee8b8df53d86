"""The campaign form's tracking checkboxes in the browser, found by their names."""

from playwright.async_api import Page, expect

from tests.support.browser import LiveFlowline, sign_in


async def test_unticking_track_clicks_saves_it_and_the_campaign_page_shows_it(
    page: Page, live: LiveFlowline
) -> None:
    await sign_in(page, live)
    await page.get_by_role("link", name="Campaigns", exact=True).click()
    await page.get_by_role("link", name="Add", exact=True).click()
    opens = page.get_by_role("checkbox", name="Track opens", exact=True)
    clicks = page.get_by_role("checkbox", name="Track clicks", exact=True)
    await expect(opens).to_be_checked()
    await expect(clicks).to_be_checked()
    await page.get_by_label("Name", exact=True).fill("Spring sale")
    await page.get_by_label("Subject", exact=True).fill("Spring")
    await page.get_by_label("HTML", exact=True).fill('<a href="https://shop.test/">Shop</a>')
    await clicks.uncheck()
    await page.get_by_role("button", name="Save", exact=True).click()

    await expect(page.get_by_role("status")).to_have_text("Campaign saved.")
    await expect(opens).to_be_checked()
    await expect(clicks).not_to_be_checked()
    [saved] = (await live.flowline.api.get("/v1/campaigns")).json()
    assert (saved["track_opens"], saved["track_clicks"]) == (True, False)
