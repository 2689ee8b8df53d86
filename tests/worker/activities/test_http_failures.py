"""HTTP steps: a request that cannot be sent fails at once, answers are read up to 64 KiB.

Real HTTP server on 127.0.0.1, real Temporal dev server, real database.
"""

import pytest

from flowline.worker.activities.http_request import MAX_RESPONSE_BODY
from tests.api.steps import http_step
from tests.support.flowline_harness import Flowline
from tests.support.peak_memory import peak_growth
from tests.support.stored_workflows import store_unchecked_workflow

FIFTY_MB = 50 * 1024 * 1024


async def test_invalid_url_and_render_error_fail_at_once_and_on_failure_exit_ends_it(
    flowline: Flowline,
) -> None:
    target = flowline.http_target
    workflow = await flowline.workflow(
        steps=[
            http_step("http://" + "é" * 64 + ".example/x"),  # httpx.InvalidURL (IDNA)
            http_step(target.url("/render"), body={"n": "{{ 1/0 }}"}, on_failure="exit"),
            http_step(target.url("/after")),
        ]
    )
    await flowline.profile("p-invalid")

    enrolled = (await flowline.enroll(workflow["id"], "p-invalid")).json()
    ended = await flowline.ended(enrolled["id"])

    assert (ended["status"], ended["exit_reason"]) == ("failed", "http_step_failed")
    invalid_url, render_error = ended["deliveries"]
    assert (invalid_url["status"], invalid_url["attempts"]) == ("failed", 1)
    assert invalid_url["detail"].startswith("invalid URL")
    assert (render_error["status"], render_error["attempts"]) == ("failed", 1)
    assert "template error" in render_error["detail"]
    assert target.requests == []


async def test_a_50_mb_answer_is_read_to_64_kib_and_memory_stays_bounded(
    flowline: Flowline,
) -> None:
    flowline.http_target.answer_large("/big", FIFTY_MB)
    workflow = await flowline.workflow(steps=[http_step(flowline.http_target.url("/big"))])
    await flowline.profile("p-big")

    with peak_growth() as growth:
        enrolled = (await flowline.enroll(workflow["id"], "p-big")).json()
        ended = await flowline.ended(enrolled["id"])

    [delivery] = ended["deliveries"]
    assert delivery["status"] == "sent"
    assert delivery["detail"] == "HTTP 200: " + "x" * 300
    # Whatever the kernel buffered, the server could not hand over the whole answer.
    assert flowline.http_target.bytes_sent["/big"] < FIFTY_MB // 2
    # The whole process (API, worker, servers): reading the answer whole would add 50 MiB.
    peak = growth.bytes
    assert peak < 16 * 1024 * 1024, f"memory rose {peak / 2**20:.1f} MiB while reading the answer"
    assert MAX_RESPONSE_BODY == 64 * 1024


class TestWithoutPrivateNetworks:
    @pytest.fixture
    def flowline_settings(self) -> dict[str, object]:
        return {"http_allow_private_networks": False}

    async def test_nat64_address_of_the_metadata_service_is_refused(
        self, flowline: Flowline
    ) -> None:
        # Saving refuses this URL now; one stored while private networks were allowed still runs.
        steps = [http_step("http://[64:ff9b::a9fe:a9fe]/x")]
        workflow_id = store_unchecked_workflow(flowline.engine, steps)
        await flowline.profile("p-nat64")

        enrolled = (await flowline.enroll(workflow_id, "p-nat64")).json()
        ended = await flowline.ended(enrolled["id"])

        [delivery] = ended["deliveries"]
        assert (delivery["status"], delivery["attempts"]) == ("failed", 1)
        assert "non-public address (64:ff9b::a9fe:a9fe)" in delivery["detail"]
