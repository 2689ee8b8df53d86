"""Who is signed in to the web UI, and the CSRF token of their session.

The session cookie (Starlette's, signed with FLOWLINE_SECRET_KEY, HTTP-only, SameSite=Lax) holds
a reference to the admin key that signed in — its id, or "bootstrap" — and a fingerprint of it,
never the key itself: the cookie is signed, not encrypted, and a copied cookie must not hand out
a key that outlives the session. Every request checks the reference again, so revoking the key
(or changing FLOWLINE_BOOTSTRAP_ADMIN_KEY) signs its sessions out at once.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session, select

from flowline.core.errors import Forbidden, PayloadTooLarge, Unauthorized
from flowline.core.models.api_keys import ApiKey
from flowline.core.models.audit import Actor
from flowline.core.services.api_keys import hash_key
from flowline.core.settings import Settings
from flowline.http.actor import BOOTSTRAP_ACTOR, WEB_UI_ACTOR
from flowline.http.dependencies import SessionDep, SettingsDep

BOOTSTRAP = "bootstrap"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 1024 * 1024
MAX_FORM_FIELDS = 5000


class SignInRequired(Unauthorized):
    """A page asked for without a session: pages redirect to the sign-in page."""


class CsrfRejected(Forbidden):
    pass


@dataclass(frozen=True)
class SignedInAdmin:
    key_name: str
    key_id: str = BOOTSTRAP


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


def sign_out(request: Request) -> None:
    request.session.clear()


def signed_in(request: Request, session: Session, settings: Settings) -> SignedInAdmin | None:
    who, check = request.session.get("who"), request.session.get("check")
    if not isinstance(who, str) or not isinstance(check, str):
        return None
    if who == BOOTSTRAP:
        bootstrap = settings.bootstrap_admin_key
        if bootstrap is None:
            return None
        if not _checks_out(request, settings, check, hash_key(bootstrap.get_secret_value())):
            return None
        return SignedInAdmin("bootstrap admin key")
    key = session.get(ApiKey, int(who)) if who.isdigit() else None
    if key is None or key.scope != "admin":
        return None
    if not _checks_out(request, settings, check, key.key_hash):
        return None
    return SignedInAdmin(key.name, str(key.id))


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


def _require_admin(request: Request, session: SessionDep, settings: SettingsDep) -> SignedInAdmin:
    admin = signed_in(request, session, settings)
    session.commit()  # end the read at once: on SQLite it holds the write lock
    if admin is None:
        raise SignInRequired("sign in with an admin API key")
    # Who the audit log names for the changes of this request (flowline.http.actor).
    actor = (
        BOOTSTRAP_ACTOR
        if admin.key_id == BOOTSTRAP
        else Actor("api_key", admin.key_id, admin.key_name)
    )
    setattr(request.state, WEB_UI_ACTOR, actor)
    return admin


CsrfChecked = Annotated[None, Depends(check_csrf)]
AdminSession = Annotated[SignedInAdmin, Depends(_require_admin)]
