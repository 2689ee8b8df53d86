"""Which opens and clicks a machine made: a mail privacy proxy, a link scanner, a preview bot.

They are recorded with `machine: true` and left out of the unique human rates. The rule:
- within `MACHINE_SECONDS` of the send (no person opens and clicks that fast; scanners do, as
  the mail arrives);
- or a User-Agent that is empty, that is exactly `Mozilla/5.0` (Apple Mail Privacy Protection's
  proxy, which fetches every image of the mail when it is delivered, says nothing more), or
  that contains one of `MACHINE_AGENTS` (case ignored).

Not listed on purpose: Gmail's `GoogleImageProxy` and Yahoo's `YahooMailProxy`, which fetch the
images when the person opens the mail (they are how those mailboxes' real opens arrive), and a
plain `Microsoft Office` agent, which is Outlook on the desktop showing the mail to its reader.
"""

from datetime import datetime, timedelta

MACHINE_SECONDS = 2.0
APPLE_PRIVACY_PROXY = "Mozilla/5.0"
MACHINE_AGENTS = (
    # Link scanners of mail security gateways.
    "Barracuda",
    "Mimecast",
    "Proofpoint",
    "Symantec",
    "MessageLabs",
    "Trend Micro",
    "Forcepoint",
    "Sophos",
    # Microsoft: Safe Links' existence check, Bing's preview of a link.
    "Microsoft Office Existence Discovery",
    "BingPreview",
    # Previews of a forwarded link in chat and social apps, and search crawlers.
    "Googlebot",
    "bingbot",
    "Slackbot",
    "facebookexternalhit",
    "LinkedInBot",
    "Twitterbot",
    "WhatsApp",
    "TelegramBot",
    "Discordbot",
    "SkypeUriPreview",
    # Scripts and headless browsers.
    "python-requests",
    "python-httpx",
    "aiohttp",
    "curl/",
    "Wget/",
    "Go-http-client",
    "okhttp",
    "libwww-perl",
    "HeadlessChrome",
)
_LOWER = tuple(agent.lower() for agent in MACHINE_AGENTS)


def machine_agent(user_agent: str | None) -> bool:
    """Whether the User-Agent is one of a prefetching agent, a scanner or a bot."""
    agent = (user_agent or "").strip()
    if not agent or agent == APPLE_PRIVACY_PROXY:
        return True
    lower = agent.lower()
    return any(name in lower for name in _LOWER)


def made_by_machine(user_agent: str | None, sent_at: datetime | None, at: datetime) -> bool:
    """The rule above: too soon after the send, or a machine's User-Agent."""
    soon = sent_at is not None and at - sent_at < timedelta(seconds=MACHINE_SECONDS)
    return soon or machine_agent(user_agent)
