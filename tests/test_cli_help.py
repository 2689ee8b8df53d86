"""Every `flowline` command's --help names its options and the environment variables it reads."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from flowline.cli import app
from flowline.core.settings import Settings

FLOWLINE = Path(sys.executable).parent / "flowline"
VARIABLE = re.compile(r"^\s+(FLOWLINE_[A-Z_]+)\s{2,}\S", re.MULTILINE)


def command_paths() -> list[list[str]]:
    """Every command, sub-commands of groups included (hidden ones too)."""
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)  # a group (Typer's own Click classes)
        if isinstance(subcommands, dict) and subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
        else:
            paths.append(path)

    walk(typer.main.get_command(app), [])
    return paths


def help_of(path: list[str]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_covered() -> None:
    assert sorted(" ".join(p) for p in command_paths()) == [
        "api",
        "create-key",
        "dev",
        "keys create",
        "keys list",
        "keys revoke",
        "migrate",
        "users create",
        "worker",
    ]


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_help_lists_options_and_the_environment_variables_read(path: list[str]) -> None:
    text = help_of(path)

    assert "Options:" in text and "--help" in text
    assert "Environment variables it reads:" in text
    listed = VARIABLE.findall(text)
    assert listed, text
    assert len(listed) == len(set(listed))
    fields = {f"FLOWLINE_{name.upper()}" for name in Settings.model_fields}
    assert set(listed) <= fields, set(listed) - fields
    # Every command opens the database.
    assert {"FLOWLINE_DATA_DIR", "FLOWLINE_DATABASE_URL"} <= set(listed)


def test_dev_lists_every_setting_and_each_server_what_it_uses() -> None:
    dev = set(VARIABLE.findall(help_of(["dev"])))
    assert dev == {f"FLOWLINE_{name.upper()}" for name in Settings.model_fields}
    api = set(VARIABLE.findall(help_of(["api"])))
    assert {"FLOWLINE_API_PORT", "FLOWLINE_SECRET_KEY", "FLOWLINE_PAYLOAD_KEYS"} <= api
    assert "FLOWLINE_SMTP_HOST" not in api
    worker = set(VARIABLE.findall(help_of(["worker"])))
    assert {"FLOWLINE_SMTP_HOST", "FLOWLINE_SEGMENT_REFRESH_SECONDS"} <= worker
    assert "FLOWLINE_API_PORT" not in worker
    keys = help_of(["keys", "create"])
    assert "--name" in keys and "--scope" in keys


def test_the_installed_command_prints_it_too() -> None:
    shown = subprocess.run(
        [str(FLOWLINE), "dev", "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "FLOWLINE_PAYLOAD_KEYS" in shown and "FLOWLINE_TEMPORAL_UI_URL" in shown
    top = subprocess.run(
        [str(FLOWLINE), "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "FLOWLINE_*" in top
