"""`flowline keys create | list | revoke` against the same database the API reads."""

from typer.testing import CliRunner

from flowline.cli import app
from tests.support.flowline_harness import Flowline


def keys(flowline: Flowline, *args: str) -> str:
    result = CliRunner().invoke(
        app,
        ["keys", *args],
        env={"FLOWLINE_DATABASE_URL": flowline.settings.resolved_database_url},
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def listed(flowline: Flowline) -> dict[str, list[str]]:
    """`keys list` rows by name: [id, prefix, scope, name, created..., last used...]."""
    rows = [line.split("  ") for line in keys(flowline, "list").splitlines()[1:]]
    return {cells[3]: cells for cells in ([c.strip() for c in row if c.strip()] for row in rows)}


async def test_key_created_on_the_cli_works_in_the_api_until_revoked(flowline: Flowline) -> None:
    secret = keys(flowline, "create", "--scope", "ingest", "--name", "shop").strip()
    as_shop = {"Authorization": f"Bearer {secret}"}
    assert listed(flowline)["shop"][-1] == "never"

    used = await flowline.api.put("/v1/profiles/p-1", json={"properties": {}}, headers=as_shop)
    row = listed(flowline)["shop"]
    api_view = (await flowline.api.get("/v1/api-keys")).json()
    keys(flowline, "revoke", row[1])  # by the prefix the list shows
    refused = await flowline.api.put("/v1/profiles/p-1", json={"properties": {}}, headers=as_shop)

    assert used.status_code == 200
    assert row[2] == "ingest" and secret.startswith(row[1])
    assert row[-1].endswith("UTC")  # last used: recorded when the key authenticated
    [shown] = [k for k in api_view if k["name"] == "shop"]
    assert shown["last_used_at"] is not None and "key" not in shown
    assert refused.status_code == 401
    assert "shop" not in listed(flowline)


async def test_last_used_is_written_at_most_once_a_minute(flowline: Flowline) -> None:
    secret = keys(flowline, "create", "--scope", "admin", "--name", "ops").strip()
    as_ops = {"Authorization": f"Bearer {secret}"}

    await flowline.api.get("/v1/api-keys", headers=as_ops)
    first = {k["name"]: k["last_used_at"] for k in (await flowline.api.get("/v1/api-keys")).json()}
    await flowline.api.get("/v1/api-keys", headers=as_ops)
    second = {k["name"]: k["last_used_at"] for k in (await flowline.api.get("/v1/api-keys")).json()}

    assert first["ops"] is not None and second["ops"] == first["ops"]


def test_revoke_of_an_unknown_key_fails_plainly(flowline: Flowline) -> None:
    result = CliRunner().invoke(
        app,
        ["keys", "revoke", "fl_nothing"],
        env={"FLOWLINE_DATABASE_URL": flowline.settings.resolved_database_url},
    )
    assert result.exit_code == 1
    assert "no API key has a prefix starting with 'fl_nothing'" in result.stderr


async def test_create_key_alias_still_prints_a_key(flowline: Flowline) -> None:
    result = CliRunner().invoke(
        app,
        ["create-key", "legacy", "--scope", "admin"],
        env={"FLOWLINE_DATABASE_URL": flowline.settings.resolved_database_url},
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("fl_")
    assert listed(flowline)["legacy"][2] == "admin"


async def test_control_characters_in_a_key_name_never_reach_the_terminal(
    flowline: Flowline,
) -> None:
    hostile = "ops\x1b[2J\x1b]0;owned\x07\r\n\x9b31m\u202etxt.exe\x7f"
    created = await flowline.post("/v1/api-keys", {"name": hostile, "scope": "ingest"})
    assert created.status_code == 201, created.text

    output = keys(flowline, "list")

    assert all(c.isprintable() for line in output.splitlines() for c in line)
    assert len(output.splitlines()) == 2  # the header and one row: no line break got through
    assert "ops\\x1b[2J\\x1b]0;owned\\x07\\r\\n\\x9b31m\\u202etxt.exe\\x7f" in output


async def test_keys_made_and_revoked_on_the_cli_are_in_the_audit_log(flowline: Flowline) -> None:
    secret = keys(flowline, "create", "--scope", "admin", "--name", "night batch").strip()
    keys(flowline, "revoke", listed(flowline)["night batch"][0])

    log = (await flowline.api.get("/v1/audit", params={"object_type": "api_key"})).json()

    shell = {"type": "user", "id": "cli", "name": "command line (flowline keys)"}
    assert [(e["action"], e["actor"], e["object"]["name"]) for e in log["items"]] == [
        ("api_key.revoked", shell, "night batch"),
        ("api_key.created", shell, "night batch"),
    ]
    assert secret not in str(log)
