"""The one error shape every error answer has (the `Error` schema of the OpenAPI document)."""

import httpx


def assert_error(response: httpx.Response, status: int, *locs: list[str | int]) -> None:
    """The status, the one error shape, and a bad field at each of `locs`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) <= {"error", "detail", "errors"}, body
    assert isinstance(body["error"], str) and isinstance(body["detail"], str), body
    errors = body.get("errors", [])
    assert all(set(e) == {"loc", "msg"} for e in errors), body
    for loc in locs:
        assert loc in [e["loc"] for e in errors], body
