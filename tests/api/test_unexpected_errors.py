"""An unexpected error answers a plain 500 and logs where it happened, never a value."""

import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from flowline.app import create_app
from flowline.core.database import make_engine, migrate
from flowline.core.models.api_keys import ApiKey
from flowline.core.settings import Settings
from flowline.http.unexpected_errors import log_unexpected
from tests.support.flowline_harness import ADMIN_KEY

ADDRESS = "ada.lovelace@example.test"
PHONE = "+31 6 1234 5678"


async def test_a_failing_statement_logs_neither_its_parameters_nor_the_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A database of its own: the test breaks it.
    engine = make_engine(f"sqlite:///{tmp_path / 'broken.db'}")
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE event_counters"))
    settings = Settings(
        data_dir=tmp_path, bootstrap_admin_key=ADMIN_KEY, temporal_address="127.0.0.1:9"
    )
    app = create_app(settings, engine=engine)
    event = {"profile_id": ADDRESS, "name": "visit", "properties": {"phone": PHONE}}

    # raise_app_exceptions: an error that got past the app to the server would raise here.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://flowline.test") as api:
        with caplog.at_level(logging.DEBUG):
            response = await api.post(
                "/v1/events", json=event, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
            )

    assert response.status_code == 500
    assert response.json() == {"error": "InternalError", "detail": "an unexpected error occurred"}
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    logged = caplog.text
    assert "OperationalError" in logged and "POST /v1/events" in logged
    assert "INSERT INTO event_counters" in logged  # the statement, without its parameters
    assert ADDRESS not in logged and PHONE not in logged
    assert record.exc_info is None  # no traceback with messages attached
    engine.dispose()


def test_the_engine_hides_parameters_and_the_log_hides_the_database_message(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(IntegrityError) as raised, Session(engine) as session:
        for name in ("first", "second"):
            session.add(ApiKey(name=name, scope="ingest", key_hash=ADDRESS, prefix="fl_"))
            session.flush()

    assert "SQL parameters hidden" in str(raised.value)
    # PostgreSQL's own message names the duplicate value: only the log can leave it out.
    with caplog.at_level(logging.ERROR):
        log_unexpected(raised.value, {"method": "POST", "path": f"/v1/profiles/{ADDRESS}"})
    assert "IntegrityError" in caplog.text and ADDRESS not in caplog.text
