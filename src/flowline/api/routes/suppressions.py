"""`GET/POST/DELETE /v1/suppressions` (admin): the addresses no workflow email goes to.

Addresses are given in full and kept only as a keyed hash plus a masked form; the answers show
the masked form (core/services/suppressions.py).
"""

from fastapi import Query, Request, Response

from flowline.api.authentication import AdminKey
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.errors import NotFound, ValidationFailed
from flowline.core.models.pages import Page
from flowline.core.models.suppressions import (
    MAX_ADDRESS,
    SuppressionAddress,
    SuppressionIn,
    SuppressionPublic,
    checked_address,
)
from flowline.core.services.audit import changes as audit
from flowline.core.services.suppressions import Suppressor
from flowline.core.settings import Settings
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, SettingsDep
from flowline.http.parameters import Offset

router = api_router("/v1/suppressions", tags=["suppressions"])


def suppressor(settings: Settings) -> Suppressor:
    return Suppressor(tuple(settings.secret_keys()))


@router.get("", response_model=Page[SuppressionPublic])
def list_suppressions(
    session: SessionDep,
    settings: SettingsDep,
    _: AdminKey,
    address: str | None = Query(
        None,
        min_length=1,
        max_length=MAX_ADDRESS,
        description="Only this address (a whole address: the list keeps no plain addresses).",
    ),
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=500),
) -> Page[SuppressionPublic]:
    """The suppressed addresses (masked), newest first."""
    if address is not None:
        try:
            address = checked_address(address)
        except ValueError as error:
            raise ValidationFailed.at(["query", "address"], str(error)) from None
    return suppressor(settings).listing(session, address=address, limit=limit, offset=offset)


@router.post("", status_code=201, response_model=SuppressionPublic)
def add_suppression(
    data: SuppressionIn, request: Request, session: SessionDep, settings: SettingsDep, _: AdminKey
) -> SuppressionPublic:
    """Suppress an address (reason `manual` unless given); an address already on the list
    keeps its first reason and date."""
    row, new = suppressor(settings).add(session, data.address, data.reason, data.detail)
    if new:
        audit.suppression_added(session, actor_of(request, session), row)
    return row


@router.delete("", status_code=204, response_class=Response, responses=error_responses(404))
def remove_suppression(
    data: SuppressionAddress,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminKey,
) -> Response:
    """Take an address off the list: workflow emails go to it again."""
    listed = suppressor(settings).find(session, data.address)
    if listed is None or not suppressor(settings).remove(session, data.address):
        raise NotFound("this address is not on the suppression list")
    audit.suppression_removed(session, actor_of(request, session), listed)
    return Response(status_code=204)
