"""Profile search in the browser: by id prefix and by property value, then one profile's page."""

import re

from playwright.async_api import Page, expect

from tests.support.browser import LiveFlowline, screenshots, sign_in


async def test_profile_search_by_prefix_and_by_property_then_open_a_profile(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    workflow = await api.workflow(
        consent_property="email_optin", steps=[{"type": "wait", "duration": "P1D"}]
    )
    await api.profile("ada-1", first_name="Ada", email_optin=True, address={"city": "Utrecht"})
    await api.profile("ada-2", first_name="Adaline", email_optin=False)
    await api.profile("bert", first_name="Bert", email_optin=True)
    enrolled = await api.enroll(workflow["id"], "ada-1")
    assert enrolled.status_code in (200, 201, 202), enrolled.text
    await sign_in(page, live)
    await page.get_by_role("link", name="Profiles", exact=True).click()

    search = page.get_by_label("Search profiles", exact=True)
    table = page.get_by_role("table")
    await expect(table.get_by_role("columnheader", name="email_optin")).to_be_visible()
    await search.fill("ada")
    await search.press("Enter")
    await expect(table.get_by_role("link")).to_have_text(["ada-1", "ada-2"])
    await expect(table.get_by_role("row", name=re.compile("ada-2"))).to_contain_text("no")
    await screenshots(page, "profiles-search")

    await page.get_by_label("Search profiles", exact=True).fill("email_optin=true")
    await page.get_by_role("button", name="Search", exact=True).click()
    await expect(table.get_by_role("link")).to_have_text(["ada-1", "bert"])

    await table.get_by_role("link", name="ada-1", exact=True).click()
    await expect(page.get_by_role("heading", name="Profile ada-1")).to_be_visible()
    properties = page.locator(".properties").first
    await expect(properties).to_contain_text("Ada")
    await expect(properties).to_contain_text("Utrecht")
    await expect(properties).not_to_contain_text('"')
    details = page.get_by_role("link", name="Details", exact=True)
    await expect(details).to_have_attribute("href", re.compile(r"^/enrollments/\d+$"))
    await screenshots(page, "profile-page")
