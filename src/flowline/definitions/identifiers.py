"""Ids as the API accepts them: database ids are positive 64-bit integers, profile ids are text.

The limits are stated in the types, so the OpenAPI document says exactly what is refused (422):
an id above 2**63 - 1 never reaches the database, which could not bind it.
"""

from typing import Annotated

from pydantic import Field, Strict

MAX_ID = 2**63 - 1
"""The largest value of a BIGINT column: no database id is above it."""

# Strict: `"5"` or `5.0` is not an id (the document says integer).
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]

MAX_PROFILE_ID = 255
# No control characters (C0, DEL, C1) and at least one character that is not white space.
# Written for ECMA-262, Python and Rust regular expressions alike (no look-arounds).
_VISIBLE = r"[^\x00-\x1f\x7f-\x9f]"
PRINTABLE_TEXT = rf"^{_VISIBLE}*[^\s\x00-\x1f\x7f-\x9f]{_VISIBLE}*$"

PROFILE_ID_DESCRIPTION = (
    "The profile's external id: 1 to 255 characters, no control characters, not only white space."
)
ProfileId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_PROFILE_ID,
        pattern=PRINTABLE_TEXT,
        description=PROFILE_ID_DESCRIPTION,
    ),
]
