"""`GET/POST/DELETE /v1/suppressions`: the list by masked address, found by the whole address."""

import httpx
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.api.error_shape import assert_error


async def test_add_search_and_remove_an_address(api: httpx.AsyncClient, engine: Engine) -> None:
    added = await api.post(
        "/v1/suppressions", json={"address": " Ann.Lee@Example.com ", "detail": "asked by phone"}
    )
    assert added.status_code == 201, added.text
    row = added.json()
    assert (row["address"], row["reason"], row["detail"]) == (
        "a***@example.com",
        "manual",
        "asked by phone",
    )
    again = await api.post(
        "/v1/suppressions", json={"address": "ann.lee@example.com", "reason": "complaint"}
    )
    assert again.status_code == 201 and again.json()["id"] == row["id"]
    assert again.json()["reason"] == "manual"  # the first reason and date stay
    await api.post("/v1/suppressions", json={"address": "bob@example.org", "reason": "complaint"})

    everything = (await api.get("/v1/suppressions")).json()
    found = (await api.get("/v1/suppressions", params={"address": "ANN.LEE@example.com"})).json()
    missing = (await api.get("/v1/suppressions", params={"address": "zed@example.com"})).json()

    assert everything["total"] == 2
    assert [i["address"] for i in everything["items"]] == ["b***@example.org", "a***@example.com"]
    assert [i["id"] for i in found["items"]] == [row["id"]] and found["total"] == 1
    assert missing == {"items": [], "total": 0, "offset": 0, "limit": 50}
    page = (await api.get("/v1/suppressions", params={"limit": 1, "offset": 1})).json()
    assert [i["address"] for i in page["items"]] == ["a***@example.com"]

    removed = await api.request(
        "DELETE", "/v1/suppressions", json={"address": "ann.lee@example.com"}
    )
    assert removed.status_code == 204
    gone = await api.request("DELETE", "/v1/suppressions", json={"address": "ann.lee@example.com"})
    assert_error(gone, 404)
    assert "not on the suppression list" in gone.json()["detail"]
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT * FROM suppressions")).all()
    assert len(stored) == 1 and "bob@example.org" not in repr(stored)


async def test_bad_addresses_and_reasons_are_refused_in_words(api: httpx.AsyncClient) -> None:
    for body, loc in [
        ({"address": "not an address"}, ["address"]),
        ({"address": "a@b.test, c@d.test"}, ["address"]),
        ({"address": "a@b.test", "reason": "bored"}, ["reason"]),
        ({}, ["address"]),
    ]:
        response = await api.post("/v1/suppressions", json=body)
        assert_error(response, 422, loc)
    bad = await api.post("/v1/suppressions", json={"address": "nope"})
    assert bad.json()["errors"][0]["msg"] == "Enter one email address, such as ann@example.com."
    search = await api.get("/v1/suppressions", params={"address": "ann"})
    assert_error(search, 422, ["query", "address"])
    assert "Enter one email address" in search.json()["detail"]


async def test_the_list_is_for_admin_keys_only(api: httpx.AsyncClient) -> None:
    created = await api.post("/v1/api-keys", json={"name": "ingest", "scope": "ingest"})
    ingest_key = created.json()["key"]
    headers = {"Authorization": f"Bearer {ingest_key}"}
    assert_error(await api.get("/v1/suppressions", headers=headers), 403)
    no_key = {"Authorization": ""}
    assert_error(await api.get("/v1/suppressions", headers=no_key), 401)
