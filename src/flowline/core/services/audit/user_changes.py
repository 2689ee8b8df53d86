"""The audit log's entries for user accounts: invited or created (by an admin, the command
line or a first single sign-on), changed (role, disabled, name) and removed. A user is named by
their name, or their masked address: the log is never erased, so it keeps no full address."""

from sqlmodel import Session

from flowline.core.models.audit import Actor
from flowline.core.models.users import User
from flowline.core.services.audit.log import record
from flowline.core.services.suppressions import masked


def _shown(user: User) -> str:
    return user.name or masked(user.email)


def user_created(session: Session, actor: Actor, user: User, how: str = "created") -> None:
    summary = f"{how} with role {user.role}"
    record(session, actor, "user.created", "user", user.id, _shown(user), summary)


def user_before(user: User) -> dict[str, object]:
    return {"name": user.name, "role": user.role, "disabled": user.disabled}


def user_updated(session: Session, actor: Actor, user: User, before: dict[str, object]) -> None:
    after = user_before(user)
    changed = [
        f"{field}: {before[field]!r} → {after[field]!r}"
        for field in ("name", "role", "disabled")
        if before[field] != after[field]
    ]
    if changed:
        summary = "; ".join(changed)
        record(session, actor, "user.updated", "user", user.id, _shown(user), summary)


def user_removed(session: Session, actor: Actor, user: User) -> None:
    summary = f"removed (was {user.role})"
    record(session, actor, "user.removed", "user", user.id, _shown(user), summary)
