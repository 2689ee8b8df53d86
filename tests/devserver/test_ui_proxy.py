"""The proxy in front of the dev server's Web UI: everything passes through unchanged, `/codec/*`
goes to Flowline's API, and an upstream that does not answer is a 502 that says which."""

import httpx
from fastapi import FastAPI, Request, Response

from flowline.core.settings import Settings
from flowline.devserver.ui_proxy import on_flowline_host, ui_proxy_app
from testkit.ports import free_port
from tests.support.live_server import serving


def echo(name: str) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def answer(path: str, request: Request) -> Response:
        response = Response(
            f"{name} {request.method} {request.scope['raw_path'].decode()}?{request.url.query} "
            f"cookie={request.headers.get('cookie')} origin={request.headers.get('origin')} "
            f"body={(await request.body()).decode()}",
            status_code=207,
        )
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    return app


async def test_the_proxy_passes_requests_through_and_hands_the_codec_to_the_api() -> None:
    async with (
        serving(echo("ui")) as ui,
        serving(echo("api")) as api,
        serving(ui_proxy_app(ui, api)) as proxy,  # type: ignore[arg-type]
        httpx.AsyncClient(base_url=proxy) as client,
    ):
        page = await client.get("/namespaces/default/workflows?query=x%20y")
        assert page.status_code == 207
        assert page.text.startswith("ui GET /namespaces/default/workflows?query=x%20y")
        # An id with a slash stays one path segment (%2F), as the Web UI encoded it.
        history = "/namespaces/default/workflows/enroll%3A1%3Aa%2Fb/history"
        run = await client.get(history)
        assert run.text.startswith(f"ui GET {history}?")
        assert page.headers.get_list("set-cookie") == [
            "a=1; Path=/; SameSite=lax",
            "b=2; Path=/; SameSite=lax",
        ]

        decoded = await client.post(
            "/codec/decode",
            content=b'{"payloads": []}',
            headers={"Cookie": "flowline_session=s", "Origin": "http://127.0.0.1:8233"},
        )
        assert decoded.text == (
            "api POST /codec/decode? cookie=flowline_session=s "
            'origin=http://127.0.0.1:8233 body={"payloads": []}'
        )


async def test_an_upstream_that_does_not_answer_is_a_502_naming_it() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with (
        serving(ui_proxy_app(closed, closed)) as proxy,  # type: ignore[arg-type]
        httpx.AsyncClient(base_url=proxy) as client,
    ):
        page = await client.get("/")
        assert page.status_code == 502
        assert page.text.startswith("the Temporal dev server's Web UI did not answer")
        codec = await client.post("/codec/decode", content=b"{}")
        assert codec.status_code == 502
        assert codec.text.startswith("Flowline's API did not answer")


async def test_the_other_loopback_name_is_redirected_to_the_sessions_host_name() -> None:
    async with (
        serving(echo("ui")) as ui,
        serving(ui_proxy_app(ui, ui, "127.0.0.1")) as proxy,  # type: ignore[arg-type]
    ):
        port = proxy.rsplit(":", 1)[1]
        async with httpx.AsyncClient(base_url=f"http://localhost:{port}") as client:
            moved = await client.post("/namespaces/default/workflows?x=1", content=b"{}")
        assert moved.status_code == 307
        assert (
            moved.headers["location"] == f"http://127.0.0.1:{port}/namespaces/default/workflows?x=1"
        )
        async with httpx.AsyncClient(base_url=proxy) as client:
            assert (await client.get("/")).status_code == 207


def test_the_web_ui_gets_flowlines_host_name_when_both_are_loopback_names() -> None:
    def ui_url(**values: object) -> str:
        return on_flowline_host(Settings(**values)).temporal_ui_url  # type: ignore[arg-type]

    assert ui_url() == "http://127.0.0.1:8233"  # the defaults: localhost:8233, 127.0.0.1:8000
    assert ui_url(api_host="localhost") == "http://localhost:8233"
    assert ui_url(public_url="http://localhost:8000") == "http://localhost:8233"
    assert ui_url(temporal_ui_url="http://127.0.0.1:9233") == "http://127.0.0.1:9233"
    # Not both on loopback: left as configured.
    assert ui_url(public_url="https://flowline.example") == "http://localhost:8233"
    assert ui_url(temporal_ui_url="https://temporal.example/ui") == "https://temporal.example/ui"
