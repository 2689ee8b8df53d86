"""Profiles by id prefix, by a property's value, or both; a page at a time, ordered by id.

Both searches read one index range: an id prefix is the range [prefix, the next text after every
id that starts with it) of the primary key; a property's value is the range (name, value) of
`profile_search`'s index, kept by database triggers (migration `0012_profile_search`). A page
costs `limit` rows whatever the table's size, and its total one count over the same range.

A value matches a property whose value reads the same as text: a string as itself, `true` /
`false`, a number in its shortest form (`3` finds 3 and 3.0, `0.5` finds 0.5). Objects, arrays
and strings over 255 characters are not searchable. An id prefix is a range where the database
compares text by code point (SQLite; PostgreSQL under "C" or "C.UTF-8"); under another
collation the same answer takes a scan.
"""

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, text
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from flowline.core.models.profiles import Profile, ProfileSearchEntry
from flowline.core.services.sql import on_postgresql, plain_rows

MAX_SEARCH_TEXT = 255
_LAST_CODE_POINT = 0x10FFFF


@dataclass(frozen=True)
class ProfileSearch:
    """What to look for: all profiles when both are empty. `value` goes with `property`."""

    prefix: str = ""
    property: str | None = None
    value: str | None = None


def after_prefix(prefix: str) -> str | None:
    """The first text, in code point order, after every text that starts with `prefix`; None
    when there is none (the prefix is all U+10FFFF)."""
    chars = list(prefix)
    while chars:
        last = ord(chars.pop()) + 1
        if 0xD800 <= last <= 0xDFFF:  # surrogates are no text: the next code point is U+E000
            last = 0xE000
        if last <= _LAST_CODE_POINT:
            return "".join(chars) + chr(last)
    return None


def value_texts(value: str) -> list[str]:
    """The stored texts `value` stands for: itself, and a number's shortest forms (the one
    SQLite's triggers write, `%.15g`, and the one PostgreSQL's write, like `repr`)."""
    texts = [value]
    try:
        number = float(value)
    except ValueError:
        return texts
    if not math.isfinite(number):
        return texts
    # A whole number is stored as digits (or `1e+20` beyond 15 of them), never as `3.0`: one
    # text, so a plainly typed value stays one ordered index range.
    forms = [f"{number:.15g}"] if number.is_integer() else [f"{number:.15g}", repr(number)]
    return list(dict.fromkeys(texts + forms))


_CODE_POINT_COLLATIONS = {"C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"}
_orders_by_code_point: dict[str, bool] = {}


def ids_in_code_point_order(session: Session) -> bool:
    """Whether the database compares text by code point (SQLite; PostgreSQL under "C" or
    "C.UTF-8"), so an id prefix is a range of the primary key. Asked once per database."""
    if not on_postgresql(session):
        return True
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    if key not in _orders_by_code_point:
        collation = session.execute(
            text("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
        _orders_by_code_point[key] = collation in _CODE_POINT_COLLATIONS
    return _orders_by_code_point[key]


def _id_range(session: Session, column: Any, prefix: str) -> list[ColumnElement[bool]]:
    if not prefix:
        return []
    if not ids_in_code_point_order(session):
        # A linguistic collation (en_US) orders `ams-1` apart from `ams1`: no range holds the
        # ids with a prefix. Right, but a scan: see docs/decisions.md "Profile search".
        return [func.substr(column, 1, len(prefix)) == prefix]
    conditions = [column >= prefix]
    upper = after_prefix(prefix)
    if upper is not None:
        conditions.append(column < upper)
    return conditions


def search_profiles(
    session: Session, search: ProfileSearch, *, offset: int, limit: int
) -> tuple[list[Profile], int]:
    """The page of matching profiles in id order, and how many match in all."""
    if search.property is None:
        id_column = col(Profile.id)
        where = and_(True, *_id_range(session, id_column, search.prefix))
        ids_query = select(id_column).where(where)
        total_query = select(func.count()).select_from(Profile).where(where)
    else:
        id_column = col(ProfileSearchEntry.profile_id)
        where = and_(
            col(ProfileSearchEntry.name) == search.property,
            col(ProfileSearchEntry.value).in_(value_texts(search.value or "")),
            *_id_range(session, id_column, search.prefix),
        )
        ids_query = select(id_column).where(where)
        total_query = select(func.count()).select_from(ProfileSearchEntry).where(where)
    page_ids = [
        row[0]
        for row in plain_rows(session, ids_query.order_by(id_column).offset(offset).limit(limit))
    ]
    total = session.execute(total_query).scalar_one()
    if not page_ids:
        return [], total
    found = session.exec(sqlmodel_select(Profile).where(col(Profile.id).in_(page_ids)))
    by_id = {p.id: p for p in found}
    return [by_id[i] for i in page_ids if i in by_id], total
