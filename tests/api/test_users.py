"""`GET/POST /v1/users`, `PATCH/DELETE /v1/users/{id}` (admin key): people who sign in."""

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from flowline.core.models.users import UserSession, UserToken
from flowline.core.services.users.accounts import get_user
from flowline.core.services.users.sessions import active_session, start_session
from tests.api.error_shape import assert_error


def _refused(response: httpx.Response, status: int, error: str) -> None:
    assert_error(response, status)
    assert response.json()["error"] == error, response.text


async def test_create_list_change_and_remove_a_user(api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/v1/users", json={"email": " Ed.Lee@Example.com ", "name": "Ed", "role": "editor"}
    )

    assert created.status_code == 201, created.text
    ed = created.json()
    assert (ed["email"], ed["name"], ed["role"], ed["disabled"]) == (
        "ed.lee@example.com",
        "Ed",
        "editor",
        False,
    )
    assert ed["set_password_url"].startswith("http://127.0.0.1:8000/set-password/")
    assert ed["last_sign_in_at"] is None
    listed = (await api.get("/v1/users")).json()
    assert [u["email"] for u in listed] == ["ed.lee@example.com"]
    assert "set_password_url" not in listed[0] and "password_hash" not in listed[0]

    changed = await api.patch(f"/v1/users/{ed['id']}", json={"role": "viewer", "name": "Eddie"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["name"]) == ("viewer", "Eddie")
    removed = await api.delete(f"/v1/users/{ed['id']}")
    assert removed.status_code == 204
    _refused(await api.delete(f"/v1/users/{ed['id']}"), 404, "NotFound")
    assert (await api.get("/v1/users")).json() == []


async def test_bad_input_is_a_clear_4xx(api: httpx.AsyncClient) -> None:
    await api.post("/v1/users", json={"email": "ann@example.com", "role": "admin"})

    taken = await api.post("/v1/users", json={"email": "ANN@example.com"})
    not_an_address = await api.post("/v1/users", json={"email": "ann at example"})
    unknown_role = await api.post("/v1/users", json={"email": "bo@example.com", "role": "owner"})
    extra = await api.post("/v1/users", json={"email": "bo@example.com", "password": "x" * 20})

    _refused(taken, 409, "EmailTaken")
    assert not_an_address.status_code == 422
    assert "Enter one e-mail address" in not_an_address.text
    assert unknown_role.status_code == 422 and extra.status_code == 422
    ann = (await api.get("/v1/users")).json()[0]
    not_a_boolean = await api.patch(f"/v1/users/{ann['id']}", json={"disabled": 0})
    assert not_a_boolean.status_code == 422


async def test_the_last_admin_cannot_be_demoted_disabled_or_removed(api: httpx.AsyncClient) -> None:
    boss = (await api.post("/v1/users", json={"email": "boss@example.com", "role": "admin"})).json()
    path = f"/v1/users/{boss['id']}"

    _refused(await api.patch(path, json={"role": "editor"}), 409, "LastAdmin")
    _refused(await api.patch(path, json={"disabled": True}), 409, "LastAdmin")
    _refused(await api.delete(path), 409, "LastAdmin")
    await api.post("/v1/users", json={"email": "second@example.com", "role": "admin"})
    assert (await api.patch(path, json={"role": "editor"})).status_code == 200


async def test_disabling_a_user_ends_their_sessions(api: httpx.AsyncClient, engine: Engine) -> None:
    ed = (await api.post("/v1/users", json={"email": "ed@example.com", "role": "editor"})).json()
    with Session(engine) as session:
        token = start_session(session, get_user(session, ed["id"]))
        session.commit()

    disabled = await api.patch(f"/v1/users/{ed['id']}", json={"disabled": True})

    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    with Session(engine) as session:
        assert active_session(session, token) is None
        revoked = select(func.count()).where(UserSession.revoked_at.is_not(None))  # type: ignore[union-attr]
        assert session.exec(revoked).one() == 1


async def test_removing_a_user_removes_their_links_and_sessions(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    ed = (await api.post("/v1/users", json={"email": "ed@example.com", "role": "editor"})).json()

    assert (await api.delete(f"/v1/users/{ed['id']}")).status_code == 204
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(UserToken)).one() == 0


async def test_an_ingest_key_gets_403(api: httpx.AsyncClient) -> None:
    key = (await api.post("/v1/api-keys", json={"name": "site", "scope": "ingest"})).json()["key"]
    ingest = {"Authorization": f"Bearer {key}"}

    _refused(await api.get("/v1/users", headers=ingest), 403, "Forbidden")
    refused = await api.post("/v1/users", json={"email": "x@example.com"}, headers=ingest)
    _refused(refused, 403, "Forbidden")
