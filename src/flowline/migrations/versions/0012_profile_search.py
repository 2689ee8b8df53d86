"""profiles searchable by a property's value

Revision ID: 0012_profile_search
Revises: 0011_timeline
Create Date: 2026-12-06 05:00:00

`profile_search` holds one row per searchable property of each profile: the property's name
and its value as text, indexed by (name, value, profile_id), so "the profiles whose `city` is
`Utrecht`, by id" is one range of one index whether two profiles match or half a million.
Searchable: strings, numbers and booleans of at most 255 characters as text (objects, arrays
and longer strings are not). The text of a value: a string as itself, `true` / `false`, an
integer in digits, any other number in its shortest form with at most 15 significant digits on
SQLite (`printf('%.15g')`) and the shortest form that reads back the same on PostgreSQL
(`float8` output): the search asks for both forms.

Triggers on `profiles` keep the rows current (every way a profile's properties change, present
and future, goes through them); erasing a profile deletes them (ON DELETE CASCADE). Existing
profiles are indexed here: one pass over `profiles`.

A later migration that rebuilds `profiles` on SQLite (batch "move and copy") drops its
triggers: it must create them again (`create_triggers` below).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_profile_search"
down_revision: str | None = "0011_timeline"
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
    END AS value
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
    END AS value
    FROM {source}json_each({properties}) AS e
"""


def _insert(entries: str) -> str:
    return (
        "INSERT INTO profile_search (profile_id, name, value) SELECT profile_id, name, value "
        f"FROM ({entries}) AS entries "
        "WHERE value IS NOT NULL AND length(value) <= 255 AND length(name) <= 255"
    )


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
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


def upgrade() -> None:
    op.create_table(
        "profile_search",
        sa.Column("profile_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("profile_id", "name"),
    )
    op.create_index(
        "ix_profile_search_value", "profile_search", ["name", "value", "profile_id"], unique=False
    )
    entries = _PG_ENTRIES if op.get_bind().dialect.name == "postgresql" else _SQLITE_ENTRIES
    op.execute(
        _insert(entries.format(id="p.id", properties="p.properties", source="profiles AS p, "))
    )
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER profile_search_refresh ON profiles")
        op.execute("DROP FUNCTION profile_search_refresh()")
    else:
        op.execute("DROP TRIGGER profile_search_insert")
        op.execute("DROP TRIGGER profile_search_update")
    op.drop_index("ix_profile_search_value", table_name="profile_search")
    op.drop_table("profile_search")
