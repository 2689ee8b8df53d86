"""Reading and replacing the installation settings."""

from sqlmodel import Session, col, select

from flowline.core.models.installation_settings import InstallationSetting, InstallationSettings
from flowline.core.timestamps import utcnow


def read_settings(session: Session) -> InstallationSettings:
    rows = session.exec(
        select(InstallationSetting).where(
            col(InstallationSetting.key).in_(list(InstallationSettings.model_fields))
        )
    )
    return InstallationSettings.model_validate({row.key: row.value for row in rows})


def replace_settings(session: Session, data: InstallationSettings) -> InstallationSettings:
    now = utcnow()
    for key, value in data.model_dump(mode="json").items():
        row = session.get(InstallationSetting, key) or InstallationSetting(key=key)
        row.value = value
        row.updated_at = now
        session.add(row)
    session.flush()
    return read_settings(session)
