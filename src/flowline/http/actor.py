"""Who is making a change, for the audit log: the one place that says it, for the API and the
web UI alike.

The actor is the request's principal (`http.principal`): the user signed in to the web UI, or
the API key the request presents (or the admin key a web session signed in with). The
bootstrap admin key has no row: its id is "bootstrap".
"""

from collections.abc import Callable

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.database import session_scope
from flowline.core.errors import Unauthorized
from flowline.core.models.audit import Actor
from flowline.core.principals import BOOTSTRAP_KEY_NAME, Principal
from flowline.http.principal import principal_of

BOOTSTRAP_ACTOR = Actor("api_key", "bootstrap", BOOTSTRAP_KEY_NAME)
# A user account the first single sign-on of a new address created.
SSO_ACTOR = Actor("user", "sso", "single sign-on")


def actor_from(principal: Principal) -> Actor:
    if principal.id is None:
        return BOOTSTRAP_ACTOR
    return Actor(principal.kind, str(principal.id), principal.name)


def actor_of(request: Request, session: Session) -> Actor:
    """The actor of the request: checked already by the route's key or page dependency."""
    principal = principal_of(request)
    if principal is None:
        raise Unauthorized("the key or session that made this request is no longer valid")
    return actor_from(principal)


def record_alone(engine: Engine, request: Request, write: Callable[[Session, Actor], None]) -> None:
    """Record a change made outside the database (a Temporal start, a test email sent) in a
    transaction of its own, right after it: there is no transaction of the change to join."""
    with session_scope(engine) as session:
        write(session, actor_of(request, session))
