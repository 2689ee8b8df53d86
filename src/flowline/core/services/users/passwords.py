"""Passwords: Argon2id, checked in constant time, never logged, never echoed back."""

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from flowline.core.errors import ValidationFailed

MIN_PASSWORD = 12
# Argon2 takes any length, but hashing megabytes on every try would be a cheap way to load us.
MAX_PASSWORD = 1024

# OWASP's Argon2id setting (19 MiB, 2 passes, 1 lane): a few tens of ms on one core. RFC 9106's
# 64 MiB x 4 lanes took most of a second per sign-in on a busy 2-core machine. Hashes made
# with other parameters still verify, and are redone at the next sign-in (`needs_rehash`).
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
# Verified when there is no hash to check (an unknown address, a user without a password), so
# that a wrong address takes as long to refuse as a wrong password.
_DUMMY_HASH = _HASHER.hash("flowline: no such account, the same work")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed; always does the work of one verification."""
    too_long = len(password) > MAX_PASSWORD  # no stored password is: still do the work
    try:
        ok = _HASHER.verify(stored_hash or _DUMMY_HASH, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored_hash is not None and not too_long


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored_hash)


def checked_new_password(password: str, repeated: str) -> str:
    """The password to set, or a 422 on the field that is wrong (the password is not quoted)."""
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed.at(
            ("password",), f"Use at least {MIN_PASSWORD} characters (a few words work well)."
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed.at(("password",), f"Use at most {MAX_PASSWORD} characters.")
    if password != repeated:
        raise ValidationFailed.at(("password_repeat",), "The two passwords are not the same.")
    return password
