"""The Temporal dev server child process: its command line, and refusing a busy port."""

import base64
import os
import socket
import subprocess
import sys
from pathlib import Path

from flowline.core.settings import Settings
from flowline.devserver.temporal_process import dev_server_command


def test_dev_server_command_uses_configured_addresses_and_persistent_sqlite(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        temporal_address="127.0.0.1:17233",
        temporal_ui_url="http://127.0.0.1:18233",
        temporal_namespace="marketing",
    )

    command = dev_server_command(Path("/bin/temporal"), settings, 18999)

    joined = " ".join(command)
    assert command[:3] == ["/bin/temporal", "server", "start-dev"]
    assert "--ip 127.0.0.1 --port 17233" in joined
    # Its Web UI on a private port: the proxy answers on FLOWLINE_TEMPORAL_UI_URL (ui_proxy.py).
    assert "--ui-ip 127.0.0.1 --ui-port 18999" in joined
    assert "--namespace marketing" in joined
    assert f"--db-filename {tmp_path.resolve() / 'temporal.db'}" in joined
    assert "--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal" in joined
    assert "--search-attribute FlowlineProfileId=Keyword" in joined
    assert "--headless" not in command


def test_dev_server_web_ui_decodes_through_the_api_codec_only_when_keys_are_set(
    tmp_path: Path,
) -> None:
    key = base64.b64encode(bytes(32)).decode()
    encrypted = Settings(data_dir=tmp_path, payload_keys=f"k1:{key}", api_port=18000)
    plain = Settings(data_dir=tmp_path)

    with_keys = dev_server_command(Path("/bin/temporal"), encrypted, 18999)

    # On the Web UI's own origin: the proxy hands /codec/* to the API, with the session cookie.
    assert with_keys[with_keys.index("--ui-codec-endpoint") + 1] == "/codec"
    assert "--ui-codec-endpoint" not in dev_server_command(Path("/bin/temporal"), plain, 18999)


def test_flowline_dev_refuses_to_start_when_the_temporal_port_is_taken(tmp_path: Path) -> None:
    free_ports = []
    for _ in range(3):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            free_ports.append(int(sock.getsockname()[1]))
    ui_port, api_port, smtp_port = free_ports
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        temporal_port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWLINE_")} | {
            "FLOWLINE_DATA_DIR": str(tmp_path / "data"),
            "FLOWLINE_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
            "FLOWLINE_TEMPORAL_UI_URL": f"http://127.0.0.1:{ui_port}",
            "FLOWLINE_API_PORT": str(api_port),
            "FLOWLINE_DEV_SMTP_PORT": str(smtp_port),
        }
        result = subprocess.run(
            [str(Path(sys.executable).parent / "flowline"), "dev"],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1
    assert f"something already listens on 127.0.0.1:{temporal_port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "temporal.log").exists(), "no second server was started"
