"""People and roles in the browser: an admin invites by email, the invitees set a password
through the mailed link and sign in; an editor builds a workflow, a viewer sees it with no way
to change it (and a forged POST from their session gets 403); disabling the editor ends their
open session."""

import re

from playwright.async_api import Browser, Page, expect

from flowline.core.captured_mail import read_captured_mail
from testkit.eventually import eventually
from tests.support.browser import LiveFlowline, screenshots, sign_in
from tests.web.user_accounts import link_in

PASSWORDS = {"ed@example.com": "editor passphrase 1", "vi@example.com": "viewer passphrase 2"}


async def _invite(page: Page, live: LiveFlowline, email: str, role: str) -> str:
    """Invite from Settings → Users; the path of the link the mail carries."""
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Role", exact=True).select_option(role)
    await page.get_by_role("button", name="Invite", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {email}")

    def mailed() -> str | None:
        for message in read_captured_mail(live.outbox_dir):
            if message["to"] == email and message["text"]:
                return link_in(message["text"])
        return None

    link = await eventually(mailed, 30, f"the invitation to {email}")
    return re.sub(r"^https?://[^/]+", "", link)


async def _accept(browser: Browser, live: LiveFlowline, path: str, email: str) -> Page:
    """A browser of its own: set the password through the link, then sign in with it."""
    page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    await page.goto(live.url + path)
    await page.get_by_label("Password", exact=True).fill(PASSWORDS[email])
    await page.get_by_label("Repeat password", exact=True).fill(PASSWORDS[email])
    await page.get_by_role("button", name="Set password", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Your password is set: sign in with it.")
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORDS[email])
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
    return page


async def test_invited_editor_builds_a_workflow_a_viewer_only_reads_it(
    page: Page, browser: Browser, live: LiveFlowline
) -> None:
    await sign_in(page, live)  # nobody has an account yet: the admin key opens the first door
    await page.get_by_role("link", name="Settings", exact=True).click()
    await page.get_by_role("link", name="Users", exact=True).click()
    await screenshots(page, "users-empty")
    editor_link = await _invite(page, live, "ed@example.com", "editor")
    viewer_link = await _invite(page, live, "vi@example.com", "viewer")
    await screenshots(page, "users-invited")

    editor = await _accept(browser, live, editor_link, "ed@example.com")
    await editor.get_by_role("link", name="Add", exact=True).click()
    await editor.get_by_label("Name", exact=True).fill("Signup follow-up")
    await editor.get_by_label("When", exact=True).select_option(label="Event is added")
    await editor.get_by_label("Event type", exact=True).fill("signup")
    await editor.get_by_label("Consent", exact=True).select_option(label="-")
    await editor.get_by_role("button", name="Add step", exact=True).click()
    step = editor.get_by_role("group", name="Step 1", exact=True)
    await step.get_by_label("Action", exact=True).select_option(label="Wait")
    await step.get_by_label("Duration", exact=True).fill("1 day")
    await editor.get_by_role("button", name="Save", exact=True).click()
    await expect(editor.get_by_role("heading", name="Signup follow-up")).to_be_visible()

    viewer = await _accept(browser, live, viewer_link, "vi@example.com")
    await expect(viewer.get_by_role("link", name="Signup follow-up")).to_be_visible()
    await expect(viewer.get_by_role("link", name="Add", exact=True)).to_have_count(0)
    await expect(viewer.get_by_role("switch", name="Enabled")).to_have_count(0)
    await screenshots(viewer, "workflows-viewer")
    await viewer.get_by_role("link", name="Signup follow-up").click()
    for name in ("Delete", "Duplicate", "Edit", "Enroll"):
        await expect(viewer.get_by_role("button", name=name, exact=True)).to_have_count(0)
    await viewer.get_by_role("link", name="View the form", exact=True).click()
    await expect(viewer.get_by_label("Name", exact=True)).to_have_value("Signup follow-up")
    await expect(viewer.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    csrf = await viewer.locator('meta[name="csrf-token"]').get_attribute("content")
    workflow_id = re.search(r"/workflows/(\d+)/edit", viewer.url).group(1)  # type: ignore[union-attr]
    forged = await viewer.request.post(
        f"{live.url}/workflows/{workflow_id}/delete", form={"csrf_token": csrf or ""}
    )
    assert forged.status == 403
    workflows = (await live.flowline.api.get("/v1/workflows")).json()
    assert [w["name"] for w in workflows] == ["Signup follow-up"]

    await page.get_by_role("button", name="Sign out", exact=True).click()
    await sign_in(page, live)  # users exist now: the key's form is folded, and still works
    await page.goto(live.url + "/settings/users")
    await page.get_by_role("button", name="Disable ed@example.com", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text(
        "User disabled: their sessions have ended."
    )
    await editor.goto(live.url + "/workflows")
    await expect(editor).to_have_url(re.compile(r"/sign-in"))
    await screenshots(editor, "sign-in-users")
    await editor.context.close()
    await viewer.context.close()


async def test_five_wrong_passwords_lock_any_address_and_forgot_password_resets_once(
    page: Page, live: LiveFlowline
) -> None:
    created = await live.flowline.api.post(
        "/v1/users", json={"email": "ann@example.com", "role": "viewer"}
    )
    await page.goto(re.sub(r"^https?://[^/]+", live.url, created.json()["set_password_url"]))
    await page.get_by_label("Password", exact=True).fill("the first passphrase")
    await page.get_by_label("Repeat password", exact=True).fill("the first passphrase")
    await page.get_by_role("button", name="Set password", exact=True).click()

    said = {}
    for email in ("ann@example.com", "nobody@example.com"):
        for _ in range(6):
            await page.get_by_label("Email", exact=True).fill(email)
            await page.get_by_label("Password", exact=True).fill("not my password")
            await page.get_by_role("button", name="Sign in", exact=True).click()
        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text("Too many failed sign-ins for this address")
        said[email] = await alert.inner_text()
    assert said["ann@example.com"] == said["nobody@example.com"]
    await screenshots(page, "sign-in-locked")

    await page.get_by_role("link", name="Forgot password?", exact=True).click()
    await page.get_by_label("Email", exact=True).fill("ann@example.com")
    await page.get_by_role("button", name="Send reset link", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("If ann@example.com has an account")

    def mailed() -> str | None:
        for message in read_captured_mail(live.outbox_dir):
            if message["subject"] == "Reset your Flowline password" and message["text"]:
                return link_in(message["text"])
        return None

    link = re.sub(r"^https?://[^/]+", live.url, await eventually(mailed, 30, "the reset mail"))
    await page.goto(link)
    await page.get_by_label("Password", exact=True).fill("the second passphrase")
    await page.get_by_label("Repeat password", exact=True).fill("the second passphrase")
    await page.get_by_role("button", name="Set password", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Your password is set: sign in with it.")
    await page.get_by_label("Email", exact=True).fill("ann@example.com")
    await page.get_by_label("Password", exact=True).fill("the second passphrase")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
    await page.goto(link)
    await expect(page.get_by_role("alert")).to_contain_text("was used already or it expired")
    await expect(page.get_by_role("button", name="Set password")).to_have_count(0)
