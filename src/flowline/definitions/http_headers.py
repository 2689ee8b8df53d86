"""Which headers an HTTP step may set: the name's syntax, and the names Flowline keeps for itself.

The syntax is part of the step model: a stored definition always has it. The refused names are
checked when a workflow is saved or enabled (`refused_header`), not by the model: a definition
stored before a name was refused must still load (running enrollments, the list of workflows),
and the worker refuses such a header when it would send it.
"""

import re

from pydantic import WithJsonSchema

HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")  # \Z: $ would allow a trailing \n
# Set by Flowline on every request, in their normal form (lower case, "-" for "_").
RESERVED_HEADERS = ("idempotency-key", "host", "content-length")
# Hop-by-hop and framing headers: how the request travels is ours to decide. A second framing
# header beside our Content-Length lets the target read a different body than the one we sent.
CONNECTION_HEADERS = ("transfer-encoding", "connection", "te", "upgrade", "keep-alive", "trailer")
PROXY_PREFIX = "proxy-"


def normal_name(name: str) -> str:
    # Many servers (CGI, WSGI, nginx with underscores_in_headers) read "_" as "-".
    return name.lower().replace("_", "-")


def refused_header(name: str) -> str | None:
    """Why a step may not set this header, in words; None when it may."""
    normal = normal_name(name)
    if normal in RESERVED_HEADERS:
        canonical = "-".join(part.capitalize() for part in normal.split("-"))
        read_as = f" (servers read it as {canonical})" if "_" in name else ""
        return f"{name} is set by Flowline{read_as} and cannot be overridden"
    if normal in CONNECTION_HEADERS or normal.startswith(PROXY_PREFIX):
        return (
            f"{name} cannot be set on an HTTP step: it controls how the request travels "
            "(connection, framing or proxy), which Flowline decides"
        )
    return None


def header_name(name: str) -> str:
    if not HEADER_NAME.match(name):
        raise ValueError(f"Use a header name of letters, digits and dashes: {name!r} is not one.")
    return name


def _any_spelling(word: str) -> str:
    # Any case, "_" for "-" (ECMA-262: a class of letters or of "-" and "_").
    return "".join(
        f"[{c.upper()}{c.lower()}]" if c.isalpha() else "[-_]" if c == "-" else c for c in word
    )


_REFUSED_PATTERN = (
    "^("
    + "|".join(_any_spelling(h) for h in (*RESERVED_HEADERS, *CONNECTION_HEADERS))
    + "|"
    + _any_spelling(PROXY_PREFIX)
    + ".*)$"
)
# What the API accepts (ECMA-262 has no \Z; its $ allows no trailing \n).
HEADERS_SCHEMA = WithJsonSchema(
    {
        "type": "object",
        "propertyNames": {
            "pattern": HEADER_NAME.pattern.removesuffix("\\Z") + "$",
            "not": {"pattern": _REFUSED_PATTERN},
        },
        "additionalProperties": {"type": "string"},
    }
)
