"""The SQL helpers services share: which database this is, a model's Core table, the
database's clock, and statements over a whole batch of rows whose SQL text does not grow with
the batch.

On PostgreSQL a batch travels as one array per column (`= ANY(:ids)`, `unnest(...)`): one short
statement, parsed once, instead of an IN list of a thousand parameters or a thousand pipelined
single-row statements (the client-side CPU of both was most of an ingestion batch). SQLite keeps
IN lists of at most `SQLITE_CHUNK` values and executemany, which are cheap in process.
"""

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session
from sqlmodel import select as sqlmodel_select

from flowline.core.timestamps import utcnow

SQLITE_CHUNK = 500  # values per IN (...) list on SQLite
_PG = postgresql.dialect()


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def table_of(model: Any) -> Table:
    """A model's Core table, for statements that need no ORM bookkeeping."""
    return cast(Table, model.__table__)


def database_now(session: Session) -> datetime:
    """The database's clock on PostgreSQL (hosts' clocks need not agree); SQLite is one machine."""
    if on_postgresql(session):
        return session.exec(sqlmodel_select(func.now())).one()
    return utcnow()


def chunks(session: Session, values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """The values in one piece on PostgreSQL (an array), in IN-list sized pieces on SQLite."""
    if on_postgresql(session):
        if values:
            yield values
        return
    for start in range(0, len(values), SQLITE_CHUNK):
        yield values[start : start + SQLITE_CHUNK]


def plain_rows(session: Session, query: Any) -> Any:
    """Run a select of columns in the session's transaction without the ORM: plain tuples,
    no ORM row processing (which was a quarter of an ingestion batch)."""
    return session.connection().execute(query)


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values` (use with `chunks`). On PostgreSQL `IN (SELECT unnest(array))`: a
    semi-join the planner hashes or runs through an index, where `= ANY(array)` (and a long IN
    list, which PostgreSQL turns into it) let it scan the table comparing every row with every
    value — 100 ms a batch on a 20,000-row table before autovacuum's first ANALYZE."""
    if on_postgresql(session):
        array = literal(list(values), type_=postgresql.ARRAY(column.type))
        return column.in_(select(func.unnest(array)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


@cache
def _record_columns(table: Table, names: tuple[str, ...]) -> str:
    """`json_to_recordset(...) AS rows(name type, ...)` of these columns."""
    return ", ".join(f"{_q(name)} {table.c[name].type.compile(dialect=_PG)}" for name in names)


def _q(name: str) -> str:
    return _PG.identifier_preparer.quote(name)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # Aware datetimes only (UTCDateTime columns): naive ones are taken as UTC, as there.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    raise TypeError(f"cannot send {type(value).__name__} in a batch")


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str] = (),
    add: Sequence[str] = (),
    replace: Sequence[str] = (),
) -> None:
    """INSERT the rows (all with the same keys). With `conflict` (the unique columns): on a
    clash, `add` columns are summed into the stored row and `replace` columns overwritten; with
    neither, the row is skipped. A batch must not hold two rows with the same `conflict` key."""
    if not rows:
        return
    shape = (tuple(conflict), tuple(add), tuple(replace))
    if not on_postgresql(session):
        session.connection().execute(_sqlite_insert(table, *shape), list(rows))
        return
    # The whole batch is one JSON document (encoded in C), turned back into rows by the server.
    params = {"rows": json.dumps(rows, default=_json_value)}
    session.connection().execute(_postgresql_insert(table, tuple(rows[0]), *shape), params)


@cache
def _sqlite_insert(
    table: Table, conflict: tuple[str, ...], add: tuple[str, ...], replace: tuple[str, ...]
) -> Any:
    """Built once per shape: building a statement costs more CPU than running a small one."""
    statement = sqlite.insert(table)
    if conflict and (add or replace):
        updates = {c: table.c[c] + statement.excluded[c] for c in add}
        updates |= {c: statement.excluded[c] for c in replace}
        return statement.on_conflict_do_update(index_elements=conflict, set_=updates)
    if conflict:
        return statement.on_conflict_do_nothing(index_elements=conflict)
    return statement


@cache
def _postgresql_insert(
    table: Table,
    names: tuple[str, ...],
    conflict: tuple[str, ...],
    add: tuple[str, ...],
    replace: tuple[str, ...],
) -> Any:
    columns = ", ".join(_q(name) for name in names)
    sql = (
        f"INSERT INTO {_q(table.name)} ({columns}) SELECT {columns} FROM "
        f"json_to_recordset(CAST(:rows AS JSON)) AS batch({_record_columns(table, names)})"
    )
    if conflict:
        sql += f" ON CONFLICT ({', '.join(_q(c) for c in conflict)}) "
        sets = [f"{_q(c)} = {_q(table.name)}.{_q(c)} + EXCLUDED.{_q(c)}" for c in add]
        sets += [f"{_q(c)} = EXCLUDED.{_q(c)}" for c in replace]
        sql += f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
    return text(sql)


def _pairs(
    table: Table, columns: tuple[str, str], pairs: Sequence[tuple[Any, Any]]
) -> tuple[str, str, dict[str, str]]:
    """`json_to_recordset(...) AS pairs(...)` and the condition matching it to `table`."""
    rows = [dict(zip(columns, pair, strict=True)) for pair in pairs]
    return *_pairs_sql(table, columns), {"pairs": json.dumps(rows, default=_json_value)}


@cache
def _pairs_sql(table: Table, columns: tuple[str, str]) -> tuple[str, str]:
    relation = (
        f"json_to_recordset(CAST(:pairs AS JSON)) AS pairs({_record_columns(table, columns)})"
    )
    match = " AND ".join(f"{_q(table.name)}.{_q(c)} = pairs.{_q(c)}" for c in columns)
    return relation, match


def delete_pairs(
    session: Session, table: Table, columns: tuple[str, str], pairs: Sequence[tuple[Any, Any]]
) -> None:
    """DELETE the rows whose two `columns` hold one of the `pairs`."""
    if not pairs:
        return
    first, second = columns
    if not on_postgresql(session):
        session.connection().execute(
            table.delete().where(
                table.c[first] == bindparam("a"), table.c[second] == bindparam("b")
            ),
            [{"a": a, "b": b} for a, b in pairs],
        )
        return
    relation, match, params = _pairs(table, columns, pairs)
    session.connection().execute(
        text(f"DELETE FROM {_q(table.name)} USING {relation} WHERE {match}"), params
    )


def existing_pairs(
    session: Session, table: Table, columns: tuple[str, str], pairs: Sequence[tuple[Any, Any]]
) -> set[tuple[Any, Any]]:
    """Which of the `pairs` the two `columns` of some row hold (each one lookup in an index
    on the two columns)."""
    found: set[tuple[Any, Any]] = set()
    if not pairs:
        return found
    query = _existing_pairs(table, columns, on_postgresql(session))
    if on_postgresql(session):
        _, _, params = _pairs(table, columns, pairs)
    else:
        params = {"pairs": json.dumps([list(pair) for pair in pairs], default=_json_value)}
    found.update((a, b) for a, b in session.connection().execute(query, params))
    return found


@cache
def _existing_pairs(table: Table, columns: tuple[str, str], on_postgres: bool) -> Any:
    first, second = columns
    if not on_postgres:
        # The pairs drive the join (CROSS JOIN keeps json_each outside): one look-up in the
        # index per pair. A row-value IN list of them read the whole index for each chunk
        # (`SCAN ... USING COVERING INDEX`): 100 ms per 500 pairs at 300,000 rows.
        return text(
            f"SELECT t.{_q(first)}, t.{_q(second)} FROM json_each(:pairs) AS j "
            f"CROSS JOIN {_q(table.name)} AS t ON t.{_q(first)} = json_extract(j.value, '$[0]') "
            f"AND t.{_q(second)} = json_extract(j.value, '$[1]')"
        )
    relation, match = _pairs_sql(table, columns)
    selected = ", ".join(f"{_q(table.name)}.{_q(c)}" for c in columns)
    return text(f"SELECT {selected} FROM {_q(table.name)} JOIN {relation} ON {match}")


def in_values(column: Any, name: str, on_postgres: bool) -> ColumnElement[bool]:
    """`column IN` the values bound as `name`, for a statement built once per database kind
    (`one_of` builds it for each call): an array unnested on PostgreSQL (see `one_of`), an
    expanding IN list on SQLite (use with `chunks`)."""
    if on_postgres:
        values = bindparam(name, type_=postgresql.ARRAY(column.type))
        return column.in_(select(func.unnest(values)))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]
