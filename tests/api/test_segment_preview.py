"""`POST /v1/segments/preview`: who matches a rule now, before it is saved."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

RULE: dict[str, Any] = {
    "all": [
        {"property": "city", "op": "eq", "value": "Utrecht"},
        {
            "any": [
                {"event": "purchase", "min_count": 2, "within": "P30D"},
                {"not": {"event": "page_view"}},
            ]
        },
        {"event": "purchase", "where": {"property": "plan", "op": "eq", "value": "pro"}},
    ]
}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def _seed(api: httpx.AsyncClient, n: int = 60) -> list[str]:
    now = datetime.now(UTC)
    ids = [f"person-{i:03d}" for i in range(n)]
    events = []
    for i, pid in enumerate(ids):
        city = ["Utrecht", "Amsterdam", "Utrecht "][i % 3]
        response = await api.put(f"/v1/profiles/{pid}", json={"properties": {"city": city}})
        assert response.status_code == 200, response.text
        for k in range(i % 4):
            days = 40 if (i + k) % 5 == 0 else 3
            plan = "pro" if (i + k) % 2 else "free"
            events.append(
                {
                    "profile_id": pid,
                    "name": "purchase",
                    "properties": {"plan": plan},
                    "timestamp": _iso(now - timedelta(days=days)),
                }
            )
        if i % 7 == 0:
            events.append({"profile_id": pid, "name": "page_view"})
    response = await api.post("/v1/events/batch", json={"events": events})
    assert response.status_code == 202, response.text
    return ids


async def _preview(api: httpx.AsyncClient, rule: Any) -> httpx.Response:
    return await api.post("/v1/segments/preview", json={"rule": rule})


async def test_preview_counts_equal_the_segment_engines_membership_after_saving(
    api: httpx.AsyncClient,
) -> None:
    ids = await _seed(api)
    response = await _preview(api, RULE)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert set(preview) == {"count", "sample"}
    assert 10 < preview["count"] < len(ids)  # the rule splits the population
    assert preview["sample"] == sorted(preview["sample"]) and len(preview["sample"]) == 10

    created = await api.post("/v1/segments", json={"name": "Utrecht pro buyers", "rule": RULE})
    assert created.status_code == 201
    segment = created.json()
    assert segment["member_count"] == 0  # future-only: a new segment starts empty
    for pid in ids:  # a change of each profile makes the engine evaluate it
        response = await api.put(f"/v1/profiles/{pid}", json={"properties": {"seen": True}})
        assert response.status_code == 200

    members = (await api.get(f"/v1/segments/{segment['id']}/members?limit=1000")).json()
    member_ids = {m["profile_id"] for m in members["items"]}
    assert members["total"] == len(member_ids) == preview["count"]
    assert set(preview["sample"]) <= member_ids
    # Saved, the `where` is counted per profile: the preview reads the counter and agrees.
    again = (await _preview(api, RULE)).json()
    assert again == preview
    assert again["sample"] == sorted(member_ids)[:10]


async def test_no_match_is_a_count_of_zero(api: httpx.AsyncClient) -> None:
    await _seed(api, 5)
    response = await _preview(api, {"property": "city", "op": "eq", "value": "Rotterdam"})
    assert response.json() == {"count": 0, "sample": []}


async def test_an_invalid_rule_is_a_422_with_its_path_in_words(api: httpx.AsyncClient) -> None:
    response = await _preview(
        api, {"all": [{"property": "city", "op": "eq", "value": "A"}, {"property": "age"}]}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"][:3] == ["rule", "all", 1]
    assert "Input should" not in error["msg"]
    response = await _preview(api, {"event": "purchase", "within": "soon"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:2] == ["rule", "within"]


async def test_preview_needs_the_admin_key(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/segments/preview",
        json={"rule": {"property": "city", "op": "exists"}},
        headers={"Authorization": "Bearer wrong"},
    )
    assert response.status_code == 401


async def test_preview_is_not_read_as_a_segment_id(api: httpx.AsyncClient) -> None:
    response = await api.put("/v1/segments/preview", json={"name": "x", "rule": {}})
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert (await api.get("/v1/segments/not-a-number")).status_code == 404
    assert (await api.get("/v1/segments/0")).status_code == 422
