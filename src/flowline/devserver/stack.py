"""`flowline dev`: the whole product in one process, started in order and stopped in reverse."""

import asyncio
import logging
import os
import secrets
from contextlib import AsyncExitStack

from pydantic import SecretStr
from sqlalchemy import Engine

from flowline.core.database import make_engine, migrate
from flowline.core.log_format import uvicorn_log_config
from flowline.core.settings import Settings
from flowline.devserver import embedded_api
from flowline.devserver.admin_key import dev_admin_key
from flowline.devserver.errors import DevServerError
from flowline.devserver.ports import require_free, split_url
from flowline.devserver.smtp_capture import start_capture
from flowline.devserver.temporal_process import TemporalDevServer
from flowline.devserver.ui_proxy import (
    LOOPBACK_NAMES,
    on_flowline_host,
    private_port,
    ui_proxy_app,
)

logger = logging.getLogger(__name__)
WORKER_STOP_GRACE = 15.0


class DevStack:
    """Temporal dev server, migrations, SMTP capture, worker and API; `run` until cancelled."""

    def __init__(self, settings: Settings) -> None:
        # The Temporal UI's links and address under Flowline's host name: one session for both.
        self.settings = settings = on_flowline_host(settings)
        self.temporal = TemporalDevServer(settings, private_port())
        self._api: embedded_api.EmbeddedServer | None = None
        self._ui_proxy: embedded_api.EmbeddedServer | None = None

    def hurry(self) -> None:
        """A second Ctrl-C: skip the grace periods of the shutdown in progress."""
        self.temporal.hurry()
        for server in (self._api, self._ui_proxy):
            if server is not None:
                server.force_exit = True

    async def run(self) -> None:
        self._check_ports_free()
        settings = self.settings = with_dev_secret_key(self.settings)
        async with AsyncExitStack() as stack:
            # Exit callbacks run in reverse: API, Temporal UI proxy, worker, SMTP, Temporal last.
            self.temporal.start()
            stack.push_async_callback(self.temporal.stop)
            engine = make_engine(settings.resolved_database_url)
            stack.callback(engine.dispose)
            await asyncio.to_thread(migrate, engine)
            key_line = _admin_key_line(settings, engine)
            await self.temporal.wait_until_ready()

            if settings.smtp_host is None:
                controller = start_capture(settings.captured_mail_dir, settings.dev_smtp_port)
                stack.callback(controller.stop)
                # The worker (and the web UI's Outbox page) use this copy: mail goes to the capture.
                settings = settings.model_copy(
                    update={"smtp_host": "127.0.0.1", "smtp_port": settings.dev_smtp_port}
                )

            from flowline.worker.main import run_worker

            worker = asyncio.create_task(run_worker(settings), name="worker")
            stack.push_async_callback(_cancel, worker)

            # Before the API: once the API answers, everything the banner names is up.
            proxy = await self._start_ui_proxy(stack, settings)
            from flowline.app import create_app

            self._api = embedded_api.embedded_server(
                create_app(settings),
                settings.api_host,
                settings.api_port,
                uvicorn_log_config(settings.log_format),
            )
            api = asyncio.create_task(embedded_api.serve(self._api), name="API")
            stack.push_async_callback(embedded_api.stop, self._api, api)
            await embedded_api.wait_started(self._api, api)

            print(_banner(self.settings, key_line), flush=True)
            done, _ = await asyncio.wait({worker, api, proxy}, return_when=asyncio.FIRST_COMPLETED)
            ended = done.pop()
            if not ended.cancelled() and ended.exception() is not None:
                logger.error("the %s failed", ended.get_name(), exc_info=ended.exception())
            raise DevServerError(f"the {ended.get_name()} stopped unexpectedly")

    async def _start_ui_proxy(
        self, stack: AsyncExitStack, settings: Settings
    ) -> "asyncio.Task[None]":
        """The Temporal Web UI on FLOWLINE_TEMPORAL_UI_URL, with the codec on its origin."""
        ui_host, ui_port = split_url(settings.temporal_ui_url)
        api_host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::", "") else settings.api_host
        self._ui_proxy = embedded_api.embedded_server(
            ui_proxy_app(
                f"http://127.0.0.1:{self.temporal.ui_port}",
                f"http://{api_host}:{settings.api_port}",
                ui_host if ui_host in LOOPBACK_NAMES else None,
            ),
            ui_host,
            ui_port,
            uvicorn_log_config(settings.log_format),
            log_level="warning",
        )
        task = asyncio.create_task(embedded_api.serve(self._ui_proxy), name="Temporal UI proxy")
        stack.push_async_callback(embedded_api.stop, self._ui_proxy, task)
        await embedded_api.wait_started(self._ui_proxy, task)
        return task

    def _check_ports_free(self) -> None:
        ui_host, ui_port = split_url(self.settings.temporal_ui_url)
        require_free(ui_host, ui_port, "FLOWLINE_TEMPORAL_UI_URL")
        require_free(self.settings.api_host, self.settings.api_port, "FLOWLINE_API_PORT")
        if self.settings.smtp_host is None:
            require_free("127.0.0.1", self.settings.dev_smtp_port, "FLOWLINE_DEV_SMTP_PORT")


def with_dev_secret_key(settings: Settings) -> Settings:
    """Settings with FLOWLINE_SECRET_KEY, generated once into the data dir when not set."""
    if settings.secret_key is not None:
        return settings
    path = settings.secret_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created private: the key signs unsubscribe links and sessions.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(32))
    key = path.read_text().strip()
    return settings.model_copy(update={"secret_key": SecretStr(key)})


def _admin_key_line(settings: Settings, engine: Engine) -> str:
    if settings.bootstrap_admin_key is not None:
        return "Admin API key: the one in FLOWLINE_BOOTSTRAP_ADMIN_KEY"
    return f"Admin API key: {dev_admin_key(settings, engine)}"


async def _cancel(task: "asyncio.Task[None]") -> None:
    if task.done():  # ended on its own: `run` reported it
        return
    task.cancel()
    await asyncio.wait({task}, timeout=WORKER_STOP_GRACE)
    if not task.done():
        logger.warning("the %s did not stop within %.0f s", task.get_name(), WORKER_STOP_GRACE)
    elif not task.cancelled() and task.exception() is not None:
        logger.error("the %s failed", task.get_name(), exc_info=task.exception())


def _banner(settings: Settings, key_line: str) -> str:
    api = f"http://{settings.api_host}:{settings.api_port}"
    smtp = (
        f"127.0.0.1:{settings.dev_smtp_port} -> {settings.captured_mail_dir}/"
        if settings.smtp_host is None
        else f"off (mail goes to {settings.smtp_host}:{settings.smtp_port})"
    )
    rows = [
        ("Web UI", f"{api}/"),
        ("API", f"{api}/v1"),
        ("API docs", f"{api}/docs"),
        ("Temporal UI", settings.temporal_ui_url),
        ("Temporal", f"{settings.temporal_address} (namespace {settings.temporal_namespace})"),
        ("SMTP capture", smtp),
        ("Data", f"{settings.data_dir}/"),
    ]
    lines = [f"  {label:<13}{value}" for label, value in rows]
    return "\n".join(
        ["", "Flowline is running. Ctrl-C stops everything.", *lines, "", key_line, ""]
    )
