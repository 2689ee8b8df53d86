"""`GET/PUT /v1/settings`: the installation's email frequency cap."""

from tests.support.flowline_harness import Flowline


async def test_settings_start_without_a_cap_and_keep_what_is_put(flowline: Flowline) -> None:
    assert (await flowline.api.get("/v1/settings")).json() == {"email_frequency_cap": None}

    put = await flowline.api.put(
        "/v1/settings", json={"email_frequency_cap": {"max": 3, "per": "P7D"}}
    )
    read = await flowline.api.get("/v1/settings")

    assert put.status_code == 200
    assert read.json() == {"email_frequency_cap": {"max": 3, "per": "PT604800S"}}


async def test_null_switches_the_cap_off(flowline: Flowline) -> None:
    await flowline.api.put("/v1/settings", json={"email_frequency_cap": {"max": 1, "per": 60}})
    off = await flowline.api.put("/v1/settings", json={"email_frequency_cap": None})
    assert off.json() == {"email_frequency_cap": None}
    assert (await flowline.api.get("/v1/settings")).json() == {"email_frequency_cap": None}


async def test_bad_caps_are_422_with_their_path(flowline: Flowline) -> None:
    for cap, loc in [
        ({"max": 0, "per": "P1D"}, ["email_frequency_cap", "max"]),
        ({"max": 2, "per": "PT0S"}, ["email_frequency_cap", "per"]),
        ({"max": 2, "per": "P400D"}, ["email_frequency_cap", "per"]),
        ({"max": 2}, ["email_frequency_cap", "per"]),
    ]:
        response = await flowline.api.put("/v1/settings", json={"email_frequency_cap": cap})
        assert response.status_code == 422, cap
        assert [e["loc"] for e in response.json()["errors"]] == [loc]
    unknown = await flowline.api.put("/v1/settings", json={"email_cap": None})
    assert unknown.status_code == 422


async def test_settings_need_an_admin_key(flowline: Flowline) -> None:
    created = await flowline.post("/v1/api-keys", {"name": "shop", "scope": "ingest"})
    ingest = {"Authorization": f"Bearer {created.json()['key']}"}
    assert (await flowline.api.get("/v1/settings", headers=ingest)).status_code == 403
    assert (
        await flowline.api.get("/v1/settings", headers={"Authorization": ""})
    ).status_code == 401
