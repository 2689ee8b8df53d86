"""Unexpected errors (bugs, an unreachable database): a plain 500, logged without any value.

An exception's message may quote what the request carried: a statement's parameters, a profile's
address or phone number. The log gets where it happened (the operation, the exception types and
their frames, the SQL statement without parameters, the SQLSTATE), never a message. Caught here
rather than left to Starlette, which would re-raise it to the server to log in full.
"""

import logging
import traceback

from sqlalchemy.exc import StatementError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("flowline.api")

INTERNAL_ERROR = {"error": "InternalError", "detail": "an unexpected error occurred"}


def describe_without_values(error: BaseException) -> str:
    """The traceback of `error` and of what caused it: types and frames, no messages."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.extract_tb(current.__traceback__).format())
        kind = type(current)
        parts.append(f"{frames}{kind.__module__}.{kind.__qualname__} (message withheld)")
        if isinstance(current, StatementError):
            parts.append(f"statement (parameters withheld): {str(current.statement)[:1000]}")
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str):
            parts.append(f"SQLSTATE {sqlstate}")
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n".join(reversed(parts))


def _operation(scope: Scope) -> str:
    # The route's template, not the path: a path may hold a profile id, which is personal data.
    route = scope.get("route")
    where = getattr(route, "path", None) or "(no route)"
    return f"{scope.get('method', '')} {where}"


def log_unexpected(error: BaseException, scope: Scope) -> None:
    logger.error(
        "unexpected %s in %s\n%s",
        type(error).__qualname__,
        _operation(scope),
        describe_without_values(error),
    )


def log_unavailable(error: BaseException, scope: Scope) -> None:
    """A warning, not an error: the database is away, the code is fine. Still no message."""
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    logger.warning(
        "database unavailable in %s (%s%s)",
        _operation(scope),
        type(getattr(error, "orig", None) or error).__qualname__,
        f", SQLSTATE {sqlstate}" if isinstance(sqlstate, str) else "",
    )


class UnexpectedErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as error:
            log_unexpected(error, scope)
            if not started:
                await JSONResponse(INTERNAL_ERROR, status_code=500)(scope, receive, send)
