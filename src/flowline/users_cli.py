"""`flowline users create`: a user from the shell, with the one-time link that sets their
password (the first admin of an installation, or automation)."""

from enum import StrEnum
from typing import Annotated

import typer
from pydantic import ValidationError

from flowline.core.database import make_engine, migrate, session_scope
from flowline.core.errors import FlowlineError
from flowline.core.models.users import UserCreate
from flowline.core.services.users.accounts import create_user
from flowline.core.services.users.one_time_links import LIFETIMES, issue_link, link_for
from flowline.core.settings import Settings

users_app = typer.Typer(help="Create users who sign in to the web UI.", no_args_is_help=True)


class RoleChoice(StrEnum):
    admin = "admin"
    editor = "editor"
    viewer = "viewer"


@users_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="the address they sign in with")],
    role: Annotated[
        RoleChoice,
        typer.Option(help="viewer: reads; editor: also changes workflows and the like; admin: all"),
    ],
    name: Annotated[str, typer.Option(help="how the UI and the audit log name them")] = "",
) -> None:
    """Create a user and print their one-time link to set a password (valid 72 hours)."""
    try:
        data = UserCreate(email=email, name=name, role=role.value)
    except ValidationError as error:
        typer.echo(f"flowline: {error.errors()[0]['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(2) from None
    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate(engine)
        with session_scope(engine) as session:
            user = create_user(session, data)
            token = issue_link(session, user, "set_password")
            user_id = user.id
    except FlowlineError as error:
        typer.echo(f"flowline: {error.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(link_for(settings.resolved_public_url, token))
    hours = int(LIFETIMES["set_password"].total_seconds() // 3600)
    typer.echo(
        f"Created {role.value} {data.email} (id {user_id}). Give them the link above: it sets "
        f"their password, works once, and expires in {hours} hours.",
        err=True,
    )
