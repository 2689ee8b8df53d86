"""Who may use the codec endpoints: an admin key from anywhere, or a signed-in web UI session from
the Temporal Web UI's origin only (the browser sends nothing else)."""

from pathlib import Path

import httpx
from sqlalchemy import Engine

from flowline.core.settings import Settings
from tests.web.client import ADMIN_KEY, signed_in, web_client

WEB_UI = "http://localhost:8233"  # the default FLOWLINE_TEMPORAL_UI_URL
BODY = {"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "eyJhIjogMX0="}]}


async def decode(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    return await client.post("/codec/decode", json=BODY, headers=headers)


def test_the_default_web_ui_address_is_the_one_these_tests_assume() -> None:
    assert Settings.model_fields["temporal_ui_url"].default == WEB_UI


async def test_a_signed_in_session_decodes_from_the_web_ui_under_either_loopback_name(
    engine: Engine, tmp_path: Path
) -> None:
    async with web_client(engine, tmp_path) as client:
        await signed_in(client)
        for origin in (WEB_UI, "http://127.0.0.1:8233"):
            answer = await decode(client, Origin=origin, **{"X-Namespace": "default"})
            assert answer.status_code == 200, answer.text
            assert answer.json() == BODY  # without payload keys, payloads pass through


async def test_a_session_is_refused_from_any_other_origin_or_without_one(
    engine: Engine, tmp_path: Path
) -> None:
    async with web_client(engine, tmp_path) as client:
        await signed_in(client)
        for origin in ("http://localhost:3000", "https://evil.example", "null"):
            answer = await decode(client, Origin=origin)
            assert answer.status_code == 403, answer.text
            detail = answer.json()["detail"]
            assert "only from the Temporal Web UI at http://localhost:8233" in detail
        assert (await decode(client)).status_code == 403


async def test_without_a_valid_session_or_key_the_codec_answers_401(
    engine: Engine, tmp_path: Path
) -> None:
    async with web_client(engine, tmp_path) as client:
        assert (await decode(client, Origin=WEB_UI)).status_code == 401
        await signed_in(client, key="not-a-key")
        assert (await decode(client, Origin=WEB_UI)).status_code == 401
        # A session of a key that is no longer valid (here: a forged reference) is no session.
        client.cookies.clear()
        client.cookies.set("flowline_session", "forged.value", domain="flowline.test")
        answer = await decode(client, Origin=WEB_UI)
        assert answer.status_code == 401, answer.text


async def test_the_admin_key_still_works_from_anywhere_and_wins_over_a_session(
    engine: Engine, tmp_path: Path
) -> None:
    async with web_client(engine, tmp_path) as client:
        await signed_in(client)
        answer = await decode(client, Authorization=f"Bearer {ADMIN_KEY}", Origin="http://x.test")
        assert answer.status_code == 200, answer.text
        assert (await decode(client, Authorization="Bearer wrong")).status_code == 401
