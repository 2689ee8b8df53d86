"""Encrypted Temporal payloads, end to end on a real dev server: what a history holds without
the keys, the /codec endpoints the Temporal Web UI calls, and key rotation across a restart."""

import base64
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from flowline.core.payload_codec import KEY_ID
from testkit.http_target import HttpTarget
from testkit.smtp import SmtpCapture
from tests.api.steps import email_step, wait_step
from tests.support.flowline_harness import Flowline, running_flowline

KEY_A = f"a:{base64.b64encode(os.urandom(32)).decode()}"
KEY_B = f"b:{base64.b64encode(os.urandom(32)).decode()}"
ADDRESS = "ada.lovelace@example.test"
FIRST_NAME = "Augusta-Ada-7c1"
HEADER_SECRET = "crm-token-5f2e9b"
UI_ORIGIN = "http://localhost:8233"


@pytest.fixture
def flowline_settings() -> dict[str, object]:
    return {"payload_keys": KEY_A, "temporal_ui_url": UI_ORIGIN}


def payloads_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every Payload of a history in its JSON form (`{"metadata": {...}, "data": ...}`)."""
    if isinstance(node, dict):
        if isinstance(node.get("metadata"), dict) and "data" in node:
            yield node
        for value in node.values():
            yield from payloads_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from payloads_in(value)


def readable_text(payloads: list[dict[str, Any]], raw: str = "") -> str:
    """The raw JSON plus every payload's data and metadata, base64 taken off."""
    parts = [raw]
    for payload in payloads:
        parts.append(base64.b64decode(payload.get("data", "")).decode(errors="replace"))
        parts += [
            base64.b64decode(v).decode(errors="replace") for v in payload["metadata"].values()
        ]
    return "\n".join(parts)


async def history_json(flowline: Flowline, workflow_id: str, run_id: str) -> str:
    # A client without the codec: what anyone with access to Temporal sees.
    plain = await Client.connect(flowline.settings.temporal_address)
    history = await plain.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    return history.to_json()


async def enroll_with_personal_data(flowline: Flowline) -> dict[str, Any]:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(
        steps=[
            email_step(campaign["id"]),
            {
                "type": "http_call",
                "method": "POST",
                "url": flowline.http_target.url("/crm"),
                "headers": {"X-Api-Token": HEADER_SECRET, "X-Name": "{{ first_name }}"},
                "body": {"name": "{{ first_name }}"},
            },
        ]
    )
    await flowline.profile("p-1", email=ADDRESS, first_name=FIRST_NAME, city="Leiden")
    response = await flowline.enroll(workflow["id"], "p-1")
    assert response.status_code == 201, response.text
    enrollment = await flowline.ended(response.json()["id"])
    assert [d["status"] for d in enrollment["deliveries"]] == ["sent", "sent"]
    return enrollment


async def test_history_without_keys_shows_no_address_header_or_property_value(
    flowline: Flowline,
) -> None:
    enrollment = await enroll_with_personal_data(flowline)

    raw = await history_json(
        flowline, enrollment["temporal_workflow_id"], enrollment["temporal_run_id"]
    )
    payloads = list(payloads_in(json.loads(raw)))
    seen = readable_text(payloads, raw)

    for secret in (ADDRESS, HEADER_SECRET, FIRST_NAME, "Leiden"):
        assert secret not in seen
    encrypted = [p for p in payloads if KEY_ID in p["metadata"]]
    # input, activity inputs and results, summaries and details: all under key "a"
    assert len(encrypted) >= 6
    assert {base64.b64decode(p["metadata"][KEY_ID]) for p in encrypted} == {b"a"}


async def test_the_same_history_decodes_through_the_codec_endpoint(flowline: Flowline) -> None:
    enrollment = await enroll_with_personal_data(flowline)
    raw = await history_json(
        flowline, enrollment["temporal_workflow_id"], enrollment["temporal_run_id"]
    )
    payloads = list(payloads_in(json.loads(raw)))

    # As the Web UI sends it: from its origin, with the namespace header.
    response = await flowline.post(
        "/codec/decode",
        {"payloads": payloads},
        headers={"Origin": UI_ORIGIN, "X-Namespace": "default"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    decoded = response.json()["payloads"]
    assert len(decoded) == len(payloads)
    assert not any(KEY_ID in p["metadata"] for p in decoded)
    shown = readable_text(decoded)
    # The email step's result (it names no address: deliveries outlive an erased profile).
    assert "accepted by the SMTP server" in shown
    assert HEADER_SECRET in shown  # the definition snapshot (workflow input)
    assert "Welcome series" in shown  # the static summary went through the codec as well


async def test_codec_encode_then_decode_round_trips(flowline: Flowline) -> None:
    original = {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(b'{"hello": "world"}').decode(),
    }
    encoded = await flowline.post("/codec/encode", {"payloads": [original]})
    decoded = await flowline.post("/codec/decode", encoded.json())

    assert encoded.status_code == 200 and decoded.status_code == 200
    [sealed] = encoded.json()["payloads"]
    assert base64.b64decode(sealed["metadata"][KEY_ID]) == b"a"
    assert decoded.json() == {"payloads": [original]}


async def test_codec_needs_an_admin_key_but_the_preflight_does_not(flowline: Flowline) -> None:
    body = {"payloads": []}
    anonymous = await flowline.post("/codec/decode", body, headers={"Authorization": ""})
    preflight = await flowline.api.options(
        "/codec/decode",
        headers={
            "Authorization": "",
            "Origin": "http://127.0.0.1:8233",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace",
        },
    )
    stranger = await flowline.api.options(
        "/codec/decode",
        headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "POST"},
    )

    assert anonymous.status_code == 401
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
    assert "x-namespace" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in stranger.headers


async def test_codec_answers_bad_payloads_with_4xx(flowline: Flowline) -> None:
    not_base64 = await flowline.post("/codec/decode", {"payloads": [{"data": "%%%"}]})
    unknown_key = await flowline.post(
        "/codec/decode",
        {
            "payloads": [
                {
                    "metadata": {
                        "encoding": base64.b64encode(b"binary/encrypted").decode(),
                        KEY_ID: base64.b64encode(b"gone").decode(),
                    },
                    "data": base64.b64encode(b"x" * 40).decode(),
                }
            ]
        },
    )
    wrong_shape = await flowline.post("/codec/decode", {"payload": []})

    assert not_base64.status_code == 422
    assert not_base64.json()["errors"][0]["loc"] == ["payloads", 0, "data"]
    assert unknown_key.status_code == 400 and "'gone'" in unknown_key.json()["detail"]
    assert wrong_shape.status_code == 422


async def test_enrollment_started_under_key_a_finishes_after_restart_with_keys_b_a(
    engine: Engine,
    dev_server: WorkflowEnvironment,
    mailbox: SmtpCapture,
    http_target: HttpTarget,
    tmp_path: Path,
) -> None:
    common: dict[str, Any] = {
        "engine": engine,
        "temporal_address": dev_server.client.service_client.config.target_host,
        "mailbox": mailbox,
        "http_target": http_target,
        "data_dir": tmp_path,
        "task_queue": f"test-{uuid.uuid4().hex[:12]}",
    }
    async with running_flowline(**common, payload_keys=KEY_A, end_leftovers=False) as before:
        campaign = await before.campaign()
        workflow = await before.workflow(
            goal={"event": "purchase"},
            exit_on_goal=True,
            steps=[email_step(campaign["id"]), wait_step("P1D"), email_step(campaign["id"])],
        )
        await before.profile("p-1", email=ADDRESS, first_name=FIRST_NAME)
        started = await before.enroll(workflow["id"], "p-1")
        assert started.status_code == 201, started.text
        await mailbox.wait_for(1)  # the first step ran under key A; now it waits a day

    async with running_flowline(**common, payload_keys=f"{KEY_B},{KEY_A}") as after:
        await after.event("p-1", "purchase")
        enrollment = await after.ended(started.json()["id"])
        raw = await history_json(
            after, enrollment["temporal_workflow_id"], enrollment["temporal_run_id"]
        )

    assert enrollment["status"] == "converted"
    events = json.loads(raw)["events"]
    key_ids = {
        event["eventType"]: {
            base64.b64decode(p["metadata"][KEY_ID]).decode()
            for p in payloads_in(event)
            if KEY_ID in p["metadata"]
        }
        for event in events
    }
    assert key_ids["EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"] == {"a"}
    assert key_ids["EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED"] == {"b"}
    assert key_ids["EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"] == {"b"}
    assert ADDRESS not in readable_text(list(payloads_in(events)), raw)
