"""`flowline keys create | list | revoke`: API keys from the shell (the API's /v1/api-keys too)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from sqlmodel import Session

from flowline.core.database import make_engine, migrate, session_scope
from flowline.core.errors import FlowlineError
from flowline.core.models.audit import Actor
from flowline.core.services.api_keys import create_api_key, list_api_keys, revoke_api_key
from flowline.core.services.audit import changes as audit
from flowline.core.settings import Settings

# Someone with the server's shell and database: a person, not a key (no user id to give).
COMMAND_LINE = Actor("user", "cli", "command line (flowline keys)")
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


class Scope(StrEnum):
    admin = "admin"
    ingest = "ingest"


@contextmanager
def _database() -> Iterator[Session]:
    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate(engine)
        with session_scope(engine) as session:
            yield session
    except FlowlineError as error:
        typer.echo(f"flowline: {error.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


def create_key(name: str, scope: Scope) -> None:
    with _database() as session:
        key, plaintext = create_api_key(session, name, scope.value)
        audit.api_key_created(session, COMMAND_LINE, key)
    typer.echo(plaintext)
    typer.echo(
        f"Created {scope.value} key {name!r} (id {key.id}, prefix {key.prefix}); "
        "the secret is not shown again.",
        err=True,
    )


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="what the key is for, e.g. 'website'")],
    scope: Annotated[
        Scope, typer.Option(help="admin: everything; ingest: only events and profiles")
    ] = Scope.ingest,
) -> None:
    """Create a key and print its secret (shown only this once)."""
    create_key(name, scope)


def terminal_safe(text: str) -> str:
    """Control and other unprintable characters escaped (`\\x1b`, `\\u202e`): a key's name comes
    from whoever created it through the API, and must not move the cursor, clear the screen or
    reorder what the operator reads."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@keys_app.command("list")
def list_keys() -> None:
    """List keys: id, prefix, scope, name, created, last used (never the secrets)."""
    with _database() as session:
        keys = list_api_keys(session)
    if not keys:
        typer.echo("No API keys yet: create one with `flowline keys create --name ...`.")
        return
    rows = [("ID", "PREFIX", "SCOPE", "NAME", "CREATED", "LAST USED")] + [
        (
            str(k.id),
            k.prefix,
            k.scope,
            terminal_safe(k.name),
            _when(k.created_at),
            _when(k.last_used_at),
        )
        for k in keys
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        typer.echo("  ".join([*cells, row[-1]]))


@keys_app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="the key's id, or its prefix as `keys list` shows")],
) -> None:
    """Revoke a key: requests presenting it get 401 from now on."""
    with _database() as session:
        revoked = revoke_api_key(session, key)
        audit.api_key_revoked(session, COMMAND_LINE, revoked)
    typer.echo(f"Revoked {revoked.scope} key {revoked.name!r} (id {revoked.id}).", err=True)
