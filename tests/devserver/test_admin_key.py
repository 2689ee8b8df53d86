"""`flowline dev` keeps one admin key across restarts, stored privately in the data dir."""

import stat
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.core.database import session_scope
from flowline.core.models.api_keys import ApiKey
from flowline.core.services.api_keys import revoke_api_key
from flowline.core.settings import Settings
from flowline.devserver.admin_key import admin_key_file, dev_admin_key


def stored_keys(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [(k.name, k.scope) for k in session.exec(select(ApiKey)).all()]


def test_restarts_reuse_the_stored_admin_key(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)

    first = dev_admin_key(settings, engine)
    again = [dev_admin_key(settings, engine) for _ in range(3)]

    assert again == [first] * 3
    assert stored_keys(engine) == [("dev", "admin")]
    path = admin_key_file(settings)
    assert path.read_text() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_revoked_or_unknown_stored_key_is_replaced(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = dev_admin_key(settings, engine)
    with session_scope(engine) as session:
        revoke_api_key(session, first)

    second = dev_admin_key(settings, engine)
    admin_key_file(settings).write_text("fl_a-key-of-another-database")
    third = dev_admin_key(settings, engine)

    assert len({first, second, third}) == 3
    assert admin_key_file(settings).read_text() == third
    assert stored_keys(engine) == [("dev", "admin"), ("dev", "admin")]
