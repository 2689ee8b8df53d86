"""The email frequency cap: at most `max` workflow emails per profile in any rolling `per`.

Race-free: a slot is reserved under the profile's lock (PostgreSQL: the profile row FOR UPDATE;
SQLite: every transaction holds the write lock), so two enrollments of one profile sending at
the same moment never both take the last free slot. A step that does not send after all gives
its slot back.
"""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from flowline.core.models.email_sends import EmailSend
from flowline.core.models.installation_settings import FrequencyCap, InstallationSetting
from flowline.core.models.profiles import Profile
from flowline.core.services.sql import on_postgresql

# The one setting every email reads (Core, built once: not the whole settings object).
_CAP = sa_select(col(InstallationSetting.value)).where(
    col(InstallationSetting.key) == "email_frequency_cap"
)


def current_cap(session: Session) -> FrequencyCap | None:
    value = session.connection().execute(_CAP).scalar()
    return None if value is None else FrequencyCap.model_validate(value)


def take_slot(
    session: Session,
    *,
    profile_id: str,
    enrollment_id: int,
    step_path: str,
    cap: FrequencyCap,
    now: datetime,
) -> bool:
    """Reserve this step's email slot; False when the profile has reached the cap."""
    if on_postgresql(session):
        session.exec(select(Profile.id).where(col(Profile.id) == profile_id).with_for_update())
    mine = session.exec(
        select(EmailSend.id).where(
            col(EmailSend.enrollment_id) == enrollment_id, col(EmailSend.step_path) == step_path
        )
    ).first()
    if mine is not None:
        return True  # a retry of a step that already holds its slot
    used = session.exec(
        select(func.count())
        .select_from(EmailSend)
        .where(col(EmailSend.profile_id) == profile_id, col(EmailSend.sent_at) > now - cap.per)
    ).one()
    if used >= cap.max:
        return False
    session.add(
        EmailSend(
            profile_id=profile_id, enrollment_id=enrollment_id, step_path=step_path, sent_at=now
        )
    )
    session.flush()
    return True


def give_back_slot(session: Session, *, enrollment_id: int, step_path: str) -> None:
    """The step did not send (skipped, rejected): its slot is free again."""
    session.execute(
        delete(EmailSend).where(
            col(EmailSend.enrollment_id) == enrollment_id, col(EmailSend.step_path) == step_path
        )
    )
