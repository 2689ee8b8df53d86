"""Machine opens and clicks: too soon after the send, or a known prefetching agent."""

from datetime import UTC, datetime, timedelta

import pytest

from flowline.definitions.prefetching_agents import machine_agent, made_by_machine

SENT = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15"


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0",  # Apple Mail Privacy Protection
        "",
        None,
        "Mozilla/5.0 (compatible; BingPreview/1.0b)",
        "Microsoft Office Existence Discovery",
        "Barracuda Sentinel (EE)",
        "Mimecast-URL-Protect",
        "proofpoint url defense",
        "python-requests/2.31",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    ],
)
def test_prefetching_agents_and_scanners_are_machines(agent: str | None) -> None:
    assert machine_agent(agent)


@pytest.mark.parametrize(
    "agent",
    [
        BROWSER,
        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
        "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)",
    ],
)
def test_mailbox_proxies_that_fetch_on_open_are_people(agent: str) -> None:
    assert not machine_agent(agent)


def test_within_two_seconds_of_the_send_is_a_machine_whatever_the_agent() -> None:
    assert made_by_machine(BROWSER, SENT, SENT + timedelta(seconds=1.9))
    assert not made_by_machine(BROWSER, SENT, SENT + timedelta(seconds=2))
    assert made_by_machine("Mozilla/5.0", SENT, SENT + timedelta(hours=1))
    assert not made_by_machine(BROWSER, None, SENT)
