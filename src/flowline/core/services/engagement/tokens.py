"""Signed tokens of tracked links (`/c/{token}`) and open pixels (`/o/{token}`).

A token names a delivery by its enrollment and step path (the delivery's own key: the mail is
built before its delivery row is written, at the server's 250) and, for a click, the link's
position. It is signed with the first of FLOWLINE_SECRET_KEY's secrets and read with any of
them (rotation); clicks and opens have salts of their own, so one cannot stand for the other.
Nothing else is in it: the address a click leads to is looked up on the server.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeSerializer

MAX_TOKEN = 500
_CLICK_SALT = "flowline.click"
_OPEN_SALT = "flowline.open"


@dataclass(frozen=True)
class TrackedDelivery:
    """The delivery an open token names."""

    enrollment_id: int
    step_path: str


@dataclass(frozen=True)
class TrackedLink:
    """The link a click token names."""

    enrollment_id: int
    step_path: str
    position: int


def _serializer(keys: Sequence[bytes], salt: str) -> URLSafeSerializer:
    # itsdangerous signs with the last key and verifies with any.
    return URLSafeSerializer(list(reversed(keys)), salt=salt)


def click_token(secret: bytes, link: TrackedLink) -> str:
    data = [link.enrollment_id, link.step_path, link.position]
    return str(_serializer([secret], _CLICK_SALT).dumps(data))


def open_token(secret: bytes, delivery: TrackedDelivery) -> str:
    data = [delivery.enrollment_id, delivery.step_path]
    return str(_serializer([secret], _OPEN_SALT).dumps(data))


def _loaded(keys: Sequence[bytes], salt: str, token: str) -> list[object] | None:
    if len(token) > MAX_TOKEN or not keys:
        return None
    try:
        data = _serializer(keys, salt).loads(token)
    except (BadData, UnicodeError, ValueError):
        return None
    return data if isinstance(data, list) else None


def _id(value: object) -> int | None:
    return value if type(value) is int and value >= 0 else None


def read_click_token(keys: Sequence[bytes], token: str) -> TrackedLink | None:
    """The link a token names, or None when no key Flowline holds signed it as a click's."""
    data = _loaded(keys, _CLICK_SALT, token)
    if data is None or len(data) != 3:
        return None
    enrollment_id, step_path, position = _id(data[0]), data[1], _id(data[2])
    if not enrollment_id or not isinstance(step_path, str) or position is None:
        return None
    return TrackedLink(enrollment_id, step_path, position)


def read_open_token(keys: Sequence[bytes], token: str) -> TrackedDelivery | None:
    """The delivery a token names, or None when no key Flowline holds signed it as an open's."""
    data = _loaded(keys, _OPEN_SALT, token)
    if data is None or len(data) != 2:
        return None
    enrollment_id, step_path = _id(data[0]), data[1]
    if not enrollment_id or not isinstance(step_path, str):
        return None
    return TrackedDelivery(enrollment_id, step_path)
