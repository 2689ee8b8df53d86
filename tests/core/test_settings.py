"""Settings read from the environment: several secret keys, the first signs."""

import pytest

from flowline.core.settings import MissingSecretKey, Settings


def test_secret_keys_are_comma_separated_and_the_first_signs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLOWLINE_SECRET_KEY", " new-key , old-key,,older-key ")

    settings = Settings()

    assert settings.secret_keys() == [b"new-key", b"old-key", b"older-key"]
    assert settings.require_secret_key() == b"new-key"
    assert settings.has_secret_key


@pytest.mark.parametrize("value", ["", " , ", ","])
def test_a_secret_key_of_only_commas_and_blanks_is_missing(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FLOWLINE_SECRET_KEY", value)

    settings = Settings()

    assert not settings.has_secret_key
    with pytest.raises(MissingSecretKey, match="FLOWLINE_SECRET_KEY is not set"):
        settings.secret_keys()
