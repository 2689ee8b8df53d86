"""Encrypted Temporal payloads: AES-GCM, with the key's id in the payload's metadata.

The first key encrypts; every configured key decrypts. A key rotates by putting a new one first
and removing the old one only once no open enrollment (and no history still read) uses it.
"""

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from flowline.core.errors import FlowlineError
from flowline.core.payload_keys import PayloadKey

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_SIZE = 12


class UndecryptablePayload(FlowlineError):
    """An encrypted payload whose key is not configured, or whose ciphertext was altered."""

    status_code = 400


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: Sequence[PayloadKey]) -> None:
        if not keys:
            raise ValueError("an encryption codec needs at least one key")
        self._encrypting = keys[0].id
        self._ciphers = {key.id: AESGCM(key.secret) for key in keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self._encrypting
        nonce = os.urandom(NONCE_SIZE)
        # The key id is authenticated data: a payload cannot be relabelled to another key.
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed
        )

    def decrypt(self, payload: Payload) -> Payload:
        """The original payload; one that is not encrypted passes through unchanged."""
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UndecryptablePayload(
                f"payload encrypted with key {key_id!r}, which is not in FLOWLINE_PAYLOAD_KEYS"
            )
        nonce, sealed = payload.data[:NONCE_SIZE], payload.data[NONCE_SIZE:]
        try:
            plain = cipher.decrypt(nonce, sealed, key_id.encode())
        except InvalidTag:
            raise UndecryptablePayload(
                f"payload under key {key_id!r} does not decrypt (altered, or another key "
                "with the same id)"
            ) from None
        return Payload.FromString(plain)
