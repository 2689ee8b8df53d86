"""The Suppressions page in the browser: reached from Settings; add, search, remove."""

from playwright.async_api import Dialog, Page, expect

from tests.support.browser import LiveFlowline, screenshots, sign_in


async def test_add_search_and_remove_a_suppressed_address(page: Page, live: LiveFlowline) -> None:
    await live.flowline.post(
        "/v1/suppressions",
        {
            "address": "bounced.long.name@example.org",
            "reason": "hard_bounce",
            "detail": "rejected by the SMTP server (550 to RCPT)",
        },
    )
    await sign_in(page, live)
    await page.goto(f"{live.url}/settings")
    await page.get_by_role("link", name="Suppressions", exact=True).click()
    await expect(page.get_by_role("heading", name="Suppressions", exact=True)).to_be_visible()

    await page.get_by_label("Address to suppress", exact=True).fill("ann@example.com")
    await page.get_by_label("Detail", exact=True).fill("asked by phone")
    await page.get_by_role("button", name="Add", exact=True).click()
    await expect(page.locator(".notice[role=status]")).to_have_text("Address suppressed.")
    table = page.get_by_role("table")
    await expect(table.get_by_role("row")).to_have_count(3)  # the header and two addresses
    await screenshots(page, "suppressions")

    search = page.get_by_label("Search suppressions", exact=True)
    await search.fill("ANN@example.com")
    await search.press("Enter")
    await expect(table.get_by_role("row")).to_have_count(2)
    await expect(table).to_contain_text("a***@example.com")
    await expect(table).to_contain_text("Added by hand")

    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    await table.get_by_role("button", name="Remove a***@example.com").click()
    notice = page.locator(".notice[role=status]")
    await expect(notice).to_have_text("Address removed from the list.")
    assert asked and asked[0].startswith("Remove a***@example.com from the suppression list?")
    await expect(page.get_by_role("table")).to_contain_text("b***@example.org")
    await expect(page.get_by_role("table")).not_to_contain_text("a***@example.com")
