"""The AES-GCM payload codec and the FLOWLINE_PAYLOAD_KEYS format (pure code, no server)."""

import base64
import os

import pytest
from temporalio.api.common.v1 import Payload

from flowline.core.payload_codec import KEY_ID, EncryptionCodec, UndecryptablePayload
from flowline.core.payload_keys import InvalidPayloadKeys, PayloadKey, parse_payload_keys


def secret() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=f'"{text}"'.encode())


async def test_payload_round_trips_and_holds_no_clear_text() -> None:
    codec = EncryptionCodec(parse_payload_keys(f"a:{secret()}"))

    [sealed] = await codec.encode([plain("ada@example.test")])
    [opened] = await codec.decode([sealed])

    assert b"ada@example.test" not in sealed.SerializeToString()
    assert sealed.metadata[KEY_ID] == b"a"
    assert opened == plain("ada@example.test")


async def test_rotation_new_first_key_encrypts_and_old_key_still_decrypts() -> None:
    a, b = secret(), secret()
    before = EncryptionCodec(parse_payload_keys(f"a:{a}"))
    after = EncryptionCodec(parse_payload_keys(f"b:{b},a:{a}"))

    [old] = await before.encode([plain("old")])
    [new] = await after.encode([plain("new")])

    assert new.metadata[KEY_ID] == b"b"
    assert await after.decode([old, new]) == [plain("old"), plain("new")]
    with pytest.raises(UndecryptablePayload, match="'b'"):
        await before.decode([new])


async def test_altered_payload_or_relabelled_key_is_refused() -> None:
    keys = parse_payload_keys(f"a:{secret()},b:{secret()}")
    codec = EncryptionCodec(keys)
    [sealed] = await codec.encode([plain("x")])

    last_bit_flipped = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    flipped = Payload(metadata=sealed.metadata, data=last_bit_flipped)
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID: b"b"}, data=sealed.data)

    for bad in (flipped, relabelled):
        with pytest.raises(UndecryptablePayload):
            await codec.decode([bad])


async def test_payloads_that_are_not_encrypted_pass_through_decode() -> None:
    codec = EncryptionCodec([PayloadKey("a", os.urandom(16))])
    assert await codec.decode([plain("clear")]) == [plain("clear")]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nokey", "must be `id:base64key`"),
        ("a:not base64!", "not valid base64"),
        (f"a:{base64.b64encode(b'short').decode()}", "AES needs 16, 24 or 32"),
        ("a:{k},a:{k}", "appears twice"),
        ("a:{k},,b:{k}", "key 2 is empty"),
    ],
)
def test_malformed_payload_keys_are_refused_without_quoting_the_key(
    value: str, message: str
) -> None:
    key = secret()
    with pytest.raises(InvalidPayloadKeys, match=message) as error:
        parse_payload_keys(value.format(k=key))
    assert key not in str(error.value)


def test_empty_payload_keys_mean_no_encryption() -> None:
    assert parse_payload_keys("") == [] and parse_payload_keys("  ") == []
