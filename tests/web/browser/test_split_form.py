"""The workflow form: a random split with its paths, the holdout and the goal window."""

from playwright.async_api import Page, expect

from tests.support.browser import LiveFlowline, sign_in


async def test_a_random_split_and_a_holdout_are_built_in_the_form_and_saved(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    await sign_in(page, live)
    await page.get_by_role("link", name="Add", exact=True).click()
    await page.get_by_label("Name", exact=True).fill("Offer test")
    await page.get_by_label("Event type", exact=True).fill("signed_up")
    await page.get_by_label("Consent", exact=True).select_option(label="-")
    await page.get_by_label("Goal", exact=True).select_option(label="Event")
    await page.get_by_label("Goal event", exact=True).fill("purchase")
    await expect(page.get_by_label("Goal window", exact=True)).to_have_value("30 days")
    await page.get_by_label("Goal window", exact=True).fill("7 days")
    await page.get_by_label("Holdout (%)", exact=True).fill("10")

    await page.get_by_role("button", name="Add step", exact=True).click()
    split = page.get_by_role("group", name="Step 1", exact=True)
    await split.get_by_label("Action", exact=True).select_option(label="Random split")
    await expect(split.get_by_label("Name of path 1", exact=True)).to_have_value("A")
    await split.get_by_label("Name of path 2", exact=True).fill("Shipping")
    await split.get_by_label("Weight of path 1 (%)", exact=True).fill("70")
    await split.get_by_label("Weight of path 2 (%)", exact=True).fill("30")
    await split.get_by_role("button", name="Add step to Path 2 of Step 1", exact=True).click()
    nested = page.get_by_role("group", name="Step 1.paths.2.1", exact=True)
    await nested.get_by_label("Action", exact=True).select_option(label="Wait")
    await nested.get_by_label("Duration", exact=True).fill("2 hours")
    await page.get_by_role("button", name="Save", exact=True).click()

    journey = page.get_by_role("figure", name="Journey map")
    await expect(journey.get_by_text("Split at random: A 70 %, Shipping 30 %")).to_be_visible()
    await expect(journey.get_by_text("Shipping", exact=True)).to_be_visible()
    [saved] = (await api.api.get("/v1/workflows")).json()
    assert (saved["holdout_percent"], saved["goal_window"]) == (10, "PT604800S")
    assert saved["steps"] == [
        {
            "type": "split",
            "auto_winner": False,
            "paths": [
                {"name": "A", "weight": 70, "steps": []},
                {
                    "name": "Shipping",
                    "weight": 30,
                    "steps": [{"type": "wait", "duration": "PT7200S"}],
                },
            ],
        }
    ]
