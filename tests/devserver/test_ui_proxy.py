"""The proxy in front of the dev server's Web UI: everything passes through unchanged, `/codec/*`
goes to Flowline's API, and an upstream that does not answer is a 502 that says which."""

import httpx
from fastapi import FastAPI, Request, Response

from flowline.devserver.ui_proxy import ui_proxy_app
from testkit.ports import free_port
from tests.support.live_server import serving


def echo(name: str) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def answer(path: str, request: Request) -> Response:
        response = Response(
            f"{name} {request.method} /{path}?{request.url.query} "
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
