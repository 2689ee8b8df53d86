"""The admin API key `flowline dev` prints: created on the first start, the same one afterwards.

Its secret is kept in the data dir (private to the user, like the generated secret key), so a
restart neither adds a key nor leaves the developer without the one they use.
"""

import os
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from flowline.core.database import session_scope
from flowline.core.models.api_keys import ApiKey
from flowline.core.services.api_keys import create_api_key, hash_key
from flowline.core.settings import Settings

DEV_KEY_NAME = "dev"


def admin_key_file(settings: Settings) -> Path:
    return settings.data_dir / "dev_admin_key"


def dev_admin_key(settings: Settings, engine: Engine) -> str:
    """The stored key while it is still an admin key of this database, else a new one."""
    path = admin_key_file(settings)
    stored = path.read_text().strip() if path.exists() else ""
    with session_scope(engine) as session:
        if stored:
            found = session.exec(
                select(ApiKey.scope).where(ApiKey.key_hash == hash_key(stored))
            ).first()
            if found == "admin":
                return stored
        # Revoked, another database, or the first start.
        _, plaintext = create_api_key(session, DEV_KEY_NAME, "admin")
    _write_private(path, plaintext)
    return plaintext


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.chmod(path, 0o600)  # an older file keeps its mode on O_TRUNC
