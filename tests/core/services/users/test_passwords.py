"""Passwords: Argon2id hashes, no match without a hash or past the longest password, and the
rules for a new one said at the field they concern."""

import pytest

from flowline.core.errors import ValidationFailed
from flowline.core.services.users.passwords import (
    MAX_PASSWORD,
    checked_new_password,
    hash_password,
    needs_rehash,
    password_matches,
)


def test_a_password_matches_only_its_own_argon2id_hash() -> None:
    stored = hash_password("correct horse battery")

    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "correct horse battery ")
    assert not password_matches(None, "correct horse battery")
    assert not password_matches("not a hash", "correct horse battery")
    assert not needs_rehash(stored)


def test_nothing_longer_than_the_longest_password_matches() -> None:
    longest = "x" * MAX_PASSWORD
    stored = hash_password(longest)

    assert password_matches(stored, longest)
    assert not password_matches(stored, longest + "y")


@pytest.mark.parametrize(
    ("password", "repeated", "field", "words"),
    [
        ("eleven char", "eleven char", "password", "at least 12 characters"),
        ("x" * (MAX_PASSWORD + 1), "x" * (MAX_PASSWORD + 1), "password", "at most 1024"),
        ("twelve chars", "twelve chars!", "password_repeat", "not the same"),
    ],
)
def test_a_new_password_is_refused_at_its_field(
    password: str, repeated: str, field: str, words: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        checked_new_password(password, repeated)

    [error] = refused.value.errors
    assert error["loc"] == [field] and words in str(error["msg"])
    assert password not in refused.value.detail
