"""The workflow form: all six actions, a branch with nested Then / Else lists, wait for event,
update profile, and the send window and frequency-cap opt-out under "More options"."""

import json
import re

from playwright.async_api import Page, expect

from tests.support.browser import LiveFlowline, screenshots, sign_in

RULE = {"property": "plan", "op": "eq", "value": "pro"}


async def test_branch_and_wait_for_event_are_built_in_the_form_and_saved(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    await sign_in(page, live)
    await page.get_by_role("link", name="Add", exact=True).click()
    await page.get_by_label("Name", exact=True).fill("Trial nurture")
    await page.get_by_label("Event type", exact=True).fill("signed_up")
    await page.get_by_label("Consent", exact=True).select_option(label="-")

    await page.get_by_role("button", name="Add step", exact=True).click()
    branch = page.get_by_role("group", name="Step 1", exact=True)
    action = branch.get_by_label("Action", exact=True)
    await expect(action.locator("option")).to_have_text(
        [
            "Wait",
            "Wait for event",
            "HTTP call",
            "Send email",
            "Update profile",
            "Branch",
            "Random split",
        ]
    )
    await action.select_option(label="Branch")
    await branch.get_by_role("button", name="Edit as JSON", exact=True).click()
    await branch.get_by_label("Condition", exact=True).fill(json.dumps(RULE))

    await branch.get_by_role("button", name="Add step to Then of Step 1", exact=True).click()
    waiting = page.get_by_role("group", name="Step 1.then.1", exact=True)
    await waiting.get_by_label("Action", exact=True).select_option(label="Wait for event")
    await waiting.get_by_label("Event to wait for", exact=True).fill("purchase")
    await waiting.get_by_label("Only when an event property matches", exact=True).check()
    await waiting.get_by_label("Event property", exact=True).fill("plan")
    await waiting.get_by_label("Event property value", exact=True).fill("pro")
    await waiting.get_by_label("Timeout", exact=True).fill("3 days")
    await waiting.get_by_label("On timeout", exact=True).select_option(label="Exit the workflow")

    await branch.get_by_role("button", name="Add step to Then of Step 1", exact=True).click()
    update = page.get_by_role("group", name="Step 1.then.2", exact=True)
    await update.get_by_label("Action", exact=True).select_option(label="Update profile")
    await update.get_by_label("Property 1", exact=True).fill("stage")
    await update.get_by_label("Value 1", exact=True).fill("customer")
    await update.get_by_role("button", name="Add property", exact=True).click()
    await update.get_by_label("Property 2", exact=True).fill("score")
    await update.get_by_label("Value 2", exact=True).fill("10")
    # The update belongs first: moving it renumbers both nested steps.
    await update.get_by_role("button", name="Move up", exact=True).click()
    await expect(page.get_by_role("group", name="Step 1.then.1", exact=True)).to_contain_text(
        "Property 1"
    )

    await branch.get_by_role("button", name="Add step to Else of Step 1", exact=True).click()
    call = page.get_by_role("group", name="Step 1.else.1", exact=True)
    await call.get_by_label("Action", exact=True).select_option(label="HTTP call")
    await call.get_by_label("URL", exact=True).fill("crm.example/no-scheme")

    await page.get_by_text("More options", exact=True).click()
    await page.get_by_label("Only send inside a send window", exact=True).check()
    await page.get_by_label("Saturday", exact=True).check()
    await page.get_by_label("Window start", exact=True).fill("08:30")
    await page.get_by_label("Window end", exact=True).fill("20:00")
    await page.get_by_label("Default time zone", exact=True).fill("Europe/Amsterdam")
    await page.get_by_label(
        "Ignore the email frequency cap (transactional mail)", exact=True
    ).check()
    await screenshots(page, "workflow-form-branch")

    await page.get_by_role("button", name="Save", exact=True).click()
    # A nested error (["steps", 0, "else", 0, "url"]) lands next to the nested field.
    call = page.get_by_role("group", name="Step 1.else.1", exact=True)
    url = call.get_by_label("URL", exact=True)
    await expect(call.locator(".error")).to_contain_text("starts with https:// or http://")
    await expect(url).to_have_value("crm.example/no-scheme")
    await expect(
        page.get_by_role("group", name="Step 1.then.2", exact=True).get_by_label(
            "Timeout", exact=True
        )
    ).to_have_value("3 days")
    await url.fill(live.flowline.http_target.url("/crm/lost-lead"))
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/workflows/\d+$"))
    workflow_id = int(page.url.rsplit("/", 1)[1])

    saved = (await api.api.get(f"/v1/workflows/{workflow_id}")).json()
    assert saved["steps"] == [
        {
            "type": "branch",
            "condition": RULE,
            "then": [
                {"type": "update_profile", "properties": {"stage": "customer", "score": 10}},
                {
                    "type": "wait_for_event",
                    "event": "purchase",
                    "filter": {"property": "plan", "value": "pro"},
                    "timeout": "PT259200S",
                    "on_timeout": "exit",
                },
            ],
            "else": [
                {
                    "type": "http_call",
                    "method": "POST",
                    "url": live.flowline.http_target.url("/crm/lost-lead"),
                    "headers": {},
                    "body": None,
                    "timeout": "PT10S",
                    "on_failure": "continue",
                }
            ],
        }
    ]
    assert saved["send_window"] == {
        "days": ["mon", "tue", "wed", "thu", "fri", "sat"],
        "start": "08:30",
        "end": "20:00",
        "timezone_property": "timezone",
        "default_timezone": "Europe/Amsterdam",
    }
    assert saved["ignore_frequency_cap"] is True
    # The funnel names nested steps by their path, in the same words as the form.
    await expect(page.locator(".funnel")).to_contain_text("Step 1.then.2 · Wait for event")

    # The edit page shows the saved definition; saving it unchanged keeps it exactly.
    await page.get_by_role("link", name="Edit", exact=True).click()
    nested = page.get_by_role("group", name="Step 1.then.2", exact=True)
    await expect(nested.get_by_label("Timeout", exact=True)).to_have_value("3 days")
    await screenshots(page, "workflow-edit")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page).to_have_url(re.compile(rf"/workflows/{workflow_id}$"))
    again = (await api.api.get(f"/v1/workflows/{workflow_id}")).json()
    assert again["version"] == 2
    assert again["steps"] == saved["steps"]
    assert again["send_window"] == saved["send_window"]


async def test_a_step_inside_three_branches_cannot_branch_again(
    page: Page, live: LiveFlowline
) -> None:
    await sign_in(page, live)
    await page.get_by_role("link", name="Add", exact=True).click()
    await page.get_by_role("button", name="Add step", exact=True).click()
    path = "Step 1"
    for _ in range(3):
        step = page.get_by_role("group", name=path, exact=True)
        action = step.get_by_label("Action", exact=True)
        await expect(action.locator("option", has_text="Branch")).to_be_enabled()
        await action.select_option(label="Branch")
        await step.get_by_role("button", name=f"Add step to Then of {path}", exact=True).click()
        path += ".then.1"
    deepest = page.get_by_role("group", name=path, exact=True)
    await expect(
        deepest.get_by_label("Action", exact=True).locator("option", has_text="Branch")
    ).to_be_disabled()
