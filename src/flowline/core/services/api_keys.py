"""API keys: generated with a prefix, stored as SHA-256, compared in constant time."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from flowline.core.errors import Conflict, NotFound
from flowline.core.models.api_keys import ApiKey
from flowline.core.principals import BOOTSTRAP_KEY_NAME
from flowline.core.timestamps import utcnow

KEY_PREFIX = "fl_"
PREFIX_LENGTH = 10
# `last_used_at` is a day-to-day figure ("is this key still in use?"), not an audit log: one
# write a minute per key at most keeps authentication a read on the hot path.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class PresentedKey:
    """Who a request authenticated as; `id` is None for the bootstrap admin key."""

    scope: str
    id: int | None = None
    last_used_at: datetime | None = None
    name: str = BOOTSTRAP_KEY_NAME


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session: Session, name: str, scope: str) -> tuple[ApiKey, str]:
    """A new key; the plaintext is returned once and never stored."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name, scope=scope, key_hash=hash_key(plaintext), prefix=plaintext[:PREFIX_LENGTH]
    )
    session.add(key)
    session.flush()
    return key, plaintext


def bootstrap_match(presented: str, bootstrap_key: str | None) -> PresentedKey | None:
    """The bootstrap admin key (from the settings: no database read), when that is presented."""
    if bootstrap_key and hmac.compare_digest(presented.encode(), bootstrap_key.encode()):
        return PresentedKey(scope="admin")
    return None


def find_key(session: Session, presented: str, bootstrap_key: str | None) -> PresentedKey | None:
    """The key a request presented, or None when it is unknown."""
    bootstrap = bootstrap_match(presented, bootstrap_key)
    if bootstrap is not None:
        return bootstrap
    row = session.exec(
        select(ApiKey.id, ApiKey.scope, ApiKey.last_used_at, ApiKey.name).where(
            ApiKey.key_hash == hash_key(presented)
        )
    ).first()
    if row is None:
        return None
    key_id, scope, last_used_at, name = row
    return PresentedKey(scope=scope, id=key_id, last_used_at=last_used_at, name=name)


def scope_of(session: Session, presented: str, bootstrap_key: str | None) -> str | None:
    """The scope of a presented key, or None when it is unknown."""
    key = find_key(session, presented, bootstrap_key)
    return key.scope if key else None


def needs_use_recorded(key: PresentedKey, now: datetime | None = None) -> bool:
    """Whether `last_used_at` is a minute old or more (the bootstrap key has none)."""
    cutoff = (now or utcnow()) - LAST_USED_RESOLUTION
    return key.id is not None and (key.last_used_at is None or key.last_used_at <= cutoff)


def record_use(session: Session, key: PresentedKey, now: datetime | None = None) -> None:
    """Set `last_used_at` when the stored one is a minute old or more; otherwise write nothing.

    The condition is repeated in the UPDATE so that processes racing in the same minute write
    once.
    """
    now = now or utcnow()
    cutoff = now - LAST_USED_RESOLUTION
    if not needs_use_recorded(key, now):
        return
    session.execute(
        update(ApiKey)
        .where(
            col(ApiKey.id) == key.id,
            or_(col(ApiKey.last_used_at).is_(None), col(ApiKey.last_used_at) <= cutoff),
        )
        .values(last_used_at=now)
    )


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.id))))


def resolve_key(session: Session, reference: str) -> ApiKey:
    """A key by id, by (the start of) its prefix as listed, or by the full secret."""
    reference = reference.strip()
    if reference.isdigit():
        key = session.get(ApiKey, int(reference))
        if key is None:
            raise NotFound(f"no API key has id {reference}")
        return key
    if len(reference) > PREFIX_LENGTH:
        full = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(reference))).first()
        if full is None:
            raise NotFound("no API key matches that secret")
        return full
    by_prefix = select(ApiKey).where(col(ApiKey.prefix).startswith(reference, autoescape=True))
    matches = list(session.exec(by_prefix))
    if not matches:
        raise NotFound(f"no API key has a prefix starting with {reference!r}")
    if len(matches) > 1:
        ids = ", ".join(str(k.id) for k in matches)
        raise Conflict(f"{reference!r} matches several keys (ids {ids}); give more of the prefix")
    return matches[0]


def revoke_api_key(session: Session, reference: str) -> ApiKey:
    """Delete the key: requests that present it get 401 from then on."""
    key = resolve_key(session, reference)
    session.delete(key)
    session.flush()
    return key
