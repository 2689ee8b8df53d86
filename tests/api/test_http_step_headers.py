"""HTTP step headers that Flowline sets itself are refused at save, with the header's path."""

import pytest

from tests.api.steps import http_step
from tests.support.flowline_harness import Flowline


@pytest.mark.parametrize("name", ["Idempotency-Key", "idempotency-key", "HOST", "Content-Length"])
async def test_step_header_overriding_ours_is_a_422_with_its_path(
    flowline: Flowline, name: str
) -> None:
    step = http_step(flowline.http_target.url("/x"), headers={"X-Ok": "1", name: "mine"})
    body = {"name": "W", "trigger": {"type": "event", "event": "registered"}, "steps": [step]}

    response = await flowline.post("/v1/workflows", body)

    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["error"] == "ValidationError"
    assert [e["loc"] for e in payload["errors"]] == [["steps", 0, "headers", name]]
    assert f"steps.0.headers.{name}: {name} is set by Flowline" in payload["detail"]
    assert (await flowline.api.get("/v1/workflows")).json() == []
