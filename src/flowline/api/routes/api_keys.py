from fastapi import Request, Response

from flowline.api.authentication import AdminKey
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.errors import NotFound
from flowline.core.models.api_keys import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from flowline.core.services.api_keys import create_api_key, list_api_keys
from flowline.core.services.audit import changes as audit
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep
from flowline.http.parameters import IdInPath

router = api_router("/v1/api-keys", tags=["api keys"])


@router.post("", status_code=201, response_model=ApiKeyCreated)
def create_key(
    data: ApiKeyCreate, request: Request, session: SessionDep, _: AdminKey
) -> ApiKeyCreated:
    """Create a key; the response is the only time its secret is shown."""
    actor = actor_of(request, session)
    key, plaintext = create_api_key(session, data.name, data.scope)
    audit.api_key_created(session, actor, key)
    return ApiKeyCreated.model_validate({**key.model_dump(), "key": plaintext})


@router.get("", response_model=list[ApiKeyPublic])
def list_keys(session: SessionDep, _: AdminKey) -> list[ApiKey]:
    """List keys (never their secrets), with when each was last used (to the minute)."""
    return list_api_keys(session)


@router.delete("/{key_id}", status_code=204, responses=error_responses(404))
def delete_key(key_id: IdInPath, request: Request, session: SessionDep, _: AdminKey) -> Response:
    """Revoke a key."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} does not exist")
    # The actor first: a key revoking itself is still named.
    actor = actor_of(request, session)
    session.delete(key)
    audit.api_key_revoked(session, actor, key)
    return Response(status_code=204)
