"""The `http_call` activity against a real HTTP server on 127.0.0.1."""

import pytest

from tests.api.steps import http_step
from tests.support.flowline_harness import Flowline
from tests.support.stored_workflows import store_unchecked_workflow


async def run_http_workflow(flowline: Flowline, path: str, **step: object) -> dict[str, object]:
    target = flowline.http_target
    workflow = await flowline.workflow(
        steps=[http_step(target.url(path), **step), http_step(target.url("/after"))]
    )
    await flowline.profile("p-http")
    enrolled = await flowline.enroll(workflow["id"], "p-http")
    assert enrolled.status_code == 201, enrolled.text
    return await flowline.ended(enrolled.json()["id"])


async def test_503_then_200_is_retried_and_delivered_once(flowline: Flowline) -> None:
    flowline.http_target.script("/flaky", [503, 200])

    enrollment = await run_http_workflow(flowline, "/flaky")

    calls = flowline.http_target.to("/flaky")
    assert len(calls) == 2
    assert calls[0].headers["Idempotency-Key"] == calls[1].headers["Idempotency-Key"]
    delivery = enrollment["deliveries"][0]
    assert (delivery["status"], delivery["attempts"]) == ("sent", 2)
    assert enrollment["status"] == "completed"


async def test_429_is_retried_until_the_bound_then_recorded_failed(flowline: Flowline) -> None:
    flowline.http_target.script("/busy", [429, 429, 429, 429])

    enrollment = await run_http_workflow(flowline, "/busy")

    assert len(flowline.http_target.to("/busy")) == 3  # FLOWLINE_HTTP_MAX_ATTEMPTS in the harness
    assert enrollment["deliveries"][0]["status"] == "failed"
    assert "gave up after 3 attempts" in enrollment["deliveries"][0]["detail"]
    assert enrollment["status"] == "completed"  # on_failure: continue


async def test_400_is_not_retried_and_the_enrollment_goes_on(flowline: Flowline) -> None:
    flowline.http_target.script("/reject", [400])

    enrollment = await run_http_workflow(flowline, "/reject")

    assert len(flowline.http_target.to("/reject")) == 1
    assert enrollment["deliveries"][0]["status"] == "failed"
    assert enrollment["deliveries"][0]["detail"].startswith("HTTP 400")
    assert len(flowline.http_target.to("/after")) == 1
    assert enrollment["status"] == "completed"


async def test_failure_with_on_failure_exit_ends_the_enrollment_failed(flowline: Flowline) -> None:
    flowline.http_target.script("/reject", [422])

    enrollment = await run_http_workflow(flowline, "/reject", on_failure="exit")

    assert (enrollment["status"], enrollment["exit_reason"]) == ("failed", "http_step_failed")
    assert flowline.http_target.to("/after") == []


class TestWithoutPrivateNetworks:
    @pytest.fixture
    def flowline_settings(self) -> dict[str, object]:
        return {"http_allow_private_networks": False}

    async def test_loopback_target_is_refused(self, flowline: Flowline) -> None:
        # Saving refuses this URL now; one stored while private networks were allowed still runs.
        target = flowline.http_target
        steps = [http_step(target.url("/private")), http_step(target.url("/after"))]
        workflow_id = store_unchecked_workflow(flowline.engine, steps)
        await flowline.profile("p-http")
        enrolled = await flowline.enroll(workflow_id, "p-http")
        assert enrolled.status_code == 201, enrolled.text
        enrollment = await flowline.ended(enrolled.json()["id"])

        assert flowline.http_target.requests == []
        delivery = enrollment["deliveries"][0]
        assert delivery["status"] == "failed"
        assert "non-public address (127.0.0.1)" in delivery["detail"]
