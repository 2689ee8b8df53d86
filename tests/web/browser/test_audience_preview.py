"""Audience preview in the browser: the segment form says "N profiles match" as the rule is
typed, with the first matching profiles; the workflow form says how many profiles the chosen
segment holds, and keeps it right when the choice changes, and who a branch's condition holds
for now."""

from playwright.async_api import Page, expect

from tests.support.browser import LiveFlowline, screenshots, sign_in


async def test_segment_form_counts_who_matches_and_workflow_form_counts_members(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    cities = {"ada": "Utrecht", "bert": "Utrecht", "cleo": "Utrecht", "daan": "Ede"}
    for pid, city in cities.items():
        await api.profile(pid, city=city)
    await sign_in(page, live)
    await page.get_by_role("link", name="Segments", exact=True).click()
    await page.get_by_role("link", name="Add", exact=True).click()

    # The rule builder shows the count itself; the JSON text is behind "Edit as JSON".
    match = page.locator("[data-rule-count]")
    await page.get_by_role("button", name="Edit as JSON").click()
    rule = page.get_by_label("Rule", exact=True)
    await rule.fill('{"property": "city", "op": "eq", "value": "Utrecht"}')
    await expect(match).to_have_text("3 profiles match now, such as ada, bert, cleo")
    await expect(match.get_by_role("link", name="ada", exact=True)).to_have_attribute(
        "href", "/profiles?id=ada"
    )
    await rule.fill('{"property": "city", "op": "eq", "value": "Ede"}')
    await expect(match).to_have_text("1 profile matches now, such as daan")
    await rule.fill('{"property": "city", "op": "eq"')  # not JSON yet: no count
    await expect(match).to_have_text("")
    await rule.fill('{"property": "city", "op": "neq", "value": "Ede"}')
    await expect(match).to_contain_text("3 profiles match now")
    await screenshots(page, "segment-audience")
    await page.get_by_label("Name", exact=True).fill("Not in Ede")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("heading", name="Segment Not in Ede")).to_be_visible()

    # A new segment starts empty; each profile's next change makes the engine evaluate it.
    await api.segment({"property": "city", "op": "eq", "value": "Ede"}, name="In Ede")
    for pid in ("ada", "bert", "cleo", "daan"):
        await api.profile(pid, seen=True)

    await page.get_by_role("link", name="Workflows", exact=True).click()
    await page.get_by_role("link", name="Add", exact=True).click()
    await page.get_by_label("When", exact=True).select_option(label="Profile is added to a segment")
    segment = page.get_by_label("Segment", exact=True)
    count = page.locator('[data-audience-for="trigger.segment_id"]')
    await segment.select_option(label="Not in Ede")
    await expect(count).to_have_text("3 profiles in this segment now")
    await segment.select_option(label="In Ede")
    await expect(count).to_have_text("1 profile in this segment now")
    await segment.select_option(label="Choose a segment")
    await expect(count).to_have_text("")
    await page.get_by_label("Goal", exact=True).select_option(label="Profile is added to a segment")
    await page.get_by_label("Goal segment", exact=True).select_option(label="Not in Ede")
    await expect(page.locator('[data-audience-for="goal.segment"]')).to_have_text(
        "3 profiles in this segment now"
    )
    # A branch's condition: who it holds for now, under the field.
    await page.get_by_role("button", name="Add step", exact=True).click()
    branch = page.get_by_role("group", name="Step 1", exact=True)
    await branch.get_by_label("Action", exact=True).select_option(label="Branch")
    await branch.get_by_role("button", name="Edit as JSON").click()
    await branch.get_by_label("Condition", exact=True).fill(
        '{"property": "city", "op": "eq", "value": "Utrecht"}'
    )
    await expect(branch.locator("[data-rule-count]")).to_have_text(
        "3 profiles match now, such as ada, bert, cleo"
    )
    await screenshots(page, "workflow-form-audience")
