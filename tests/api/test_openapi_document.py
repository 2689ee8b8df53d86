"""The OpenAPI document says exactly what the API answers and what it refuses."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.error_shape import assert_error

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in app.openapi()["paths"].items()
        for method, operation in methods.items()
    ]


def error_schema(operation: dict[str, Any], status: int) -> Any:
    return operation["responses"][str(status)]["content"]["application/json"]["schema"]


def test_every_api_operation_declares_401_and_403_and_its_key(api_app: FastAPI) -> None:
    for method, path, operation in operations(api_app):
        if path.startswith("/v1/"):
            assert error_schema(operation, 401) == ERROR_REF, (method, path)
            assert error_schema(operation, 403) == ERROR_REF, (method, path)
            assert operation["security"] == [{"ApiKey": []}]
    [scheme] = api_app.openapi()["components"]["securitySchemes"].values()
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_lookups_declare_404_conflicts_409_bodies_413_and_temporal_503(api_app: FastAPI) -> None:
    for method, path, operation in operations(api_app):
        statuses = set(operation["responses"])
        # Upsert creates, erasure is idempotent (204 for any id), the open pixel is the same GIF
        # whatever its token: none answers 404.
        never_404 = {
            ("PUT", "/v1/profiles/{profile_id}"),
            ("DELETE", "/v1/profiles/{profile_id}"),
            ("GET", "/o/{token}"),
        }
        # Looked up by what the body names: the suppression list by the address, the dry run
        # by the saved workflow (`workflow_id`).
        by_body = {("DELETE", "/v1/suppressions"), ("POST", "/v1/workflows/dry-run")}
        looks_up = ("{" in path and (method, path) not in never_404) or (method, path) in by_body
        assert ("404" in statuses) == looks_up, (method, path)
        assert ("413" in statuses) == ("requestBody" in operation), (method, path)
        if operation.get("parameters") or "requestBody" in operation:
            assert error_schema(operation, 422) == ERROR_REF, (method, path)
    by_operation = {(m, p): set(o["responses"]) for m, p, o in operations(api_app)}
    for method, path in [
        ("DELETE", "/v1/campaigns/{campaign_id}"),
        ("DELETE", "/v1/segments/{segment_id}"),
        ("DELETE", "/v1/workflows/{workflow_id}"),
        ("POST", "/v1/workflows/{workflow_id}/enrollments"),
    ]:
        assert "409" in by_operation[method, path]
    assert "503" in by_operation["POST", "/v1/workflows/{workflow_id}/enrollments"]
    assert "503" in by_operation["GET", "/health"]


def test_one_error_schema_replaces_fastapis_validation_error(api_app: FastAPI) -> None:
    schemas = api_app.openapi()["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    error = schemas["Error"]
    assert error["required"] == ["error", "detail"]
    assert set(error["properties"]) == {"error", "detail", "errors"}
    assert error["properties"]["errors"]["items"]["required"] == ["loc", "msg"]
    for method, path, operation in operations(api_app):
        for status in operation["responses"]:
            if int(status) >= 400 and (method, path) != ("GET", "/health"):
                assert error_schema(operation, int(status)) == ERROR_REF, (method, path, status)


def test_request_schemas_state_the_limits(api_app: FastAPI) -> None:
    document = api_app.openapi()
    schemas = document["components"]["schemas"]
    event = schemas["EventIn"]["properties"]
    assert event["profile_id"]["maxLength"] == 255 and "pattern" in event["profile_id"]
    assert event["name"]["maxLength"] == 255 and "pattern" in event["name"]
    assert event["properties"]["maxProperties"] == 500
    value = schemas["PropertyValue"]["anyOf"]
    assert {"type": "string", "maxLength": 65_536} in value
    assert schemas["EventBatchIn"]["properties"]["events"]["maxItems"] == 1000
    trigger = schemas["SegmentEnteredTrigger"]["properties"]["segment_id"]
    assert (trigger["minimum"], trigger["maximum"]) == (1, 2**63 - 1)  # exact, not 2**63
    min_count = schemas["EventCondition"]["properties"]["min_count"]
    assert min_count["maximum"] == 2**63 - 1  # exact, not the float 2**63
    campaign_get = document["paths"]["/v1/campaigns/{campaign_id}"]["get"]
    [campaign_id] = campaign_get["parameters"]
    assert campaign_id["schema"]["maximum"] == 2**63 - 1
    listing = {p["name"]: p for p in document["paths"]["/v1/campaigns"]["get"]["parameters"]}
    assert listing["offset"]["schema"]["maximum"] == 10_000_000


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/v1/workflows/1", "DELETE, GET, PUT"),
        ("PATCH", "/v1/workflows", "GET, POST"),
        ("OPTIONS", "/v1/events", "POST"),
        ("PUT", "/health", "GET"),
    ],
)
async def test_405_names_every_method_of_the_path_in_allow(
    api: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await api.request(method, path)
    assert_error(response, 405)
    assert response.headers["Allow"] == allowed
