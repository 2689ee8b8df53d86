"""The first step types: wait, send an email, call HTTP. The union of all is in `step_tree`."""

import re
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, JsonValue, WithJsonSchema, field_validator

from flowline.definitions.durations import PositiveDuration, duration_schema
from flowline.definitions.http_headers import HEADERS_SCHEMA, header_name
from flowline.definitions.identifiers import Id
from flowline.definitions.triggers import NonEmptyStr, StrictModel

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
TAG_PATTERN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
# Errors on a name carry the header's path (`steps.2.headers.Bad Name`).
HeaderName = Annotated[str, AfterValidator(header_name)]
MAX_HTTP_TIMEOUT = timedelta(minutes=5)


class WaitStep(StrictModel):
    type: Literal["wait"]
    duration: PositiveDuration


class MergeTagMapping(StrictModel):
    """Where a campaign merge tag takes its value: a profile property, else the default.

    A default of a single space means "blank": the tag renders as an empty string.
    """

    property: NonEmptyStr
    default: str = ""


# Written in place rather than as a `$ref`: schemathesis 4.32 cannot generate negative cases
# for a `$ref` under `additionalProperties` inside the step union. The same schema either way.
_MERGE_TAGS_SCHEMA = WithJsonSchema(
    {"type": "object", "additionalProperties": MergeTagMapping.model_json_schema()}
)


class SendEmailStep(StrictModel):
    type: Literal["send_email"]
    campaign_id: Id
    email_property: NonEmptyStr = "email"
    merge_tags: Annotated[dict[str, MergeTagMapping], _MERGE_TAGS_SCHEMA] = Field(
        default_factory=dict
    )


class HttpCallStep(StrictModel):
    type: Literal["http_call"]
    method: str = "POST"
    url: str = Field(
        # Implied by the check below: an absolute http(s) URL, merge tags allowed.
        json_schema_extra={"pattern": "^\\s*[Hh][Tt][Tt][Pp][Ss]?://"}
    )
    # Names Flowline keeps for itself are refused at save (http_headers.refused_header).
    headers: Annotated[dict[HeaderName, str], HEADERS_SCHEMA] = Field(default_factory=dict)
    body: JsonValue = None
    timeout: Annotated[PositiveDuration, duration_schema(MAX_HTTP_TIMEOUT)] = timedelta(seconds=10)
    on_failure: Literal["continue", "exit"] = "continue"

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        method = value.strip().upper()
        if method not in HTTP_METHODS:
            raise ValueError("Choose a method: GET, POST, PUT, PATCH or DELETE.")
        return method

    @field_validator("url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        # Merge tags may stand anywhere in the URL: they must parse, and the URL's shape is
        # checked with them filled in.
        from flowline.definitions.templates import TemplateError, merge_tags_in  # noqa: PLC0415

        try:
            merge_tags_in(value)
        except TemplateError as error:
            raise ValueError(error.in_words("The URL")) from None
        probe = TAG_PATTERN.sub("x", value.strip())
        try:
            parts = urlsplit(probe)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError as error:
            raise ValueError(f"Enter a URL that can be read ({error}).") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "Enter a URL that starts with https:// or http://, such as https://example.com/hook."
            )
        # urlsplit silently drops tabs and line breaks: refuse any whitespace or control character.
        if any(c.isspace() or not c.isprintable() for c in probe):
            raise ValueError(
                "Remove the spaces and line breaks from the URL (write %20 for a space)."
            )
        return value.strip()

    @field_validator("timeout")
    @classmethod
    def _bounded_timeout(cls, value: timedelta) -> timedelta:
        if value > MAX_HTTP_TIMEOUT:
            raise ValueError("Enter a timeout of at most 5 minutes.")
        return value
