"""`flowline dev` end to end: everything comes up, mail is captured, one Ctrl-C stops it all."""

import os
import re
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

pytest.importorskip("flowline.app")
pytest.importorskip("flowline.worker.main")

from flowline.core.captured_mail import read_captured_mail  # noqa: E402
from testkit.eventually import eventually_sync  # noqa: E402
from testkit.ports import free_port  # noqa: E402

FLOWLINE = Path(sys.executable).parent / "flowline"
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0


def child_processes(parent: int) -> dict[int, str]:
    """{pid: command name} of the direct children of `parent`, read from /proc."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # exited while we looked
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        ppid = int(text[text.rindex(")") + 2 :].split()[1])
        if ppid == parent:
            children[int(stat.parent.name)] = name
    return children


def wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> dict[str, str]:
    last: object = None

    def healthy() -> dict[str, str] | None:
        nonlocal last
        assert process.poll() is None, f"flowline dev exited early:\n{log.read_text()}"
        try:
            response = httpx.get(url, timeout=2)
            last = response.json()
        except httpx.HTTPError as error:
            last = error
            return None
        ok = {"status": "ok", "database": "ok", "temporal": "ok"}
        return dict(ok) if response.status_code == 200 and last == ok else None

    return eventually_sync(
        healthy, STARTUP_TIMEOUT, lambda: f"healthy (last: {last}):\n{log.read_text()}", 0.5
    )


def send_test_mail(port: int) -> None:
    message = EmailMessage()
    message["From"] = "flowline@localhost"
    message["To"] = "ada@example.com"
    message["Subject"] = "Welcome, Ada"
    message.set_content("Hello Ada")
    message.add_alternative("<p>Hello <b>Ada</b></p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def dev_env(tmp_path: Path, api_port: int, smtp_port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FLOWLINE_")  # the defaults, not the developer's settings
    }
    return env | {
        "FLOWLINE_DATA_DIR": str(tmp_path / "data"),
        "FLOWLINE_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "FLOWLINE_TEMPORAL_UI_URL": f"http://127.0.0.1:{free_port()}",
        "FLOWLINE_API_HOST": "127.0.0.1",
        "FLOWLINE_API_PORT": str(api_port),
        "FLOWLINE_DEV_SMTP_PORT": str(smtp_port),
    }


def test_flowline_dev_runs_the_product_and_one_ctrl_c_stops_everything(tmp_path: Path) -> None:
    api_port, smtp_port = free_port(), free_port()
    env = dev_env(tmp_path, api_port, smtp_port) | {
        "FLOWLINE_BOOTSTRAP_ADMIN_KEY": "test-admin-key"
    }
    log = tmp_path / "flowline-dev.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(FLOWLINE), "dev"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    temporal_pids: list[int] = []
    try:
        wait_healthy(process, f"http://127.0.0.1:{api_port}/health", log)
        temporal_pids = [
            pid for pid, name in child_processes(process.pid).items() if name == "temporal"
        ]
        assert len(temporal_pids) == 1, child_processes(process.pid)

        send_test_mail(smtp_port)
        mail_dir = tmp_path / "data" / "outbox"
        eventually_sync(lambda: list(mail_dir.glob("*.eml")), 5, "the mail in the outbox")
        [captured] = read_captured_mail(mail_dir)
        assert captured["subject"] == "Welcome, Ada"
        assert captured["to"] == "ada@example.com"
        assert captured["html"] == "<p>Hello <b>Ada</b></p>\n"

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=STOP_TIMEOUT) == 0, log.read_text()
        for pid in temporal_pids:
            assert not Path(f"/proc/{pid}").exists(), (
                "the Temporal dev server outlived flowline dev"
            )
        output_text = log.read_text()
        assert "FLOWLINE_BOOTSTRAP_ADMIN_KEY" in output_text
        assert "test-admin-key" not in output_text, "the bootstrap key must never be printed"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in temporal_pids:
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)


def test_flowline_dev_prints_the_same_admin_key_on_every_start(tmp_path: Path) -> None:
    api_port = free_port()
    env = dev_env(tmp_path, api_port, free_port())
    printed = []
    for start in range(2):
        log = tmp_path / f"start-{start}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(FLOWLINE), "dev"],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        temporal_pids: list[int] = []
        try:
            wait_healthy(process, f"http://127.0.0.1:{api_port}/health", log)
            temporal_pids = [
                pid for pid, name in child_processes(process.pid).items() if name == "temporal"
            ]
            [key] = re.findall(r"Admin API key: (\S+)", log.read_text())
            keys = httpx.get(
                f"http://127.0.0.1:{api_port}/v1/api-keys",
                headers={"Authorization": f"Bearer {key}"},
                timeout=5,
            )
            assert keys.status_code == 200, keys.text
            assert [(k["name"], k["scope"]) for k in keys.json()] == [("dev", "admin")]
            printed.append(key)
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=STOP_TIMEOUT) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            for pid in temporal_pids:
                if Path(f"/proc/{pid}").exists():
                    os.kill(pid, signal.SIGKILL)
    assert printed[0] == printed[1]
