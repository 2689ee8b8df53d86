"""What a person sees when a form is refused: words that say what to do, next to the field.

One sweep puts bad text into every field of the workflow (a step of every kind), campaign,
segment and settings forms and reads every message shown; then each refusal made at save time
(broken merge tag, private address, exit without a goal, no steps, no consent choice, a campaign
an enabled workflow sends) is found next to its field.
"""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from flowline.app import create_app
from tests.support.browser import LiveFlowline, sign_in
from tests.support.live_server import serving

JARGON = ("Input should", "String should", "valid integer", "timedelta", "pattern", "Value error")
BAD_TEXTS = ["", "   ", "x", "3 fortnights", "{{ }"]
ACTIONS = ["Wait", "Wait for event", "HTTP call", "Send email", "Update profile", "Branch"]
FILL_EVERY_FIELD = """([selector, text]) => {
  const form = document.querySelector(selector);
  form.noValidate = true;  // what the server says, past the browser's own checks
  for (const field of form.querySelectorAll(
      'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea')) {
    field.value = field.type === 'number' ? '-1' : text;
  }
}"""


async def _shown_messages(page: Page) -> list[str]:
    await expect(page.locator(".field.has-error .error").first).to_be_visible()
    return await page.locator(".error, .error-summary li").all_inner_texts()


async def _refused_in_words(page: Page, form: str, save: str, tick: str | None = None) -> list[str]:
    messages: list[str] = []
    for text in BAD_TEXTS:
        if tick is not None:
            await page.get_by_label(tick, exact=True).check()
        await page.evaluate(FILL_EVERY_FIELD, [form, text])
        await page.get_by_role("button", name=save, exact=True).click()
        shown = await _shown_messages(page)
        messages += shown
        jargon = [m for m in shown if any(word in m for word in JARGON)]
        assert not jargon, (form, text, jargon)
    return messages


async def _workflow_form_with_every_step(page: Page, live: LiveFlowline) -> None:
    await page.goto(live.url + "/workflows/new")
    for number, action in enumerate(ACTIONS, start=1):
        await page.get_by_role("button", name="Add step", exact=True).last.click()
        step = page.get_by_role("group", name=f"Step {number}", exact=True)
        await step.get_by_label("Action", exact=True).select_option(label=action)
    await page.get_by_label("Filter specific property", exact=True).check()
    await page.get_by_label("Goal", exact=True).select_option(label="Event")


async def test_every_form_refuses_bad_input_in_words(page: Page, live: LiveFlowline) -> None:
    await sign_in(page, live)
    await _workflow_form_with_every_step(page, live)
    messages = await _refused_in_words(page, "form.workflow-form, form[data-workflow-form]", "Save")
    assert "Enter a name." in messages
    assert "Choose a consent property, or - to ignore consent." in messages
    assert any("Enter a duration" in m for m in messages), messages

    await page.goto(live.url + "/campaigns/new")
    messages = await _refused_in_words(page, "form[data-campaign-form]", "Save")
    assert "Enter a name." in messages and "Enter a subject." in messages

    await page.goto(live.url + "/segments/new")
    await _refused_in_words(page, "form[data-segment-form]", "Save")

    await page.goto(live.url + "/settings")
    messages = await _refused_in_words(
        page,
        "form[action='/settings/frequency-cap']",
        "Save frequency cap",
        tick="Limit workflow emails per profile",
    )
    assert any("duration" in m for m in messages), messages


@pytest.fixture
async def strict(live: LiveFlowline) -> AsyncIterator[LiveFlowline]:
    """The same product, as installed by default: HTTP steps may not reach private networks."""
    flowline = live.flowline
    settings = flowline.settings.model_copy(update={"http_allow_private_networks": False})
    app = create_app(settings, engine=flowline.engine, temporal_client=flowline.temporal)
    async with serving(app) as url:
        yield LiveFlowline(url, flowline, live.outbox_dir)


async def test_each_save_time_refusal_shows_next_to_its_field(
    page: Page, strict: LiveFlowline
) -> None:
    await sign_in(page, strict)
    await page.goto(strict.url + "/workflows/new")
    await page.get_by_label("Name", exact=True).fill("Ticket nudges")
    await page.get_by_label("Event type", exact=True).fill("registered")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator("#f-consent_property-err")).to_have_text(
        "Choose a consent property, or - to ignore consent."
    )
    await expect(page.locator("#f-steps-err")).to_have_text(
        "Add at least one step: a workflow without steps does nothing."
    )

    await page.get_by_label("Consent", exact=True).select_option(label="-")
    await page.get_by_label("Stop the workflow when the goal is reached", exact=True).check()
    await page.get_by_role("button", name="Add step", exact=True).click()
    call = page.get_by_role("group", name="Step 1", exact=True)
    await call.get_by_label("Action", exact=True).select_option(label="HTTP call")
    await call.get_by_label("URL", exact=True).fill("http://169.254.169.254/latest/meta-data")
    await call.get_by_label("Body", exact=True).fill('{"profile": "{{ profile_id }"}')
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator("#f-steps-0-body-err")).to_have_text(
        "The body has a broken merge tag on line 1: '}' without '{{'."
    )
    await expect(page.locator("#f-steps-0-url-err")).to_contain_text("private address")
    await expect(page.locator("#f-exit_on_goal-err")).to_contain_text("Choose a goal")
    await expect(page.get_by_label("Body", exact=True)).to_have_value(
        '{"profile": "{{ profile_id }"}'
    )

    api = strict.flowline
    campaign = await api.campaign(
        name="Ticket reminder", subject="Tickets", html="<p>Tickets</p>", text=None
    )
    step = {"type": "send_email", "campaign_id": campaign["id"], "merge_tags": {}}
    await api.workflow(name="Nudges", steps=[step])
    await page.goto(f"{strict.url}/campaigns/{campaign['id']}")
    await page.get_by_label("Status", exact=True).select_option(label="Draft")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator("#f-status-err")).to_contain_text("“Nudges”")
    await expect(page.locator("#f-status-err")).to_contain_text("cannot be made a draft")
