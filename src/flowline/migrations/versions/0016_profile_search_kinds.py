"""profile_search says what kind of value each text came from

Revision ID: 0016_profile_search_kinds
Revises: 0015_events_name_time
Create Date: 2026-12-06 09:00:00

`profile_search` (0012) keeps each searchable property's value as text, so the boolean `true`
and the string `"true"`, the number `5` and the string `"5"`, share a text. The audience preview
(`POST /v1/segments/preview`) is strict like segment evaluation (`true` never equals `"true"`):
without the kind it had to read the JSON of every profile the index found — 700,000 row reads
for "email_optin is true" at 1,000,000 profiles. `kind` (`s` string, `n` number, `b` boolean)
lets it answer from the index alone. It is the index's last column, so a search still reads
one value's entries in profile-id order (the Profiles page's pages).

The table holds derived data only: it is rebuilt here (dropped, created with `kind`, filled from
`profiles` in one pass) and its triggers are created again with the kind. A later migration that
rebuilds `profiles` on SQLite must call `create_triggers` of this revision (not 0012's).
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0016_profile_search_kinds"
down_revision: str | None = "0015_events_name_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_ENTRIES = """
    SELECT {id} AS profile_id, e.key AS name, CASE e.type
        WHEN 'text' THEN e.atom
        -- An integer beyond 64 bits is read as a real: its text is the real's.
        WHEN 'integer' THEN CASE WHEN typeof(e.atom) = 'integer'
            THEN CAST(e.atom AS TEXT) ELSE printf('%.15g', e.atom) END
        WHEN 'real' THEN printf('%.15g', e.atom)
        WHEN 'true' THEN 'true'
        WHEN 'false' THEN 'false'
    END AS value, CASE e.type
        WHEN 'text' THEN 's'
        WHEN 'integer' THEN 'n'
        WHEN 'real' THEN 'n'
        WHEN 'true' THEN 'b'
        WHEN 'false' THEN 'b'
    END AS kind
    FROM {source}json_each({properties}) AS e
"""

_PG_ENTRIES = """
    SELECT {id} AS profile_id, e.key AS name, CASE json_typeof(e.value)
        -- PostgreSQL text cannot hold U+0000: such a string is not searchable.
        WHEN 'string' THEN CASE WHEN strpos(e.value::text, '\\u0000') = 0
            THEN e.value #>> '{{}}' END
        WHEN 'boolean' THEN e.value::text
        WHEN 'number' THEN CASE WHEN e.value::text ~ '[.eE]'
            THEN (e.value::text)::float8::text ELSE e.value::text END
    END AS value, CASE json_typeof(e.value)
        WHEN 'string' THEN 's'
        WHEN 'boolean' THEN 'b'
        WHEN 'number' THEN 'n'
    END AS kind
    FROM {source}json_each({properties}) AS e
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _insert(entries: str) -> str:
    return (
        "INSERT INTO profile_search (profile_id, name, value, kind) "
        f"SELECT profile_id, name, value, kind FROM ({entries}) AS entries "
        "WHERE value IS NOT NULL AND length(value) <= 255 AND length(name) <= 255"
    )


def create_triggers() -> None:
    if _postgresql():
        insert = _insert(_PG_ENTRIES.format(id="NEW.id", properties="NEW.properties", source=""))
        op.execute(f"""
            CREATE FUNCTION profile_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    IF NEW.properties::text = OLD.properties::text THEN RETURN NULL; END IF;
                    DELETE FROM profile_search WHERE profile_id = OLD.id;
                END IF;
                {insert};
                RETURN NULL;
            END $$""")
        op.execute(
            "CREATE TRIGGER profile_search_refresh AFTER INSERT OR UPDATE OF properties "
            "ON profiles FOR EACH ROW EXECUTE FUNCTION profile_search_refresh()"
        )
        return
    insert = _insert(_SQLITE_ENTRIES.format(id="NEW.id", properties="NEW.properties", source=""))
    op.execute(f"CREATE TRIGGER profile_search_insert AFTER INSERT ON profiles BEGIN {insert}; END")
    op.execute(
        "CREATE TRIGGER profile_search_update AFTER UPDATE OF properties ON profiles "
        "WHEN NEW.properties IS NOT OLD.properties BEGIN "
        f"DELETE FROM profile_search WHERE profile_id = OLD.id; {insert}; END"
    )


def _drop_triggers_and_table() -> None:
    if _postgresql():
        op.execute("DROP TRIGGER profile_search_refresh ON profiles")
        op.execute("DROP FUNCTION profile_search_refresh()")
    else:
        op.execute("DROP TRIGGER profile_search_insert")
        op.execute("DROP TRIGGER profile_search_update")
    op.drop_index("ix_profile_search_value", table_name="profile_search")
    op.drop_table("profile_search")


def upgrade() -> None:
    _drop_triggers_and_table()
    op.create_table(
        "profile_search",
        sa.Column("profile_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("profile_id", "name"),
    )
    entries = _PG_ENTRIES if _postgresql() else _SQLITE_ENTRIES
    op.execute(
        _insert(entries.format(id="p.id", properties="p.properties", source="profiles AS p, "))
    )
    op.create_index(
        "ix_profile_search_value",
        "profile_search",
        ["name", "value", "profile_id", "kind"],
        unique=False,
    )
    create_triggers()


def downgrade() -> None:
    """Back to 0012's table: rebuilt by 0012's own upgrade."""
    _drop_triggers_and_table()
    path = Path(__file__).with_name("0012_profile_search.py")
    spec = importlib.util.spec_from_file_location("flowline_migration_0012", path)
    assert spec is not None and spec.loader is not None
    revision_0012 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision_0012)
    revision_0012.upgrade()
