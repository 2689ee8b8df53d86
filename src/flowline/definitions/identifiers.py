"""Ids as the API accepts them: database ids are positive integers, profile ids are text.

The limits are stated in the types, so the OpenAPI document says exactly what is refused (422):
an id the id columns cannot hold never reaches the database, which would fail to bind it.
"""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError

MAX_ID = 2**63 - 1
"""The largest id (a positive 64-bit integer): the id columns are BIGINT on PostgreSQL."""
MAX_COUNT = 2**63 - 1
"""The largest count a definition may name (a 64-bit integer)."""


def _json_integer(value: Any) -> Any:
    # A JSON Schema integer: `5` or `5.0`, never `"5"` or `true` (which pydantic would take).
    if isinstance(value, str | bool):
        raise ValueError("must be an integer")
    return value


# The bounds before the validator: pydantic then writes them into the JSON Schema.
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_json_integer)]
PositiveCount = Annotated[int, Field(ge=1, le=MAX_COUNT), BeforeValidator(_json_integer)]

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

_PROFILE_ID = TypeAdapter(ProfileId)


def is_profile_id(text: str) -> bool:
    """Whether ingestion would take `text` as a profile id: text it refuses names no profile, and
    must not reach a query (PostgreSQL cannot even be sent U+0000)."""
    try:
        _PROFILE_ID.validate_python(text)
    except ValidationError:
        return False
    return True
