"""The type of every id column, primary key or reference: as wide as the API's ids."""

from sqlalchemy import BigInteger, Integer

ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")
"""BIGINT on PostgreSQL (ids up to 2^63-1, `definitions.identifiers.MAX_ID`). SQLite keeps
INTEGER: only an `INTEGER PRIMARY KEY` is the auto-incrementing rowid, and SQLite integers are
64 bits whatever the declared type."""
