"""Tracking tokens: signed, short, URL-safe; a forged or altered one reads as nothing."""

import re

from flowline.core.services.engagement.tokens import (
    TrackedDelivery,
    TrackedLink,
    click_token,
    open_token,
    read_click_token,
    read_open_token,
)

KEY, OLD_KEY = b"current-secret", b"older-secret"
LINK = TrackedLink(enrollment_id=123456, step_path="3.then.0", position=7)


def test_a_click_token_names_the_delivery_and_the_link_and_reads_back() -> None:
    token = click_token(KEY, LINK)

    assert re.fullmatch(r"[A-Za-z0-9_.-]+", token) and len(token) < 80
    assert read_click_token([KEY], token) == LINK


def test_a_token_signed_with_a_key_still_listed_after_a_rotation_reads() -> None:
    token = click_token(OLD_KEY, LINK)

    assert read_click_token([KEY, OLD_KEY], token) == LINK
    assert read_click_token([KEY], token) is None


def test_forged_altered_or_foreign_tokens_read_as_nothing() -> None:
    token = click_token(KEY, LINK)
    payload, signature = token.split(".")
    other = click_token(KEY, TrackedLink(1, "0", 0)).split(".")[0]

    assert read_click_token([KEY], f"{other}.{signature}") is None  # another link, same mark
    assert read_click_token([KEY], token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert read_click_token([KEY], payload) is None
    assert read_click_token([KEY], "x" * 1000) is None
    assert read_click_token([], token) is None
    assert read_click_token([b"another-key"], token) is None


def test_an_open_token_is_no_click_token_and_the_other_way_round() -> None:
    delivery = TrackedDelivery(enrollment_id=5, step_path="0")
    opened = open_token(KEY, delivery)

    assert read_open_token([KEY], opened) == delivery
    assert read_click_token([KEY], opened) is None
    assert read_open_token([KEY], click_token(KEY, LINK)) is None
