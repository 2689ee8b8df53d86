"""Who is making a change, for the audit log: the one place that says it, for the API and the
web UI alike.

Today an actor is an API key: the one an API request presents, or the admin key someone signed
in to the web UI with (its page dependency leaves it on `request.state`). Once people sign in
as users, this function turns the request's user into an `Actor("user", ...)`.
"""

import hmac
from collections.abc import Callable

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.core.database import session_scope
from flowline.core.errors import Unauthorized
from flowline.core.models.api_keys import ApiKey
from flowline.core.models.audit import Actor
from flowline.core.services.api_keys import hash_key
from flowline.core.settings import Settings

WEB_UI_ACTOR = "flowline_actor"
BOOTSTRAP_ACTOR = Actor("api_key", "bootstrap", "bootstrap admin key")


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def key_actor(session: Session, settings: Settings, presented: str) -> Actor | None:
    """The actor of an API key (None when the key is unknown)."""
    bootstrap = settings.bootstrap_admin_key
    if bootstrap is not None and hmac.compare_digest(
        presented.encode(), bootstrap.get_secret_value().encode()
    ):
        return BOOTSTRAP_ACTOR
    row = session.exec(
        select(ApiKey.id, ApiKey.name).where(ApiKey.key_hash == hash_key(presented))
    ).first()
    return None if row is None else Actor("api_key", str(row[0]), row[1])


def actor_of(request: Request, session: Session) -> Actor:
    """The actor of the request: checked already by the route's key or page dependency."""
    signed_in = getattr(request.state, WEB_UI_ACTOR, None)
    if isinstance(signed_in, Actor):
        return signed_in
    presented = _bearer(request)
    actor = None
    if presented is not None:
        actor = key_actor(session, request.app.state.settings, presented)
    if actor is None:
        raise Unauthorized("the key that made this request is no longer valid")
    return actor


def record_alone(engine: Engine, request: Request, write: Callable[[Session, Actor], None]) -> None:
    """Record a change made outside the database (a Temporal start, a test email sent) in a
    transaction of its own, right after it: there is no transaction of the change to join."""
    with session_scope(engine) as session:
        write(session, actor_of(request, session))
