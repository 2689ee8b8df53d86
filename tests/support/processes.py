"""Flowline as real subprocesses: `temporal server start-dev`, `flowline api`, `flowline worker`.

Fault tests kill these with SIGKILL and start them again. Each process runs in its own process
group (a kill reaches anything it spawned), dies with the test process (PR_SET_PDEATHSIG), and
writes its stdout and stderr to files, one pair per start, so a failing test can show them.
`Processes` keeps every process a test started and kills the leftovers at teardown.
"""

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, GetSystemInfoRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from flowline.devserver.ports import split_address
from testkit import temporal
from testkit.eventually import eventually
from testkit.ports import free_port

BIN = Path(sys.executable).parent
STARTUP_TIMEOUT = 120.0  # a ceiling for loaded CI machines, not a wait
KILL_WAIT = 10.0
OUTPUT_TAIL_LINES = 60
_PR_SET_PDEATHSIG = 1
_P = TypeVar("_P", bound="Process")


def _die_with_test_process() -> Callable[[], None] | None:
    """A preexec hook: the child gets SIGKILL when the test process dies, even by kill -9.

    Popen must then be called from the main thread: the signal follows the thread that forked.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    return lambda: libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def setting_vars(settings: Mapping[str, object]) -> dict[str, str]:
    """`{"smtp_port": 1025}` as the environment variables Flowline reads them from."""
    return {
        f"FLOWLINE_{name.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in settings.items()
    }


def flowline_env(settings: Mapping[str, object]) -> dict[str, str]:
    """The environment of a Flowline process: ours minus any FLOWLINE_* plus `settings`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLOWLINE_")}
    env["PYTHONUNBUFFERED"] = "1"  # a killed process must not take its last log lines along
    return env | setting_vars(settings)


async def _poll(
    ready: Callable[[], Awaitable[object]], process: "Process", what: str, timeout: float
) -> None:
    """Until `ready()` answers True; anything else it answers or raises is shown on timeout."""
    last: object = None

    async def up() -> bool:
        nonlocal last
        process.check_running()
        try:
            last = await ready()
        except Exception as error:  # not up yet: connection refused, RPC unavailable...
            last = error
        return last is True

    await eventually(
        up, timeout, lambda: f"{process.name}: {what} (last: {last!r})\n" + process.output()
    )


class Process:
    """One subprocess in its own process group; `start` again after a kill to restart it."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.log_dir = log_dir
        self.starts = 0
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._popen is not None, f"{self.name} was never started"
        return self._popen.pid

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def _log(self, stream: str, start: int | None = None) -> Path:
        return self.log_dir / f"{self.name}.{start or self.starts}.{stream}"

    def start(self) -> None:
        assert not self.running, f"{self.name} is already running"
        self.starts += 1
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self._log("out").open("wb") as out, self._log("err").open("wb") as err:
            self._popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.log_dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=_die_with_test_process(),
            )

    def send_kill(self) -> None:
        """SIGKILL to the whole process group, without waiting: safe from any thread."""
        # Once reaped, its group id may belong to someone else: leave it alone.
        if self._popen is not None and self._popen.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._popen.pid, signal.SIGKILL)

    def send_stop(self) -> None:
        """SIGSTOP to the whole process group: frozen where it stands, until killed."""
        if self._popen is not None and self._popen.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._popen.pid, signal.SIGSTOP)

    def kill(self) -> None:
        """`kill -9` the process (and its group) and wait until it is gone."""
        self.send_kill()
        if self._popen is not None:
            self._popen.wait(timeout=KILL_WAIT)

    def check_running(self) -> None:
        if self._popen is not None and self._popen.poll() is not None:
            raise AssertionError(
                f"{self.name} exited with code {self._popen.returncode}\n" + self.output()
            )

    def output(self, lines: int = OUTPUT_TAIL_LINES) -> str:
        """The last lines each start of this process wrote, for failure reports."""
        parts = []
        for start in range(1, self.starts + 1):
            for stream in ("out", "err"):
                path = self._log(stream, start)
                text = path.read_text(errors="replace") if path.exists() else ""
                tail = "\n".join(text.splitlines()[-lines:])
                parts.append(f"----- {self.name} start {start} {stream} ({path}) -----\n{tail}")
        return "\n".join(parts)


class TemporalServer(Process):
    """`temporal server start-dev` as `flowline dev` runs it, on `data_dir/temporal.db`:
    restarts keep every execution."""

    def __init__(self, data_dir: Path, log_dir: Path, port: int | None = None) -> None:
        settings = temporal.flowline_dev_settings(data_dir, port)
        self.port = split_address(settings.temporal_address)[1]
        super().__init__("temporal", temporal.headless_command(settings), os.environ, log_dir)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def connect(self) -> Client:
        return await Client.connect(self.address, data_converter=pydantic_data_converter)

    async def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        async def answers() -> bool:
            client = await asyncio.wait_for(self.connect(), timeout=5)
            await client.workflow_service.get_system_info(
                GetSystemInfoRequest(), timeout=timedelta(seconds=2)
            )
            return True

        await _poll(answers, self, "the frontend did not answer", timeout)


class FlowlineApi(Process):
    """`flowline api` on a fixed port, so a restart answers at the same address."""

    def __init__(self, env: Mapping[str, str], log_dir: Path, name: str = "api") -> None:
        self.port = int(env.get("FLOWLINE_API_PORT") or free_port())
        env = {**env, "FLOWLINE_API_PORT": str(self.port)}
        super().__init__(name, [str(BIN / "flowline"), "api"], env, log_dir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Until `/health` reports the database and Temporal ok."""

        async def healthy() -> object:
            async with httpx.AsyncClient(timeout=3) as client:
                response = await client.get(f"{self.url}/health")
            return response.status_code == 200 or response.text

        await _poll(healthy, self, "/health did not answer 200", timeout)


class FlowlineWorker(Process):
    """`flowline worker`; ready once it polls both of its task queues' kinds on Temporal."""

    def __init__(self, env: Mapping[str, str], log_dir: Path, name: str = "worker") -> None:
        self.task_queue = env["FLOWLINE_TASK_QUEUE"]
        super().__init__(name, [str(BIN / "flowline"), "worker"], env, log_dir)

    async def wait_ready(self, temporal: Client, timeout: float = STARTUP_TIMEOUT) -> None:
        # The SDK's default identity is "{pid}@{host}": the poller of this very process.
        identity = f"{self.pid}@"

        async def polling() -> object:
            kinds = []
            for kind in (
                TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
            ):
                described = await temporal.workflow_service.describe_task_queue(
                    DescribeTaskQueueRequest(
                        namespace=temporal.namespace,
                        task_queue=TaskQueue(name=self.task_queue),
                        task_queue_type=kind,
                    ),
                    timeout=timedelta(seconds=5),
                )
                kinds.append(any(p.identity.startswith(identity) for p in described.pollers))
            return all(kinds) or kinds

        await _poll(polling, self, f"no poller {identity}* on {self.task_queue}", timeout)


class Processes:
    """Every process one test started; `kill_all` at teardown leaves none behind."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Process] = []

    def _add(self, process: _P) -> _P:
        self.started.append(process)
        process.start()
        return process

    def temporal(self, data_dir: Path, port: int | None = None) -> TemporalServer:
        return self._add(TemporalServer(data_dir, self.log_dir, port))

    def api(self, env: Mapping[str, str], name: str = "api") -> FlowlineApi:
        return self._add(FlowlineApi(env, self.log_dir, name))

    def worker(self, env: Mapping[str, str], name: str = "worker") -> FlowlineWorker:
        return self._add(FlowlineWorker(env, self.log_dir, name))

    def kill_all(self) -> None:
        for process in self.started:
            process.send_kill()
        for process in self.started:
            with contextlib.suppress(Exception):
                process.kill()

    def output(self) -> str:
        return "\n".join(process.output() for process in self.started)
