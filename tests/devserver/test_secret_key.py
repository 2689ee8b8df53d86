"""`flowline dev` generates FLOWLINE_SECRET_KEY once into the data dir; other commands need it."""

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from flowline.core.settings import MissingSecretKey, Settings
from flowline.devserver.stack import with_dev_secret_key


def test_dev_generates_a_private_key_once_and_reuses_it(tmp_path: Path) -> None:
    first = with_dev_secret_key(Settings(data_dir=tmp_path))
    second = with_dev_secret_key(Settings(data_dir=tmp_path))

    assert first.secret_key is not None and second.secret_key is not None
    assert first.secret_key.get_secret_value() == second.secret_key.get_secret_value()
    assert len(first.secret_key.get_secret_value()) >= 32
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_a_configured_key_wins_and_nothing_is_written(tmp_path: Path) -> None:
    settings = with_dev_secret_key(Settings(data_dir=tmp_path, secret_key=SecretStr("mine")))

    assert settings.require_secret_key() == b"mine"
    assert not (tmp_path / "secret_key").exists()


def test_without_a_key_outside_dev_signing_refuses_clearly(tmp_path: Path) -> None:
    with pytest.raises(MissingSecretKey, match="FLOWLINE_SECRET_KEY"):
        Settings(data_dir=tmp_path).require_secret_key()
