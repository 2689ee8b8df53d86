"""The tracking routes when the database fails: the pixel is still the GIF, a click on a link
still redirects while its row can be read, a click that cannot be looked up is a 503 page in
words (never a 500), and the log names no token, address or profile."""

import logging
import sqlite3
from pathlib import Path

import httpx
import pytest

from flowline.app import create_app
from flowline.core.database import make_engine, session_scope
from flowline.core.services.engagement.links import store_links
from flowline.core.services.engagement.tokens import (
    TrackedDelivery,
    TrackedLink,
    click_token,
    open_token,
)
from flowline.core.settings import Settings
from tests.api.test_database_unavailable import ANSWERED_WITHIN, UNAVAILABLE, api_on, timed
from tests.core.services.engagement.stored_mail import stored_mail

SECRET = b"test-secret-key"  # the one `api_on` runs with
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", "Accept": "text/html"}
OFFER = "https://shop.example.test/offer?n=Ann"


async def test_with_sqlite_locked_the_pixel_answers_and_a_link_still_redirects(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "locked.db"
    async with api_on(f"sqlite:///{path}", tmp_path) as client:
        engine = make_engine(f"sqlite:///{path}")
        mail = stored_mail(engine)
        with session_scope(engine) as session:
            store_links(session, mail.enrollment_id, "0", [OFFER])
        engine.dispose()
        pixel = f"/o/{open_token(SECRET, mail.tracked)}"
        link = f"/c/{click_token(SECRET, TrackedLink(mail.enrollment_id, '0', 0))}"
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")  # a stuck writer: reading still works
            with caplog.at_level(logging.WARNING):
                opened, open_took = await timed(client.get(pixel, headers=BROWSER))
                clicked, click_took = await timed(client.get(link, headers=BROWSER))
        finally:
            holder.close()

    assert (opened.status_code, opened.headers["content-type"]) == (200, "image/gif")
    assert (clicked.status_code, clicked.headers["location"]) == (302, OFFER)
    assert max(open_took, click_took) < ANSWERED_WITHIN
    assert "a tracked open was not recorded (OperationalError)" in caplog.text
    assert "a tracked click was not recorded (OperationalError)" in caplog.text
    for secret in (pixel.split("/")[-1], link.split("/")[-1], "shop.example", "p-ann"):
        assert secret not in caplog.text


async def test_with_no_database_the_pixel_answers_and_a_click_is_a_503_page(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql+psycopg://flowline@127.0.0.1:9/flowline",  # nothing listens
        temporal_address="127.0.0.1:9",
        secret_key=SECRET.decode(),
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://flowline.test") as client:
        opened, open_took = await timed(
            client.get(f"/o/{open_token(SECRET, TrackedDelivery(7, '0'))}", headers=BROWSER)
        )
        link = f"/c/{click_token(SECRET, TrackedLink(7, '0', 0))}"
        clicked, click_took = await timed(client.get(link, headers=BROWSER))
        script, _ = await timed(client.get(link, headers={"Accept": "application/json"}))

    assert (opened.status_code, opened.headers["content-type"]) == (200, "image/gif")
    assert clicked.status_code == 503 and "location" not in clicked.headers
    assert clicked.headers["Retry-After"].isdigit()
    assert "Try again in a moment" in clicked.text
    assert script.json() == UNAVAILABLE
    assert max(open_took, click_took) < ANSWERED_WITHIN
