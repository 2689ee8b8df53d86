"""Path and query parameters with the limits the OpenAPI document states (422 beyond them)."""

from typing import Annotated
from urllib.parse import unquote_to_bytes

from fastapi import Depends, Path, Query, Request
from starlette.convertors import PathConvertor, register_url_convertor

from flowline.core.errors import ValidationFailed
from flowline.definitions.identifiers import (
    MAX_ID,
    MAX_PROFILE_ID,
    PRINTABLE_TEXT,
    PROFILE_ID_DESCRIPTION,
)

MAX_OFFSET = 10_000_000
"""Deeper pages are not served: a client walking that far should filter instead."""

IdInPath = Annotated[
    int, Path(ge=1, le=MAX_ID, description=f"A positive integer id, at most {MAX_ID}.")
]
PROFILE_ID_IN_PATH_DESCRIPTION = (
    f"{PROFILE_ID_DESCRIPTION} Percent-encoded as UTF-8, `/` included (`gdpr%2Fsubject`); "
    "an id that is only `.` or `..` is written `%2E` or `%2E%2E`."
)


async def _profile_id_in_path(
    request: Request,
    profile_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=MAX_PROFILE_ID,
            pattern=PRINTABLE_TEXT,
            description=PROFILE_ID_IN_PATH_DESCRIPTION,
        ),
    ],
) -> str:
    # The server decodes the path leniently (bytes that are not UTF-8 become U+FFFD): such a
    # path names no id a client could have sent in JSON, and must not erase the profile "\ufffd".
    raw_path = request.scope.get("raw_path") or b""
    try:
        unquote_to_bytes(raw_path.split(b"?", 1)[0]).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed.at(("path", "profile_id"), "must be percent-encoded UTF-8") from None
    return profile_id


class _AnyTextConvertor(PathConvertor):
    """Starlette's `path` matches `.*`, which stops at a line break: `line%0Abreak` found no route
    (404) where ingestion's rule answers 422. This one matches every character."""

    regex = r"[\s\S]*"


register_url_convertor("any_text", _AnyTextConvertor())

ProfileIdInPath = Annotated[str, Depends(_profile_id_in_path)]
"""A profile id as the last part of a path: the route declares it `{profile_id:any_text}`,
because the server decodes `%2F` before routing and an id may hold `/` or a line break."""
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]
