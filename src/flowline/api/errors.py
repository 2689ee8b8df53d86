"""One place that renders every error as `{"error": <Type>, "detail": ...}`."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from flowline.core.errors import FlowlineError, ValidationFailed, pydantic_errors

logger = logging.getLogger(__name__)


def _render(error: FlowlineError) -> JSONResponse:
    body: dict[str, object] = {"error": error.error, "detail": error.detail}
    if isinstance(error, ValidationFailed):
        body["errors"] = error.errors
    headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
    return JSONResponse(body, status_code=error.status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FlowlineError)
    async def flowline_error(_: Request, error: FlowlineError) -> JSONResponse:
        return _render(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        return _render(pydantic_errors(error.errors()))

    @app.exception_handler(ValidationError)
    async def invalid_model(_: Request, error: ValidationError) -> JSONResponse:
        return _render(pydantic_errors(error.errors()))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        # A bug, not bad input: log it here, tell the caller nothing about the internals.
        logger.error("unhandled error", exc_info=error)
        return JSONResponse(
            {"error": "InternalError", "detail": "an unexpected error occurred"}, status_code=500
        )

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        names = {404: "NotFound", 405: "MethodNotAllowed", 413: "PayloadTooLarge"}
        return JSONResponse(
            {"error": names.get(error.status_code, "HTTPError"), "detail": str(error.detail)},
            status_code=error.status_code,
        )
