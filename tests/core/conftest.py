"""An empty database of the test's own (SQLite, and PostgreSQL when configured), for migrations."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, make_url

from flowline.core.database import make_engine
from tests.conftest import BACKENDS, TEST_DATABASE_URL

SCHEMA = "flowline_migration_test"


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    assert TEST_DATABASE_URL is not None
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    yield engine
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    engine.dispose()
