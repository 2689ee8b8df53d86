"""The `flowline` command: `dev` runs everything; `api`, `worker`, `migrate`, `keys`."""

import asyncio
from typing import Annotated

import typer
import uvicorn

from flowline.core.database import make_engine, migrate
from flowline.core.log_format import configure_logging, uvicorn_log_config
from flowline.core.payload_keys import InvalidPayloadKeys, configured_payload_keys
from flowline.core.settings import MissingSecretKey, Settings
from flowline.devserver.errors import DevServerError
from flowline.devserver.shutdown import run_until_signal
from flowline.devserver.stack import DevStack
from flowline.keys_cli import Scope, create_key, keys_app

app = typer.Typer(help="Marketing-automation workflows on Temporal.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _checked_settings(*, secret_required: bool) -> Settings:
    """Settings, refused early (exit 2) when a secret is missing or a payload key is malformed."""
    settings = Settings()
    try:
        if secret_required:
            settings.require_secret_key()
        configured_payload_keys(settings)
    except (MissingSecretKey, InvalidPayloadKeys) as error:
        typer.echo(f"flowline: {error}", err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_format)
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
    stack = DevStack(_checked_settings(secret_required=False))
    try:
        asyncio.run(run_until_signal(stack.run(), on_repeat=stack.hurry))
    except DevServerError as error:
        typer.echo(f"flowline dev: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo("Flowline stopped.", err=True)


@app.command()
def api() -> None:
    """Run the API and web UI (Temporal runs elsewhere: FLOWLINE_TEMPORAL_ADDRESS)."""
    settings = _checked_settings(secret_required=True)
    _migrate(settings)
    from flowline.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=uvicorn_log_config(settings.log_format),
    )


@app.command()
def worker() -> None:
    """Run a worker: executes enrollments (Temporal runs elsewhere: FLOWLINE_TEMPORAL_ADDRESS)."""
    settings = _checked_settings(secret_required=True)
    _migrate(settings)
    from flowline.worker.main import run_worker

    asyncio.run(run_until_signal(run_worker(settings)))


@app.command(name="migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    _migrate(Settings())
    typer.echo("Database is up to date.", err=True)


@app.command("create-key", hidden=True)
def create_key_alias(
    name: Annotated[str, typer.Argument(help="what the key is for, e.g. 'website'")],
    scope: Annotated[
        Scope, typer.Option(help="admin: everything; ingest: only events and profiles")
    ] = Scope.ingest,
) -> None:
    """Old spelling of `flowline keys create --name NAME`, kept for existing scripts."""
    create_key(name, scope)
