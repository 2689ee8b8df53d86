"""`GET /v1/profiles`: by id prefix, by a property's value, both, or all; paginated by id."""

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.services.profiles import search


async def _profile(api: httpx.AsyncClient, profile_id: str, **properties: Any) -> None:
    response = await api.put(f"/v1/profiles/{profile_id}", json={"properties": properties})
    assert response.status_code == 200, response.text


async def _ids(api: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await api.get("/v1/profiles", params=params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["items"]]


async def test_a_prefix_finds_the_ids_that_start_with_it_in_id_order(
    api: httpx.AsyncClient,
) -> None:
    for pid in ("ams-2", "ams-10", "amsterdam", "am", "ams", "ant-1", "Ams-3", "ams\U0010ffff"):
        await _profile(api, pid, city="x")

    assert await _ids(api, prefix="ams") == ["ams", "ams-10", "ams-2", "amsterdam", "ams\U0010ffff"]
    assert await _ids(api, prefix="ams-") == ["ams-10", "ams-2"]
    assert await _ids(api, prefix="Ams") == ["Ams-3"]  # case-sensitive, like the ids
    assert await _ids(api, prefix="zz") == []
    everyone = (await api.get("/v1/profiles")).json()
    assert everyone["total"] == 8 and everyone["items"][0]["id"] == "Ams-3"
    assert everyone["items"][0]["properties"] == {"city": "x"}


async def test_pages_follow_the_id_order_and_count_every_match(api: httpx.AsyncClient) -> None:
    for n in range(7):
        await _profile(api, f"p-{n}", plan="pro" if n % 2 else "free")

    first = (await api.get("/v1/profiles", params={"prefix": "p-", "limit": 3})).json()
    second = (
        await api.get("/v1/profiles", params={"prefix": "p-", "limit": 3, "offset": 3})
    ).json()
    assert [p["id"] for p in first["items"]] == ["p-0", "p-1", "p-2"]
    assert [p["id"] for p in second["items"]] == ["p-3", "p-4", "p-5"]
    assert (first["total"], first["offset"], first["limit"]) == (7, 0, 3)
    pro = (
        await api.get("/v1/profiles", params={"property": "plan", "value": "pro", "limit": 2})
    ).json()
    assert [p["id"] for p in pro["items"]] == ["p-1", "p-3"] and pro["total"] == 3


async def test_a_value_matches_as_text_whatever_its_json_type(api: httpx.AsyncClient) -> None:
    await _profile(api, "s", v="3", optin="true", city="Utrecht")
    await _profile(api, "i", v=3, optin=True, city="utrecht")
    await _profile(api, "f", v=3.0, optin=False, city="Utrecht ")
    await _profile(api, "half", v=0.5, third=1 / 3, big=10**20, tags=["3"], nested={"v": 3})

    assert await _ids(api, property="v", value="3") == ["f", "i", "s"]
    # A number in another form finds the numbers equal to it (and strings in its shortest form).
    assert await _ids(api, property="v", value="3.0") == ["f", "i", "s"]
    assert await _ids(api, property="v", value="3e0") == ["f", "i", "s"]
    assert await _ids(api, property="v", value="0.5") == ["half"]
    assert await _ids(api, property="v", value=".5") == ["half"]
    assert await _ids(api, property="third", value=repr(1 / 3)) == ["half"]
    assert await _ids(api, property="big", value=str(10**20)) == ["half"]
    assert await _ids(api, property="optin", value="true") == ["i", "s"]
    assert await _ids(api, property="optin", value="false") == ["f"]
    assert await _ids(api, property="city", value="Utrecht") == ["s"]  # exact, case and spaces
    assert await _ids(api, property="tags", value='["3"]') == []  # arrays are not searchable
    assert await _ids(api, property="nested", value='{"v": 3}') == []
    assert await _ids(api, property="v", value="3", prefix="i") == ["i"]


async def test_the_search_follows_every_change_and_erasure(api: httpx.AsyncClient) -> None:
    await _profile(api, "anna", city="Utrecht", plan="free")
    await _profile(api, "anna", city="Amsterdam")
    assert await _ids(api, property="city", value="Utrecht") == []
    assert await _ids(api, property="city", value="Amsterdam") == ["anna"]
    event = {"profile_id": "bert", "name": "signup"}
    assert (await api.post("/v1/events", json=event)).status_code == 202
    await _profile(api, "bert", plan="free")
    assert await _ids(api, property="plan", value="free") == ["anna", "bert"]
    await _profile(api, "anna", plan=None)
    assert await _ids(api, property="plan", value="free") == ["bert"]
    assert (await api.delete("/v1/profiles/bert")).status_code == 204
    assert await _ids(api, property="plan", value="free") == []


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"property": "city"}, "value"),
        ({"value": "Utrecht"}, "property"),
        ({"property": "", "value": "x"}, "property"),
        ({"prefix": "a\nb"}, "prefix"),
        ({"prefix": "x" * 256}, "prefix"),
        ({"property": "city", "value": "x" * 256}, "value"),
        ({"property": "city", "value": "a\x00"}, "value"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
async def test_bad_queries_are_422_naming_the_parameter(
    api: httpx.AsyncClient, params: dict[str, Any], where: str
) -> None:
    response = await api.get("/v1/profiles", params=params)
    assert response.status_code == 422, response.text
    assert [e["loc"][-1] for e in response.json()["errors"]] == [where]


async def test_an_ingest_key_may_not_list_profiles(api: httpx.AsyncClient) -> None:
    created = await api.post("/v1/api-keys", json={"name": "shop", "scope": "ingest"})
    ingest = {"Authorization": f"Bearer {created.json()['key']}"}
    response = await api.get("/v1/profiles", params={"prefix": "a"}, headers=ingest)
    assert response.status_code == 403


async def test_under_a_linguistic_collation_a_prefix_still_finds_exactly_its_ids(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the database does not compare by code point, the prefix is compared as such."""
    monkeypatch.setattr(search, "ids_in_code_point_order", lambda session: False)
    for pid in ("ams-2", "ams1", "amsterdam", "am", "Ams-3", "ams\U0010ffff"):
        await _profile(api, pid, city="x")
    assert sorted(await _ids(api, prefix="ams-")) == ["ams-2"]
    assert sorted(await _ids(api, prefix="ams")) == ["ams-2", "ams1", "amsterdam", "ams\U0010ffff"]
    found = await _ids(api, property="city", value="x", prefix="am")
    assert sorted(found) == ["am", "ams-2", "ams1", "amsterdam", "ams\U0010ffff"]


def test_this_database_compares_ids_by_code_point(engine: Engine) -> None:
    """SQLite always; the PostgreSQL the tests use is created with C.UTF-8."""
    with Session(engine) as session:
        assert search.ids_in_code_point_order(session)


def test_a_plainly_typed_value_is_one_text_to_look_up() -> None:
    """One text is one ordered index range: no sort of every match for a common value."""
    assert search.value_texts("3") == ["3"]
    assert search.value_texts("true") == ["true"]
    assert search.value_texts("0.5") == ["0.5"]
    assert search.value_texts("3.0") == ["3.0", "3"]
    assert search.value_texts(repr(1 / 3)) == [repr(1 / 3), "0.333333333333333"]
