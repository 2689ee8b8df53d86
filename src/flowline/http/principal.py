"""The principal of a request — a signed-in user or an API key — for API and page handlers.

Authentication remembers who it let in (the API's key check, the web UI's session check);
`CurrentPrincipal` hands that to a handler, and on a route with no check of its own asks the
resolver the composition root installed (key first, then the web session):

    def save(..., actor: CurrentPrincipal) -> ...:
        record(actor.kind, actor.id, actor.name)   # actor.role: "admin" | "editor" | ...

A request nobody signed gets 401.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from flowline.core.errors import Unauthorized
from flowline.core.principals import Principal

_SCOPE_KEY = "flowline.principal"
# On `app.state`: (request) -> Principal | None, set by the composition root.
RESOLVER = "principal_resolver"
Resolver = Callable[[Request], Principal | None]


def remember_principal(request: Request, principal: Principal) -> None:
    request.scope[_SCOPE_KEY] = principal


def principal_of(request: Request) -> Principal | None:
    """Who the request's authentication let in, if it ran."""
    found = request.scope.get(_SCOPE_KEY)
    return found if isinstance(found, Principal) else None


async def current_principal(request: Request) -> Principal:
    principal = principal_of(request)
    if principal is None:
        resolver: Resolver | None = getattr(request.app.state, RESOLVER, None)
        if resolver is not None:
            principal = await run_in_threadpool(resolver, request)
    if principal is None:
        raise Unauthorized("sign in, or send 'Authorization: Bearer <key>'")
    remember_principal(request, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
