"""`FLOWLINE_PAYLOAD_KEYS`: comma-separated `id:base64key` AES keys; the first one encrypts."""

import base64
import binascii
import re
from dataclasses import dataclass, field

from flowline.core.settings import Settings

AES_KEY_SIZES = (16, 24, 32)
_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class InvalidPayloadKeys(ValueError):
    """FLOWLINE_PAYLOAD_KEYS cannot be used; the message never quotes key material."""


@dataclass(frozen=True)
class PayloadKey:
    id: str
    secret: bytes = field(repr=False)


def parse_payload_keys(value: str) -> list[PayloadKey]:
    """The keys in configuration order; an empty value means no encryption."""
    keys: list[PayloadKey] = []
    for position, item in enumerate(value.split(","), start=1):
        item = item.strip()
        if not item:
            if value.strip():
                raise InvalidPayloadKeys(f"FLOWLINE_PAYLOAD_KEYS: key {position} is empty")
            continue
        key_id, colon, encoded = item.partition(":")
        if not colon or not _KEY_ID.fullmatch(key_id):
            raise InvalidPayloadKeys(
                f"FLOWLINE_PAYLOAD_KEYS: key {position} must be `id:base64key` with an id of "
                "letters, digits, '.', '_' or '-'"
            )
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise InvalidPayloadKeys(
                f"FLOWLINE_PAYLOAD_KEYS: key {key_id!r} is not valid base64"
            ) from None
        if len(secret) not in AES_KEY_SIZES:
            raise InvalidPayloadKeys(
                f"FLOWLINE_PAYLOAD_KEYS: key {key_id!r} is {len(secret)} bytes; AES needs 16, 24 "
                "or 32 (generate one with: python -c 'import base64, os; "
                "print(base64.b64encode(os.urandom(32)).decode())')"
            )
        if any(k.id == key_id for k in keys):
            raise InvalidPayloadKeys(f"FLOWLINE_PAYLOAD_KEYS: key id {key_id!r} appears twice")
        keys.append(PayloadKey(key_id, secret))
    return keys


def configured_payload_keys(settings: Settings) -> list[PayloadKey]:
    if settings.payload_keys is None:
        return []
    return parse_payload_keys(settings.payload_keys.get_secret_value())
