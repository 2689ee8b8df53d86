"""API keys: generated with a prefix, stored as SHA-256, compared in constant time."""

import hashlib
import hmac
import secrets

from sqlmodel import Session, select

from flowline.core.models.api_keys import ApiKey

KEY_PREFIX = "fl_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session: Session, name: str, scope: str) -> tuple[ApiKey, str]:
    """A new key; the plaintext is returned once and never stored."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, scope=scope, key_hash=hash_key(plaintext), prefix=plaintext[:10])
    session.add(key)
    session.flush()
    return key, plaintext


def scope_of(session: Session, presented: str, bootstrap_key: str | None) -> str | None:
    """The scope of a presented key, or None when it is unknown."""
    if bootstrap_key and hmac.compare_digest(presented.encode(), bootstrap_key.encode()):
        return "admin"
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(presented))).first()
    return key.scope if key else None
