"""`ApiRoute`: the door every API operation goes through, and what it documents.

In this order, before FastAPI reads the body or resolves any dependency (so before any id is
looked up): the API key the route names (`AdminKey`/`IngestKey`) is checked — 401, 403; then
the body is read within the size limit (`BodyLimit`, 413) and parsed as strict JSON (422).

Each route's OpenAPI entry gets the errors this door can answer — 401 and 403 when it needs a
key, 413 when it takes a body, 422 when it has parameters or a body, 503 for a database that
is unavailable (api/errors.py) — next to the ones the route declares itself
(`responses=error_responses(404, 409)`).
"""

from collections.abc import Callable, Coroutine
from enum import Enum
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute

from flowline.api.authentication import KeyScope
from flowline.api.openapi import SECURITY_SCHEME, error_responses
from flowline.api.strict_json import StrictJsonRequest


def _key_scope_of(dependant: Dependant) -> KeyScope | None:
    pending = list(dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, KeyScope):
            return dependency.call
        pending.extend(dependency.dependencies)
    return None


class ApiRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        key_scope = _key_scope_of(self.dependant)
        statuses = []
        if key_scope is not None:
            statuses += [401, 403]
            self.openapi_extra = {"security": [{SECURITY_SCHEME: []}], **(self.openapi_extra or {})}
        if self.body_field is not None:
            statuses.append(413)
        if self.body_field is not None or get_flat_params(self.dependant):
            statuses.append(422)
        statuses.append(503)
        self.responses = {**error_responses(*statuses), **self.responses}

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        key_scope = _key_scope_of(self.dependant)

        async def guarded(request: Request) -> Response:
            strict = StrictJsonRequest(request.scope, request.receive)
            if key_scope is not None:
                await key_scope.authenticate(strict)
            return await handler(strict)

        return guarded


def api_router(prefix: str = "", *, tags: list[str | Enum] | None = None) -> APIRouter:
    """A router whose routes are `ApiRoute`s: every API module makes its router with this."""
    return APIRouter(prefix=prefix, tags=tags, route_class=ApiRoute)
