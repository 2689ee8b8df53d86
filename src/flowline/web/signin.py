"""Who is signed in to the web UI, what their role lets them do, and the CSRF token.

A user's session lives in the database (core.services.users.sessions): the cookie holds only
its random id, and every request looks it up again, so "Sign out everywhere", a password reset
or disabling the user ends it at once.

An admin API key signs in too (automation, the first start). Its session cookie (Starlette's,
signed with FLOWLINE_SECRET_KEY, HTTP-only, SameSite=Lax) holds a reference to the admin key
that signed in — its id, or "bootstrap" — and a fingerprint of it, never the key itself: the
cookie is signed, not encrypted, and a copied cookie must not hand out a key that outlives the
session. Every request checks the reference again, so revoking the key (or changing
FLOWLINE_BOOTSTRAP_ADMIN_KEY) signs its sessions out at once.
"""

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session, select

from flowline.core.errors import Forbidden, PayloadTooLarge, Unauthorized
from flowline.core.models.api_keys import ApiKey
from flowline.core.models.users import User
from flowline.core.principals import BOOTSTRAP_KEY_NAME, Principal, RoleName
from flowline.core.services.api_keys import hash_key
from flowline.core.services.users.sessions import (
    active_session,
    end_session,
    needs_seen_recorded,
    record_seen,
    start_session,
)
from flowline.core.settings import Settings
from flowline.core.timestamps import utcnow
from flowline.http.dependencies import SessionDep, SettingsDep
from flowline.http.principal import remember_principal

BOOTSTRAP = "bootstrap"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 1024 * 1024
MAX_FORM_FIELDS = 5000


class SignInRequired(Unauthorized):
    """A page asked for without a session: pages redirect to the sign-in page."""


class CsrfRejected(Forbidden):
    pass


def _fingerprint(secret: bytes, key_hash: str) -> str:
    """Ties a session to one key: recomputable from its stored hash, not without the secret."""
    return hmac.new(secret, key_hash.encode(), hashlib.sha256).hexdigest()[:32]


def _checks_out(request: Request, settings: Settings, check: str, key_hash: str) -> bool:
    """The session's fingerprint matches under one of the secret keys; one made with an older
    key (before a rotation) is made again with the signing key."""
    keys = settings.secret_keys()
    for secret in keys:
        if hmac.compare_digest(check, _fingerprint(secret, key_hash)):
            if secret != keys[0]:
                request.session["check"] = _fingerprint(keys[0], key_hash)
            return True
    return False


def sign_in(request: Request, session: Session, settings: Settings, presented: str) -> bool:
    """Start a session for an admin key; False (and no session) for anything else."""
    presented = presented.strip()
    if not presented:
        return False
    bootstrap = settings.bootstrap_admin_key
    if bootstrap and hmac.compare_digest(presented.encode(), bootstrap.get_secret_value().encode()):
        who = BOOTSTRAP
    else:
        key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(presented))).first()
        if key is None or key.scope != "admin":
            return False
        who = str(key.id)
    request.session.clear()  # a fresh session (and CSRF token) for the new identity
    check = _fingerprint(settings.require_secret_key(), hash_key(presented))
    request.session.update({"who": who, "check": check, "csrf": _new_token()})
    return True


def sign_in_user(request: Request, session: Session, user: User) -> None:
    """Start a server-side session for `user` (whose password was just checked)."""
    token = start_session(session, user)
    request.session.clear()  # a fresh session (and CSRF token) for the new identity
    request.session.update({"sid": token, "csrf": _new_token()})


def sign_out(request: Request, session: Session) -> None:
    token = request.session.get("sid")
    if isinstance(token, str):
        end_session(session, token)
    request.session.clear()


def signed_in(request: Request, session: Session, settings: Settings) -> Principal | None:
    """Who the session cookie belongs to, checked against the database now; None if nobody."""
    token = request.session.get("sid")
    if isinstance(token, str):
        return _signed_in_user(session, token)
    who, check = request.session.get("who"), request.session.get("check")
    if not isinstance(who, str) or not isinstance(check, str):
        return None
    if who == BOOTSTRAP:
        bootstrap = settings.bootstrap_admin_key
        if bootstrap is None:
            return None
        if not _checks_out(request, settings, check, hash_key(bootstrap.get_secret_value())):
            return None
        return Principal(kind="api_key", id=None, name=BOOTSTRAP_KEY_NAME, role="admin")
    key = session.get(ApiKey, int(who)) if who.isdigit() else None
    if key is None or key.scope != "admin":
        return None
    if not _checks_out(request, settings, check, key.key_hash):
        return None
    return Principal(kind="api_key", id=key.id, name=key.name, role="admin")


def _signed_in_user(session: Session, token: str) -> Principal | None:
    now = utcnow()
    active = active_session(session, token, now)
    if active is None:
        return None
    roles: dict[str, RoleName] = {"admin": "admin", "editor": "editor"}
    role = roles.get(active.role, "viewer")  # an unknown stored role grants the least
    return Principal(kind="user", id=active.user_id, name=active.name or active.email, role=role)


def _note_seen(request: Request, session: Session) -> None:
    """`last_seen_at`, written at most once a minute (a page view stays a read)."""
    token = request.session.get("sid")
    now = utcnow()
    active = active_session(session, token, now) if isinstance(token, str) else None
    if active is not None and needs_seen_recorded(session, active, now):
        record_seen(session, active, now)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = _new_token()
        request.session["csrf"] = token
    return token


def _new_token() -> str:
    return secrets.token_urlsafe(32)


async def check_csrf(request: Request) -> None:
    """Every state-changing request from the UI carries the session's token (field or header)."""
    length = request.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_FORM_BYTES:
        raise PayloadTooLarge("the form is larger than 1 MiB")
    submitted = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if submitted is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not submitted or not isinstance(expected, str):
        raise CsrfRejected("the form has expired: reload the page and try again")
    if not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise CsrfRejected("the form has expired: reload the page and try again")


ROLE_WORDS = {"viewer": "people signed in", "editor": "an editor or admin", "admin": "an admin"}


class RoleRequired:
    """A page dependency: someone signed in whose role is `role` or above (else 401 / 403)."""

    def __init__(self, role: str) -> None:
        self.role = role

    def __repr__(self) -> str:
        return f"RoleRequired({self.role!r})"

    def __call__(self, request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
        principal = signed_in(request, session, settings)
        if principal is not None and principal.kind == "user":
            _note_seen(request, session)
        session.commit()  # end the read at once: on SQLite it holds the write lock
        if principal is None:
            raise SignInRequired("sign in with your email and password, or an admin API key")
        request.state.principal = principal  # templates show only what the role may do
        remember_principal(request, principal)
        if not principal.may(self.role):
            raise Forbidden(
                f"only {ROLE_WORDS[self.role]} can do this; you are signed in as {principal.role}"
            )
        return principal


def may(request: Request, role: str) -> bool:
    """For templates: whether the signed-in person may use what needs `role`."""
    principal = getattr(request.state, "principal", None)
    return isinstance(principal, Principal) and principal.may(role)


CsrfChecked = Annotated[None, Depends(check_csrf)]
SignedIn = Annotated[Principal, Depends(RoleRequired("viewer"))]
"""Anyone signed in: every page is readable by every role."""
EditorSession = Annotated[Principal, Depends(RoleRequired("editor"))]
"""Workflows, campaigns, segments, profiles (not erasure), enrollments."""
AdminSession = Annotated[Principal, Depends(RoleRequired("admin"))]
"""Also settings, API keys, users, suppressions, erasure."""
