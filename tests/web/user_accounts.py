"""Users for web tests: made through the services (with a password), signed in through the
sign-in form as a browser would."""

import re

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.models.users import Role, User, UserCreate
from flowline.core.services.users.accounts import create_user
from flowline.core.services.users.passwords import hash_password
from tests.web.client import csrf_of

PASSWORD = "correct horse battery staple"
_LINK = re.compile(r"https?://\S+/set-password/[A-Za-z0-9_-]+")


def make_user(engine: Engine, email: str, role: Role, password: str | None = PASSWORD) -> int:
    with Session(engine) as session:
        user = create_user(session, UserCreate(email=email, role=role, name=email.split("@")[0]))
        user.password_hash = hash_password(password) if password else None
        session.add(user)
        session.commit()
        assert user.id is not None
        return user.id


def user_named(engine: Engine, email: str) -> User | None:
    from sqlmodel import select

    with Session(engine) as session:
        return session.exec(select(User).where(User.email == email)).first()


async def sign_in_as(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    form = await client.get("/sign-in")
    data = {"email": email, "password": password, "csrf_token": csrf_of(form)}
    return await client.post("/sign-in", data=data, follow_redirects=False)


def link_in(text: str) -> str:
    found = _LINK.search(text)
    assert found, f"no set-password link in {text!r}"
    return found.group(0)
