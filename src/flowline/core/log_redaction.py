"""Personal data kept out of every log line, whichever library wrote it.

What can carry it, and what a line keeps instead:
- a request path of the API or the UI (uvicorn's access log): no query string; a profile id
  (`/v1/profiles/<redacted>`, `/profiles/<redacted>`) or a link's token (`/u/<token>`,
  `/set-password/<token>`) replaced;
- a URL anywhere in a message (an HTTP step's target, quoted by httpx or an exception): scheme,
  host and path, never the query string or fragment;
- an enrollment's Temporal workflow id (`enroll:{workflow}:{profile}`), which Temporal's own lines
  quote: `enroll:{workflow}:<redacted>` (the run id, logged beside it, still finds the execution);
- an email address, plain or percent-encoded, wherever it appears: `<address>`.

Bodies (an HTTP target's answer) are never put into a message in the first place
(worker/activities/http.py); this is the net for what a library or an exception says.
"""

import logging
import re

REDACTED = "<redacted>"
_TOKEN = "<token>"
_ADDRESS = "<address>"

# A request path as uvicorn logs it (percent-encoded, maybe with a query string).
_QUERY = re.compile(r"[?#].*", re.DOTALL)
_PROFILE_PATH = re.compile(r"(/profiles/).+", re.DOTALL)
_LINK_PATH = re.compile(r"^(/[uco]/).+", re.DOTALL)
# A one-time link that sets a password, in a path or in a URL in free text.
_PASSWORD_LINK = re.compile(r"(/set-password/)[^\s/?#'\"<>]+")
# A URL in free text ends at whitespace or a quote (a match never fails once started, so a
# line is scanned once).
_URL = re.compile(r"""https?://[^\s'"<>]*""")
# Quoted as Python's repr quotes a str (a dict of Temporal's details), or bare up to the words
# Temporal's messages put after it.
_WORKFLOW_ID_QUOTED = re.compile(r"""(['"])(enroll:\d+:)(?:\\.|(?!\1).)*\1""")
_WORKFLOW_ID_BARE = re.compile(r"(enroll:\d+:)(?!<redacted>).*?(?=\s+and run ID|, run: |\n|$)")
# Parts bounded by RFC 5321's lengths, so a long run of letters (a token) is scanned in linear
# time.
_EMAIL = re.compile(
    r"[\w.!#$%&*+/=^`{|}~-]{1,64}(?:@|%40)[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[A-Za-z]{2,24}"
)


# Pages under /profiles/ whose path names no profile (the id travels in the form body).
_PROFILE_PAGES = frozenset({"/profiles/erase"})


def redact_path(path: str) -> str:
    """A request path fit for the access log."""
    path = _QUERY.sub("", path)
    if path in _PROFILE_PAGES:
        return path
    path = _LINK_PATH.sub(lambda m: m.group(1) + _TOKEN, path)
    path = _PASSWORD_LINK.sub(lambda m: m.group(1) + _TOKEN, path)
    return _PROFILE_PATH.sub(lambda m: m.group(1) + REDACTED, path)


def redact(text: str) -> str:
    """Free text (a message, a traceback) with URLs, workflow ids and addresses cut down."""
    text = _URL.sub(lambda m: _QUERY.sub("", m.group()), text)
    text = _PASSWORD_LINK.sub(lambda m: m.group(1) + _TOKEN, text)
    text = _WORKFLOW_ID_QUOTED.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(1)}", text
    )
    text = _WORKFLOW_ID_BARE.sub(lambda m: m.group(1) + REDACTED, text)
    return _EMAIL.sub(_ADDRESS, text)


def redact_workflow_id(workflow_id: str) -> str:
    """`enroll:{workflow}:{profile}` → `enroll:{workflow}:<redacted>`; other ids as they are."""
    kind, _, rest = workflow_id.partition(":")
    number, _, _ = rest.partition(":")
    return f"{kind}:{number}:{REDACTED}" if kind == "enroll" else workflow_id


class RedactPersonalData(logging.Filter):
    """Rewrites each record before any handler formats it (installed on every handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # (client, method, path with query, HTTP version, status): uvicorn's formatter
            # reads them by position, so they stay a tuple.
            args = list(record.args)
            if len(args) == 5 and isinstance(args[2], str):
                args[2] = redact_path(args[2])
                record.args = tuple(args)
                return True
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
