"""Profiles: properties merge on upsert; the profile shows its enrollments."""

from tests.support.flowline_harness import Flowline


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
