from fastapi import Request

from flowline.api.authentication import AdminKey
from flowline.api.routing import api_router
from flowline.core.models.installation_settings import InstallationSettings
from flowline.core.services.audit import changes as audit
from flowline.core.services.installation_settings import read_settings, replace_settings
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep

router = api_router("/v1/settings", tags=["settings"])


@router.get("", response_model=InstallationSettings)
def get_settings(session: SessionDep, _: AdminKey) -> InstallationSettings:
    """The installation settings (the email frequency cap)."""
    return read_settings(session)


@router.put("", response_model=InstallationSettings)
def put_settings(
    data: InstallationSettings, request: Request, session: SessionDep, _: AdminKey
) -> InstallationSettings:
    """Replace the installation settings; `null` switches the frequency cap off."""
    before = read_settings(session)
    after = replace_settings(session, data)
    audit.settings_changed(session, actor_of(request, session), before, after)
    return after
