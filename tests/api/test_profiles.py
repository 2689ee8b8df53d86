"""Profiles: properties merge on upsert; the profile shows its enrollments; erasure."""

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select
from temporalio.service import RPCError, RPCStatusCode

from flowline.core.models.outbox import OutboxIntent
from testkit.eventually import eventually
from tests.api.steps import email_step, http_step, wait_step
from tests.support.flowline_harness import Flowline
from tests.support.profile_ids import TRICKY_PROFILE_IDS, profile_path


async def test_put_merges_properties_and_null_removes_one(flowline: Flowline) -> None:
    await flowline.profile("p-merge", email="a@example.test", city="Utrecht")
    await flowline.profile("p-merge", city="Amsterdam", email=None, first_name="Ada")

    fetched = (await flowline.api.get("/v1/profiles/p-merge")).json()
    assert fetched["properties"] == {"city": "Amsterdam", "first_name": "Ada"}
    assert fetched["enrollments"] == []


async def test_unknown_profile_is_404(flowline: Flowline) -> None:
    response = await flowline.api.get("/v1/profiles/nobody")
    assert response.status_code == 404 and response.json()["error"] == "NotFound"


async def test_properties_must_be_an_object(flowline: Flowline) -> None:
    response = await flowline.api.put("/v1/profiles/p-bad", json={"properties": [1, 2]})
    assert response.status_code == 422


async def test_erasure_leaves_no_address_or_property_value_in_tables_responses_or_temporal(
    flowline: Flowline,
) -> None:
    tag = uuid.uuid4().hex[:8]  # the session's dev server outlives the tables
    profile_id = f"p-erase-{tag}"
    secrets = [f"alice-{tag}@example.test", f"Zerlinda{tag}", f"Quixotica{tag}", f"4111{tag}"]
    address, first_name, city, card = secrets
    # A tracked link with a merge tag: the link as this mail had it is stored (email_links).
    campaign = await flowline.campaign(
        html='<p>Hello {{ first_name }}</p><a href="https://shop.test/?n={{ first_name }}">Shop</a>'
    )
    running = await flowline.workflow(
        goal={"event": "purchase"},
        steps=[
            email_step(campaign["id"]),
            http_step(
                flowline.http_target.url("/crm"),
                headers={"X-City": "{{ city }}"},
                body={"name": "{{ first_name }}", "p": "{{ profile_id }}"},
            ),
            wait_step("PT1H"),
        ],
    )
    closed = await flowline.workflow(
        name="Closed twice",
        steps=[http_step(flowline.http_target.url("/closed"), body={"c": "{{ city }}"})],
    )
    await flowline.profile(profile_id, email=address, first_name=first_name, city=city)
    await flowline.event(profile_id, "registered")
    await flowline.mailbox.wait_for(1)
    [crm] = await flowline.http_target.wait_for("/crm", 1)
    assert crm.headers["X-City"] == city and crm.json()["name"] == first_name
    [first_closed] = await flowline.enrollments_of(closed["id"])
    await run_closed(flowline, first_closed)
    await flowline.event(profile_id, "registered")  # re-entry: a second run of `closed`
    await flowline.http_target.wait_for("/closed", 2)
    second_closed = next(
        e for e in await flowline.enrollments_of(closed["id"]) if e["id"] != first_closed["id"]
    )
    await run_closed(flowline, second_closed)
    await flowline.event(profile_id, "purchase", properties={"card": card})  # a goal intent
    await flowline.settled()
    [enrollment] = await flowline.enrollments_of(running["id"])
    enrollments = [enrollment, first_closed, second_closed]
    runs = [(e["temporal_workflow_id"], e["temporal_run_id"]) for e in enrollments]
    # Everything the search below looks through did hold the data.
    assert all(found_in_tables(flowline, s) for s in secrets), "nothing to erase?"
    assert "email_links.url" in found_in_tables(flowline, first_name)
    masked = "a***@example.test"  # the timeline's address, written with the delivery
    assert found_in_tables(flowline, masked) == ["deliveries.facts"]
    timeline = (await flowline.enrollment(enrollment["id"]))["timeline"]
    assert any(masked in entry["summary"] for entry in timeline)
    # The history names the profile (its id); the address itself never reaches it.
    history = await history_bytes(flowline, *runs[0])
    assert profile_id.encode() in history and address.encode() not in history

    assert (await flowline.api.delete(f"/v1/profiles/{profile_id}")).status_code == 204
    await flowline.settled()

    assert (await flowline.api.get(f"/v1/profiles/{profile_id}")).status_code == 404
    for secret in [*secrets, masked]:
        assert found_in_tables(flowline, secret) == []
    details = [await flowline.enrollment(e["id"]) for e in enrollments]
    assert not any(secret in json.dumps(details) for secret in [*secrets, masked])
    assert (details[0]["status"], details[0]["exit_reason"]) == ("exited", "profile_deleted")
    assert [d["status"] for d in details[0]["deliveries"]] == ["sent", "sent"]  # counts stay
    assert [d["status"] for d in details[1:]] == ["completed", "completed"]
    with Session(flowline.engine) as session:
        assert session.exec(select(OutboxIntent)).all() == []  # done erasure: no trace either

    async def deleted_from_temporal() -> bool:
        query = f"FlowlineProfileId = '{profile_id}'"
        visible = [e async for e in flowline.temporal.list_workflows(query)]
        return not visible and all([await history_gone(flowline, *run) for run in runs])

    # Temporal deletes a closed run once its visibility record is closed: ~30 s on a dev server.
    await eventually(deleted_from_temporal, 90, "every run's history deleted")
    assert (await flowline.api.delete(f"/v1/profiles/{profile_id}")).status_code == 204


async def test_erasing_an_unknown_profile_answers_204(flowline: Flowline) -> None:
    response = await flowline.api.delete("/v1/profiles/never-seen")

    assert response.status_code == 204
    await flowline.settled()
    with Session(flowline.engine) as session:
        assert session.exec(select(OutboxIntent)).all() == []  # nothing to erase in Temporal


async def run_closed(flowline: Flowline, enrollment: dict[str, Any]) -> None:
    """Until the run is closed in Temporal (not only recorded as ended)."""
    handle = flowline.temporal.get_workflow_handle(
        enrollment["temporal_workflow_id"], run_id=enrollment["temporal_run_id"]
    )
    await handle.result()


def found_in_tables(flowline: Flowline, secret: str) -> list[str]:
    """`table.column` wherever a value holds `secret`, in every table the models define."""
    found = []
    with flowline.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    if secret in text:
                        found.append(f"{table.name}.{column}")
    return found


async def history_bytes(flowline: Flowline, workflow_id: str, run_id: str) -> bytes:
    handle = flowline.temporal.get_workflow_handle(workflow_id, run_id=run_id)
    history = await handle.fetch_history()
    return bytes(history.to_json(), "utf-8") + b"".join(
        event.SerializeToString() for event in history.events
    )


async def history_gone(flowline: Flowline, workflow_id: str, run_id: str) -> bool:
    try:
        await history_bytes(flowline, workflow_id, run_id)
    except RPCError as error:
        return error.status == RPCStatusCode.NOT_FOUND
    return False


@pytest.mark.parametrize("profile_id", [TRICKY_PROFILE_IDS["255-emoji"], "gdpr/subject #1"])
async def test_a_trigger_enrolls_any_ingested_id_and_erasure_deletes_the_run(
    flowline: Flowline, profile_id: str
) -> None:
    workflow = await flowline.workflow(steps=[wait_step("PT1H")])
    await flowline.event(profile_id, "registered")
    await flowline.settled()
    [enrollment] = await flowline.enrollments_of(workflow["id"])
    assert enrollment["profile_id"] == profile_id and enrollment["status"] == "active"
    run = (enrollment["temporal_workflow_id"], enrollment["temporal_run_id"])

    assert (await flowline.api.delete(profile_path(profile_id))).status_code == 204
    await flowline.settled()

    async def deleted() -> bool:
        return await history_gone(flowline, *run)

    await eventually(deleted, 30, "the running enrollment's history deleted")
