"""Campaigns, segments, profiles and settings in the browser, each page at 1280 and 390 px."""

import json
import re

from playwright.async_api import Page, expect

from tests.support.browser import LiveFlowline, screenshots, sign_in


async def test_campaign_merge_tags_are_detected_as_you_type_and_previewed_for_a_profile(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    await api.profile("anna", first_name="Anna", city="<b>Utrecht</b>")
    await sign_in(page, live)
    await page.get_by_role("link", name="Campaigns", exact=True).click()
    await expect(page.get_by_role("heading", name="No campaigns yet")).to_be_visible()
    await page.get_by_role("link", name="Add", exact=True).click()
    await page.get_by_label("Name", exact=True).fill("Hello")
    await page.get_by_label("Subject", exact=True).fill("Hi {{ first_name }}")
    await page.get_by_label("HTML", exact=True).fill("<p>See you in {{ city }}</p>")
    tags = page.locator("[data-merge-tag-list]")
    await expect(tags).to_have_text(re.compile(r"^\s*city\s+first_name\s*$"))
    await page.get_by_label("HTML", exact=True).fill("<p>{{ broken </p>")
    await expect(page.locator("[data-template-errors]")).to_contain_text(
        "The HTML body has a broken merge tag on line"
    )
    await page.get_by_label("HTML", exact=True).fill("<p>See you in {{ city }}</p>")
    await page.get_by_label("Status", exact=True).select_option(label="Active")
    await screenshots(page, "campaign-form")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Campaign saved.")
    saved = (await api.api.get("/v1/campaigns")).json()
    assert [(c["name"], c["merge_tags"], c["status"]) for c in saved] == [
        ("Hello", ["city", "first_name"], "active")
    ]

    await page.get_by_label("Preview for profile", exact=True).fill("anna")
    await page.get_by_role("button", name="Preview", exact=True).click()
    await expect(page.get_by_text("Hi Anna", exact=True)).to_be_visible()
    frame = page.frame_locator("iframe.mail-frame")
    # Profile values are escaped: the markup arrives as text.
    await expect(frame.get_by_text("See you in <b>Utrecht</b>")).to_be_visible()
    await screenshots(page, "campaign-preview")
    await page.get_by_role("link", name="Campaigns", exact=True).click()
    await expect(page.get_by_role("link", name="Hello", exact=True)).to_be_visible()
    await screenshots(page, "campaigns")


async def test_segment_rule_errors_show_and_the_member_count_stays_live(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    await sign_in(page, live)
    await page.get_by_role("link", name="Segments", exact=True).click()
    await page.get_by_role("link", name="Add", exact=True).click()
    await page.get_by_label("Name", exact=True).fill("Amsterdam")
    rule = page.get_by_label("Rule", exact=True)
    await page.get_by_role("button", name="Edit as JSON", exact=True).click()
    await rule.fill(json.dumps({"property": "city", "op": "equals", "value": "Amsterdam"}))
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator(".field.has-error .error")).to_contain_text("op")
    await expect(rule).to_contain_text('"equals"')
    await screenshots(page, "segment-form-error")
    await rule.fill(json.dumps({"property": "city", "op": "eq", "value": "Amsterdam"}))
    await expect(page.locator("[data-rule-check]")).to_contain_text("Rule: ")
    await page.get_by_role("button", name="Save", exact=True).click()
    count = page.locator("[data-member-count]")
    await expect(count).to_have_text("0")
    await api.profile("ams-1", city="Amsterdam")
    await expect(count).to_have_text("1")  # refreshed in place
    await screenshots(page, "segment")
    await page.get_by_role("link", name="Segments", exact=True).click()
    await screenshots(page, "segments")

    await page.get_by_role("link", name="Profiles", exact=True).click()
    await page.get_by_label("Search profiles", exact=True).fill("ams")
    await page.get_by_role("button", name="Search", exact=True).click()
    await page.get_by_role("link", name="ams-1", exact=True).click()
    await expect(page.get_by_role("heading", name="Profile ams-1")).to_be_visible()
    await expect(page.get_by_role("link", name="Amsterdam", exact=True)).to_be_visible()
    await expect(page.locator(".properties")).to_contain_text("Amsterdam")
    await screenshots(page, "profile")


async def test_settings_edit_the_frequency_cap_and_show_a_new_key_once(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    await sign_in(page, live)
    await page.get_by_role("link", name="Settings", exact=True).click()
    await page.get_by_label("Limit workflow emails per profile", exact=True).check()
    await page.get_by_label("Maximum emails", exact=True).fill("2")
    await page.get_by_label("Per", exact=True).fill("0 days")
    await page.get_by_role("button", name="Save frequency cap", exact=True).click()
    await expect(page.locator(".field.has-error .error")).to_contain_text("greater than zero")
    await expect(page.get_by_label("Per", exact=True)).to_have_value("0 days")
    await page.get_by_label("Per", exact=True).fill("1 day")
    await page.get_by_role("button", name="Save frequency cap", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Frequency cap saved.")
    assert (await api.api.get("/v1/settings")).json() == {
        "email_frequency_cap": {"max": 2, "per": "PT86400S"}
    }
    await expect(page.get_by_label("Per", exact=True)).to_have_value("1 day")

    await page.get_by_label("Key name", exact=True).fill("website")
    await page.get_by_role("button", name="Create key", exact=True).click()
    secret = await page.get_by_label("Secret", exact=True).input_value()
    created = await api.api.post(
        "/v1/events",
        json={"profile_id": "k-1", "name": "ping"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert created.status_code == 202, created.text
    await screenshots(page, "settings")
    await page.get_by_role("link", name="Settings", exact=True).click()
    await expect(page.get_by_label("Secret", exact=True)).to_have_count(0)
    assert secret not in await page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Revoke website", exact=True).click()
    await expect(page.get_by_role("button", name="Revoke website")).to_have_count(0)
    refused = await api.api.post(
        "/v1/events",
        json={"profile_id": "k-1", "name": "ping"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert refused.status_code == 401
