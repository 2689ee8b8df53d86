"""The type of every id column, primary key or reference: as wide as the API's ids."""

from sqlalchemy import BigInteger, Integer

ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")
"""BIGINT on PostgreSQL (ids up to 2^63-1, `definitions.identifiers.MAX_ID`). SQLite keeps
INTEGER: only an `INTEGER PRIMARY KEY` is the auto-incrementing rowid, and SQLite integers are
64 bits whatever the declared type."""

NEVER_REUSED = {"sqlite_autoincrement": True}
"""`__table_args__` of every table with an id the database hands out: SQLite would give the
largest id again once its row is deleted (PostgreSQL's sequences never go back), and an
enrollment's trigger, a pending intent or a Temporal history may still name the deleted row."""
