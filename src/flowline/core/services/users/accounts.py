"""User accounts: create, list, change role, disable, remove; at least one admin stays."""

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from flowline.core.errors import Conflict, NotFound
from flowline.core.models.users import User, UserCreate, UserSession, UserToken, UserUpdate
from flowline.core.services.users.sessions import revoke_sessions


class EmailTaken(Conflict):
    pass


class LastAdmin(Conflict):
    pass


def create_user(session: Session, data: UserCreate) -> User:
    """A new account without a password: its one-time link sets one."""
    taken = session.exec(select(User.id).where(User.email == data.email)).first()
    if taken is not None:
        raise EmailTaken(f"there is already a user with the address {data.email}")
    user = User(email=data.email, name=data.name, role=data.role)
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.email))))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email)).first()


def _other_active_admins(session: Session, user: User) -> int:
    query = select(func.count()).where(
        User.role == "admin", col(User.disabled).is_(False), User.id != user.id
    )
    return int(session.exec(query).one())


def _keeps_an_admin(session: Session, user: User, what: str) -> None:
    # Losing the last admin would leave only the bootstrap key to manage people: refuse it.
    if user.role == "admin" and not user.disabled and _other_active_admins(session, user) == 0:
        raise LastAdmin(f"{user.email} is the only admin left: make someone else admin to {what}")


def update_user(session: Session, user: User, change: UserUpdate) -> User:
    """Name, role, disabled; disabling (or demoting) takes effect on the next request."""
    if change.role is not None and change.role != "admin":
        _keeps_an_admin(session, user, "change their role")
    if change.disabled:
        _keeps_an_admin(session, user, "disable them")
    if change.name is not None:
        user.name = change.name.strip()
    if change.role is not None:
        user.role = change.role
    if change.disabled is not None:
        if change.disabled and not user.disabled:
            assert user.id is not None
            revoke_sessions(session, user.id)  # checked on every request anyway
        user.disabled = change.disabled
    session.add(user)
    session.flush()
    return user


def remove_user(session: Session, user: User) -> None:
    _keeps_an_admin(session, user, "remove them")
    session.execute(delete(UserSession).where(col(UserSession.user_id) == user.id))
    session.execute(delete(UserToken).where(col(UserToken.user_id) == user.id))
    session.delete(user)
    session.flush()


def count_users(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(User)).one())
