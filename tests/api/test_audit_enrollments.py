"""Manual enrollments in the audit log: a real start on a Temporal dev server, recorded once by
the key that asked, naming the enrollment and never the profile."""

import httpx

from tests.api.steps import wait_step
from tests.support.flowline_harness import Flowline


async def test_a_manual_enrollment_is_recorded_once_without_the_profile_id(
    flowline: Flowline,
) -> None:
    made = await flowline.post("/v1/api-keys", {"name": "qa desk", "scope": "admin"})
    as_qa = {"Authorization": f"Bearer {made.json()['key']}"}
    workflow = await flowline.workflow(name="Trial nudges", steps=[wait_step("PT1H")])
    await flowline.profile("jan.peeters")

    first = await flowline.post(
        f"/v1/workflows/{workflow['id']}/enrollments", {"profile_id": "jan.peeters"}, headers=as_qa
    )
    again = await flowline.post(
        f"/v1/workflows/{workflow['id']}/enrollments", {"profile_id": "jan.peeters"}, headers=as_qa
    )

    assert (first.status_code, again.status_code) == (201, 200)
    log = await flowline.api.get("/v1/audit", params={"object_type": "enrollment"})
    [entry] = log.json()["items"]
    enrollment_id = first.json()["id"]
    assert entry["actor"] == {"type": "api_key", "id": str(made.json()["id"]), "name": "qa desk"}
    assert entry["action"] == "enrollment.started"
    assert entry["object"] == {
        "type": "enrollment",
        "id": str(enrollment_id),
        "name": f"Trial nudges: enrollment {enrollment_id}",
    }
    assert entry["summary"] == (
        f"enrolled a profile by hand in workflow {workflow['id']} 'Trial nudges' (version 1)"
    )
    assert "jan" not in str(entry)


async def test_a_refused_manual_enrollment_is_not_recorded(flowline: Flowline) -> None:
    workflow = await flowline.workflow(enabled=False)
    await flowline.profile("p-off")

    refused = await flowline.enroll(workflow["id"], "p-off")

    assert refused.status_code == 409
    log: httpx.Response = await flowline.api.get("/v1/audit", params={"object_type": "enrollment"})
    assert log.json()["items"] == []
