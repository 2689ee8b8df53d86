"""No log line of the API or the worker holds a profile's address, its id or its link token.

An enrollment calls an HTTP target with the address in the URL's query, a header and the body
(the target answers 503 with the body it was sent, then 200), then mails the address; the
profile is read and updated through the API by its id, its unsubscribe link is visited, and
the profile is erased. Then every line every process wrote is searched.
"""

import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

import pytest

from testkit.http_target import HttpTarget
from tests.api.steps import email_step
from tests.faults.stack import Launch

pytestmark = pytest.mark.slow

UNSUBSCRIBE_HTML = '<p>Hello {{ first_name }}</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>'


def every_line(log_dir: Path, *names: str) -> list[tuple[str, str]]:
    """(file, line) of everything the named processes wrote, stdout and stderr, every start."""
    lines = []
    for path in sorted(log_dir.iterdir()):
        if path.name.split(".")[0] in names:
            lines += [(path.name, line) for line in path.read_text(errors="replace").splitlines()]
    return lines


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_logs_of_every_process_hold_no_address_profile_id_or_token(
    launch: Launch, http_target: HttpTarget, log_format: str
) -> None:
    unique = uuid.uuid4().hex[:10]
    address = f"erase.me.{unique}@example.test"
    profile_id = f"subject-{unique}"
    http_target.script("/erase", [503, 200])
    http_target.echo("/erase")

    async with launch(log_format=log_format) as stack:
        flowline = stack.flowline
        campaign = await flowline.campaign(html=UNSUBSCRIBE_HTML, text=None)
        http_call = {
            "type": "http_call",
            "method": "POST",
            "url": http_target.url("/erase?e={{ email }}&p={{ profile_id }}"),
            "headers": {"X-Subject": "{{ email }}"},
            "body": {"email": "{{ email }}", "profile": "{{ profile_id }}"},
        }
        workflow = await flowline.workflow(
            consent_property="email_optin", steps=[http_call, email_step(campaign["id"])]
        )
        await flowline.profile(profile_id, email=address, first_name="Erin", email_optin=True)
        await flowline.event(profile_id, "registered")

        [enrollment] = await stack.all_ended(workflow["id"], 1, timeout=60)
        assert enrollment["status"] == "completed", enrollment
        [first, second] = http_target.to("/erase")
        assert address in first.headers["X-Subject"] and address in second.body.decode()
        [message] = await flowline.mailbox.wait_for(1)
        assert address in str(message["To"])
        token_path = urlsplit(str(message["List-Unsubscribe"])[1:-1]).path
        token = token_path.removeprefix("/u/")

        api = flowline.api
        assert (await api.get(f"/v1/profiles/{profile_id}")).status_code == 200
        assert (await api.get(f"/v1/enrollments?profile_id={profile_id}")).status_code < 500
        assert (await api.get(f"/profiles?id={quote(address)}")).status_code < 500
        assert (await api.get(f"/profiles/{profile_id}")).status_code < 500
        assert (await api.get(token_path, headers={"Authorization": ""})).status_code == 200
        clicked = await api.post(
            token_path,
            content="List-Unsubscribe=One-Click",
            headers={"Authorization": "", "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert clicked.status_code == 200
        assert (await api.delete(f"/v1/profiles/{profile_id}")).status_code in (200, 202, 204)

    lines = every_line(stack.processes.log_dir, "api-1", "worker-1")
    secrets = {
        "address": address,
        "encoded address": quote(address, safe=""),
        "form-encoded address": quote_plus(address),
        "profile id": profile_id,
        "unsubscribe token": token,
    }
    found = [
        f"{what} in {file}: {line}"
        for file, line in lines
        for what, secret in secrets.items()
        if secret in line
    ]
    assert not found, "\n".join(found)
    # The lines were there to search: the access log, and the retry after the target's 503.
    text = "\n".join(line for _, line in lines)
    assert "/v1/profiles/<redacted>" in text and "/u/<token>" in text
    assert "HTTP 503" in text and "enroll:1:<redacted>" in text
