"""The `flowline` command: `dev` runs everything; `api`, `worker`, `migrate`, `create-key`."""

import asyncio
import logging
from enum import StrEnum
from typing import Annotated

import typer
import uvicorn

from flowline.core.database import make_engine, migrate, session_scope
from flowline.core.services.api_keys import create_api_key
from flowline.core.settings import MissingSecretKey, Settings
from flowline.devserver.errors import DevServerError
from flowline.devserver.shutdown import run_until_signal
from flowline.devserver.stack import DevStack

app = typer.Typer(help="Marketing-automation workflows on Temporal.", no_args_is_help=True)


class Scope(StrEnum):
    admin = "admin"
    ingest = "ingest"


def _log_to_stderr() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _settings_with_secret() -> Settings:
    """Settings for a process that signs tokens: FLOWLINE_SECRET_KEY must be set."""
    settings = Settings()
    try:
        settings.require_secret_key()
    except MissingSecretKey as error:
        typer.echo(f"flowline: {error}", err=True)
        raise typer.Exit(2) from None
    return settings


def _migrate(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


@app.command()
def dev() -> None:
    """Run it all here: Temporal dev server, worker, API + web UI, SMTP capture; Ctrl-C stops."""
    _log_to_stderr()
    stack = DevStack(Settings())
    try:
        asyncio.run(run_until_signal(stack.run(), on_repeat=stack.hurry))
    except DevServerError as error:
        typer.echo(f"flowline dev: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo("Flowline stopped.", err=True)


@app.command()
def api() -> None:
    """Run the API and web UI (Temporal runs elsewhere: FLOWLINE_TEMPORAL_ADDRESS)."""
    _log_to_stderr()
    settings = _settings_with_secret()
    _migrate(settings)
    from flowline.api.app import create_app

    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port)


@app.command()
def worker() -> None:
    """Run a worker: executes enrollments (Temporal runs elsewhere: FLOWLINE_TEMPORAL_ADDRESS)."""
    _log_to_stderr()
    settings = _settings_with_secret()
    _migrate(settings)
    from flowline.worker.main import run_worker

    asyncio.run(run_until_signal(run_worker(settings)))


@app.command(name="migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    _migrate(Settings())
    typer.echo("Database is up to date.", err=True)


@app.command()
def create_key(
    name: Annotated[str, typer.Argument(help="what the key is for, e.g. 'website'")],
    scope: Annotated[
        Scope, typer.Option(help="admin: everything; ingest: only events and profiles")
    ] = Scope.ingest,
) -> None:
    """Create an API key and print it (it is shown only this once)."""
    settings = Settings()
    _migrate(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        with session_scope(engine) as session:
            _, plaintext = create_api_key(session, name, scope.value)
    finally:
        engine.dispose()
    typer.echo(plaintext)
    typer.echo(f"Created {scope.value} key {name!r}; it is not shown again.", err=True)
