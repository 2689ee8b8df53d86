"""docker-compose.yml and the Dockerfile, read as data: no container engine runs here, so the
production shape is checked by its structure (and the image's install step is run for real)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from flowline.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_VARIABLES = {f"FLOWLINE_{name.upper()}" for name in Settings.model_fields}
ONE_SHOT = "service_completed_successfully"


def interpolated(value: str) -> str:
    """Compose's `${NAME:-default}` as its default, `${NAME:?error}` as `<NAME>`, `$$` as `$`."""
    value = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: m.group(2), value)
    value = re.sub(r"\$\{(\w+):\?[^}]*\}", lambda m: f"<{m.group(1)}>", value)
    return value.replace("$$", "$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def env(service: dict[str, Any]) -> dict[str, str]:
    return {
        name: interpolated(str(value)) for name, value in service.get("environment", {}).items()
    }


def one_shots(services: dict[str, dict[str, Any]]) -> set[str]:
    return {
        name
        for service in services.values()
        for name, dependency in service.get("depends_on", {}).items()
        if dependency["condition"] == ONE_SHOT
    }


def test_compose_has_the_whole_production_shape(services: dict[str, dict[str, Any]]) -> None:
    images = {name: service.get("image", "") for name, service in services.items()}
    assert images["postgres"].startswith("postgres:")
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-schema"].startswith("temporalio/admin-tools:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    assert images["mailpit"].startswith("axllent/mailpit:")
    assert services["api"]["command"] == ["api"]
    assert services["worker"]["command"] == ["worker"]
    assert services["worker"]["deploy"]["replicas"] == 2
    # API and workers: one image, built from this repository.
    assert images["api"] == images["worker"] and services["api"]["build"] == "."
    assert services["worker"]["build"] == "."


def test_every_image_is_pinned_to_a_version_tag(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service["image"]
        _, _, tag = image.rpartition(":")
        assert "/" not in tag and tag and tag != "latest", f"{name}: {image}"
        assert re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"


def test_temporal_runs_on_the_postgresql_whose_schema_the_job_set_up(
    services: dict[str, dict[str, Any]],
) -> None:
    temporal = env(services["temporal"])
    script = "\n".join(services["temporal-schema"]["command"])
    assert temporal["DB"] == "postgres12" and temporal["POSTGRES_SEEDS"] == "postgres"
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == ONE_SHOT
    for database in ("temporal", "temporal_visibility"):
        assert f"{database} " in script or f"{database};" in script
    assert "update-schema" in script and "setup-schema" in script
    assert "namespace create" in "\n".join(services["temporal-namespace"]["command"])


def test_long_running_services_have_healthchecks_and_start_in_order(
    services: dict[str, dict[str, Any]],
) -> None:
    jobs = one_shots(services)
    assert {"temporal-schema", "temporal-namespace", "migrate"} <= jobs
    for name, service in services.items():
        if name not in jobs:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
            assert service.get("restart") == "unless-stopped", name
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} is never healthy"
            else:
                assert condition == ONE_SHOT, f"{name} -> {dependency}: {condition}"
    for flowline in ("api", "worker"):
        depends = services[flowline]["depends_on"]
        assert depends["migrate"]["condition"] == ONE_SHOT
        assert depends["temporal-namespace"]["condition"] == ONE_SHOT


def test_data_lives_in_named_volumes(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    declared = set(compose["volumes"])
    mounts = [m for s in services.values() for m in s.get("volumes", [])]
    named = {m.split(":", 1)[0] for m in mounts if not m.startswith(("./", "/"))}
    assert named <= declared and "postgres-data" in named
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    for mount in mounts:
        if mount.startswith("./"):
            assert (ROOT / mount.split(":", 1)[0]).is_file(), mount


def test_every_flowline_variable_it_sets_is_a_setting(services: dict[str, dict[str, Any]]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    in_dockerfile = set(re.findall(r"\b(FLOWLINE_\w+)=", dockerfile))
    for name, service in services.items():
        unknown = {v for v in env(service) if v.startswith("FLOWLINE_")} - SETTINGS_VARIABLES
        assert not unknown, f"{name} sets {unknown}, which Settings does not read"
    assert in_dockerfile and in_dockerfile <= SETTINGS_VARIABLES
    api = env(services["api"])
    assert api["FLOWLINE_SECRET_KEY"] == "<FLOWLINE_SECRET_KEY>"  # required, never defaulted
    assert api["FLOWLINE_PAYLOAD_KEYS"] == "<FLOWLINE_PAYLOAD_KEYS>"
    assert api["FLOWLINE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env(services["worker"]) == api


def test_web_ui_decodes_through_the_api_codec_and_the_api_allows_its_origin(
    services: dict[str, dict[str, Any]],
) -> None:
    api, ui = env(services["api"]), env(services["temporal-ui"])
    endpoint = urlsplit(ui["TEMPORAL_CODEC_ENDPOINT"])
    public = urlsplit(api["FLOWLINE_PUBLIC_URL"])
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == f"{api['FLOWLINE_PUBLIC_URL']}/codec"
    assert f"{endpoint.port}:{api['FLOWLINE_API_PORT']}" in services["api"]["ports"]
    assert endpoint.netloc == public.netloc
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    ui_origin = urlsplit(api["FLOWLINE_TEMPORAL_UI_URL"])
    assert f"{ui_origin.port}:8080" in services["temporal-ui"]["ports"]
    assert ui["TEMPORAL_ADDRESS"] == api["FLOWLINE_TEMPORAL_ADDRESS"] == "temporal:7233"


def test_dockerfile_builds_one_slim_non_root_image_of_the_project() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    bases = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert bases and all(re.fullmatch(r"python:3\.\d+\.\d+-slim-\w+", b) for b in bases)
    assert any("pip install ." in line for line in lines)
    [user] = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert user not in ("root", "0")
    assert 'ENTRYPOINT ["flowline"]' in lines


def _build_context_files() -> list[str]:
    """What the Dockerfile's build stage copies before `pip install .`."""
    copied: list[str] = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            copied += line.split()[1:-1]
    return copied


@pytest.mark.slow
def test_image_install_step_installs_a_working_flowline_command(tmp_path: Path) -> None:
    context = tmp_path / "src"
    context.mkdir()
    for name in _build_context_files():
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, context / name)
    venv = tmp_path / "venv"

    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--disable-pip-version-check", "."],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    help_text = subprocess.run(
        [str(venv / "bin" / "flowline"), "--help"], capture_output=True, text=True, timeout=120
    )

    assert help_text.returncode == 0, help_text.stderr
    for command in ("api", "worker", "migrate", "keys"):
        assert command in help_text.stdout


def test_the_api_serves_metrics_on_an_unpublished_port_of_its_own(
    services: dict[str, dict[str, Any]],
) -> None:
    port = env(services["api"])["FLOWLINE_METRICS_PORT"]
    published = [str(p) for p in services["api"].get("ports", [])]
    assert port != env(services["api"])["FLOWLINE_API_PORT"]
    assert all(p.split(":")[-1] != port for p in published)  # the container side
