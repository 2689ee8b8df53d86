"""The OpenAPI document: one error schema for every error status, and the API key scheme.

Every operation declares each status it can answer (see `ApiRoute`), each error with the one
`Error` component; FastAPI's own `HTTPValidationError` never appears, since no 422 is left for
it to fill in.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from flowline.api.body_limit import MAX_BODY_BYTES
from flowline.api.strict_json import MAX_JSON_DEPTH
from flowline.definitions.identifiers import MAX_COUNT, MAX_ID

ERROR_SCHEMA = "Error"
SECURITY_SCHEME = "ApiKey"
_ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class Error(BaseModel):
    """Every error the API answers: `errors` (422 only) names each bad field by its path."""

    error: str
    detail: str
    # Absent unless 422; never null.
    errors: list[ErrorItem] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_without_default
    )


ERROR_DESCRIPTIONS = {
    400: "The request could not be read.",
    401: "No API key, or an unknown one (`WWW-Authenticate: Bearer`).",
    403: "The API key's scope does not allow this operation.",
    404: "What the path names does not exist.",
    409: "The operation conflicts with the current state (see `detail`).",
    413: f"The body is larger than {MAX_BODY_BYTES // 1024 // 1024} MiB, or a batch holds too "
    "many events.",
    422: "A parameter or the body is invalid; `errors` lists each bad field with its path.",
    503: "The database or Temporal cannot be reached; try again later (after `Retry-After` "
    "seconds when given).",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for error statuses, all with the one `Error` schema."""
    return {
        status: {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": _ERROR_REF}},
        }
        for status in statuses
    }


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its `$defs` written in place: the error schema is ONE component."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return dict(resolve(schema))


DESCRIPTION = f"""
Authenticate with `Authorization: Bearer <API key>`. Admin keys may call everything; ingest keys
only `POST /v1/events`, `POST /v1/events/batch` and `PUT /v1/profiles/{{profile_id}}`.

Limits, refused with 413 or 422 (never half-stored): request bodies of at most
{MAX_BODY_BYTES:,} bytes; strict JSON in UTF-8 (no `NaN`/`Infinity`, no number beyond the range
of a double, no lone surrogate `\\ud800`-`\\udfff` nor `\\u0000` in any string, at most
{MAX_JSON_DEPTH} objects/arrays nested). Every other limit is stated in the schemas.
""".strip()


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
# Integers a float cannot hold exactly, by the float they became.
_INEXACT = {float(bound): bound for bound in (MAX_ID, MAX_COUNT)}


def _exact_bounds(node: Any) -> None:
    """Integer bounds back to integers: FastAPI's document model holds them as floats, and
    `float(2**63 - 1)` is 2**63, one more than the bound."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _BOUNDS and isinstance(value, float) and value.is_integer():
                node[key] = _INEXACT.get(value, int(value))
            else:
                _exact_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _exact_bounds(value)


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=DESCRIPTION,
                routes=app.routes,
            )
            components = document.setdefault("components", {})
            components.setdefault("schemas", {})[ERROR_SCHEMA] = _inlined(
                Error.model_json_schema(mode="serialization")
            )
            components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key (`flowline create-key`, or `POST /v1/api-keys`).",
            }
            _exact_bounds(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
