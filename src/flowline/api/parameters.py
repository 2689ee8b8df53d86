"""Path and query parameters with the limits the OpenAPI document states (422 beyond them)."""

from typing import Annotated

from fastapi import Path, Query

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
ProfileIdInPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_PROFILE_ID,
        pattern=PRINTABLE_TEXT,
        description=PROFILE_ID_DESCRIPTION,
    ),
]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]
