"""One place that renders every error as `{"error": <Type>, "detail": ..., "errors"?: [...]}`.

The shape is the `Error` schema of the OpenAPI document (`api/openapi.py`).
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from flowline.core.database_availability import DATABASE_FAILURES, means_unavailable
from flowline.core.errors import (
    DatabaseUnavailable,
    FlowlineError,
    TemporalUnavailable,
    ValidationFailed,
    pydantic_errors,
)
from flowline.http.unexpected_errors import (
    INTERNAL_ERROR,
    log_unavailable,
    log_unexpected,
    logger,
)

_HTTP_ERROR_NAMES = {
    400: "BadRequest",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "PayloadTooLarge",
}


def _render(error: FlowlineError) -> JSONResponse:
    body: dict[str, object] = {"error": error.error, "detail": error.detail}
    if isinstance(error, ValidationFailed):
        body["errors"] = error.errors
    return JSONResponse(body, status_code=error.status_code, headers=_headers(error))


def _headers(error: FlowlineError) -> dict[str, str] | None:
    headers = {}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = getattr(error, "challenge", "Bearer")
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return headers or None


def _request_errors(errors: list[Any]) -> ValidationFailed:
    # A body that is not (strict) JSON has no field to point at: the body itself is wrong.
    if any(e.get("type") == "json_invalid" for e in errors):
        reasons = [str(e.get("ctx", {}).get("error", e["msg"])) for e in errors]
        return ValidationFailed([((), f"invalid JSON: {reason}") for reason in reasons])
    return pydantic_errors(errors)


def _allowed_methods(request: Request) -> str:
    """Every method of every route at this path (the matching route alone may list fewer)."""
    methods: set[str] = set()
    path = request.scope["path"]
    for route in iter_route_contexts(request.app.routes):
        pattern, route_methods = getattr(route, "path_regex", None), route.methods
        if pattern is not None and route_methods and pattern.match(path):
            methods |= route_methods
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FlowlineError)
    async def flowline_error(_: Request, error: FlowlineError) -> JSONResponse:
        if isinstance(error, TemporalUnavailable):
            logger.warning("answered 503: %s", error.cause)
        return _render(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        return _render(_request_errors(list(error.errors())))

    @app.exception_handler(ValidationError)
    async def invalid_model(_: Request, error: ValidationError) -> JSONResponse:
        return _render(pydantic_errors(error.errors()))

    async def database_failed(request: Request, error: Exception) -> JSONResponse:
        if not means_unavailable(error):
            log_unexpected(error, request.scope)
            return JSONResponse(INTERNAL_ERROR, status_code=500)
        log_unavailable(error, request.scope)
        return _render(DatabaseUnavailable())

    for failure in DATABASE_FAILURES:
        app.add_exception_handler(failure, database_failed)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # Only what escapes `UnexpectedErrors` (an outer middleware's failure) arrives here.
        log_unexpected(error, request.scope)
        return JSONResponse(INTERNAL_ERROR, status_code=500)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return JSONResponse(
            {
                "error": _HTTP_ERROR_NAMES.get(error.status_code, "HTTPError"),
                "detail": str(error.detail),
            },
            status_code=error.status_code,
            headers=headers or None,
        )
