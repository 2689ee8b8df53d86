"""One e-mail address as Flowline sends to it: what the worker and a test send both accept."""

import re
from typing import Any

# The "valid e-mail address" of the HTML standard (what a browser's email field accepts): one
# dot-atom mailbox. No display name, no list, no comment, no quotes, no whitespace anywhere.
_MAILBOX = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_MAX_ADDRESS = 254  # RFC 5321's limit on a forward path


def single_mailbox(value: Any) -> str | None:
    """The address if `value` is exactly one mailbox, else None.

    Surrounding spaces are forgiven; a line break anywhere is not (it would start a header).
    """
    if not isinstance(value, str) or "\r" in value or "\n" in value:
        return None
    address = value.strip(" \t")
    if len(address) > _MAX_ADDRESS or not _MAILBOX.fullmatch(address):
        return None
    return address
