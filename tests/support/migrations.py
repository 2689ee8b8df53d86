"""Databases at an older revision, for the tests of what a migration does to existing rows."""

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from flowline.core.database import MIGRATIONS


def _run(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def upgrade_to(engine: Engine, revision: str) -> None:
    _run(engine, command.upgrade, revision)


def downgrade_to(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)
