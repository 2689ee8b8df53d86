"""HTTP step headers that Flowline sets or that steer the connection are refused at save, with
the header's path, however they are spelt."""

import pytest

from tests.api.steps import http_step
from tests.support.flowline_harness import Flowline

REFUSED = [
    "Idempotency-Key",
    "idempotency-key",
    "Idempotency_Key",
    "HOST",
    "Content-Length",
    "content_length",
    "Transfer-Encoding",
    "transfer_encoding",
    "Connection",
    "TE",
    "Upgrade",
    "Keep-Alive",
    "Trailer",
    "Proxy-Authorization",
    "Proxy_Connection",
]


def workflow_body(flowline: Flowline, headers: dict[str, str]) -> dict[str, object]:
    step = http_step(flowline.http_target.url("/x"), headers={"X-Ok": "1", **headers})
    branch = {
        "type": "branch",
        "condition": {"property": "vip", "op": "eq", "value": True},
        "then": [step],
    }
    return {
        "name": "W",
        "trigger": {"type": "event", "event": "registered"},
        "steps": [step, branch],
    }


@pytest.mark.parametrize("name", REFUSED)
async def test_refused_step_header_is_a_422_with_its_path(flowline: Flowline, name: str) -> None:
    response = await flowline.post("/v1/workflows", workflow_body(flowline, {name: "mine"}))

    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["error"] == "ValidationError"
    assert [e["loc"] for e in payload["errors"]] == [
        ["steps", 0, "headers", name],
        ["steps", 1, "then", 0, "headers", name],
    ]
    assert f"steps.0.headers.{name}: {name} " in payload["detail"]
    assert (await flowline.api.get("/v1/workflows")).json() == []


async def test_refused_step_header_is_a_422_on_update_too(flowline: Flowline) -> None:
    workflow = await flowline.workflow(steps=[http_step(flowline.http_target.url("/x"))])
    body = workflow_body(flowline, {"Transfer-Encoding": "chunked"})

    response = await flowline.api.put(f"/v1/workflows/{workflow['id']}", json=body)

    assert response.status_code == 422, response.text
    assert "Transfer-Encoding cannot be set on an HTTP step" in response.json()["detail"]
    assert (await flowline.api.get(f"/v1/workflows/{workflow['id']}")).json()["version"] == 1
