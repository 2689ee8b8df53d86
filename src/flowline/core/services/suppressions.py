"""The suppression list: add, remove, find and check addresses by their keyed hash.

An address is normalised (spaces around it dropped, lower case: mail systems treat the local
part case-insensitively in practice, and a bounce may report it in another case than the
profile holds), then hashed with HMAC-SHA256 keyed with the first secret of
FLOWLINE_SECRET_KEY. The hash is the only way to find a row by its address; the masked form is
what people see. An address is looked up under every listed secret, so after a rotation (new
key first, old one kept after it) existing rows still match; rows hashed with a secret no
longer listed stay on the page but no longer match an address.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, func
from sqlmodel import Session, col, select

from flowline.core.models.pages import Page
from flowline.core.models.suppressions import (
    MAX_DETAIL,
    Reason,
    Suppression,
    SuppressionPublic,
)
from flowline.core.services.enrollments.timeline_facts import mask_address
from flowline.core.services.sql import insert_rows, table_of
from flowline.core.timestamps import utcnow

SUPPRESSED = "suppressed"  # the detail of a delivery skipped because of the list
_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")


def normalised(address: str) -> str:
    return address.strip().lower()


def address_hash(secret: bytes, address: str) -> str:
    return hmac.new(secret, normalised(address).encode(), hashlib.sha256).hexdigest()


def masked(address: str) -> str:
    return mask_address(normalised(address)) or "***"


def scrubbed(text: str | None) -> str | None:
    """The text with every address in it masked (details and reasons keep no plain address),
    and without control characters or lone surrogates (which no database text can hold)."""
    if not text:
        return None
    printable = "".join(
        c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else " " for c in text
    )
    return (
        _ADDRESS.sub(lambda found: masked(found.group(0)), printable).strip()[:MAX_DETAIL] or None
    )


@dataclass(frozen=True)
class Suppressor:
    """The list as seen with the installation's secret keys (the first one hashes new rows)."""

    secrets: tuple[bytes, ...]

    def hash(self, address: str) -> str:
        return address_hash(self.secrets[0], address)

    def hashes(self, address: str) -> list[str]:
        return [address_hash(secret, address) for secret in self.secrets]

    def add(
        self, session: Session, address: str, reason: Reason, detail: str | None = None
    ) -> tuple[SuppressionPublic, bool]:
        """Suppress the address; idempotent (the first reason and date stay). Returns the row
        and whether it is new."""
        digest = self.hash(address)
        existing = _by_hashes(session, self.hashes(address))
        if existing is not None:
            return public(existing), False
        row = {
            "address_hash": digest,
            "masked": masked(address),
            "reason": reason,
            "detail": scrubbed(detail),
            "created_at": utcnow(),
        }
        # Two senders suppressing the same address at once: one row, the other insert skipped.
        insert_rows(session, table_of(Suppression), [row], conflict=["address_hash"])
        stored = _by_hashes(session, [digest])
        assert stored is not None
        return public(stored), True

    def remove(self, session: Session, address: str) -> bool:
        """Take the address off the list; whether it was on it."""
        removed = session.execute(
            delete(Suppression).where(col(Suppression.address_hash).in_(self.hashes(address)))
        )
        return bool(getattr(removed, "rowcount", 0))

    def find(self, session: Session, address: str) -> SuppressionPublic | None:
        row = _by_hashes(session, self.hashes(address))
        return None if row is None else public(row)

    def is_suppressed(self, session: Session, address: str) -> bool:
        return _by_hashes(session, self.hashes(address)) is not None

    def listing(
        self, session: Session, *, address: str | None = None, limit: int = 50, offset: int = 0
    ) -> Page[SuppressionPublic]:
        """Newest first; with `address`, only its row (if any)."""
        query = select(Suppression)
        counting = select(func.count()).select_from(Suppression)
        if address:
            match = col(Suppression.address_hash).in_(self.hashes(address))
            query, counting = query.where(match), counting.where(match)
        total = session.exec(counting).one()
        rows = session.exec(
            query.order_by(col(Suppression.created_at).desc(), col(Suppression.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return Page(items=[public(r) for r in rows], total=total, offset=offset, limit=limit)


def any_suppressed(hashes: list[str]) -> ColumnElement[bool]:
    """Whether any of these hashes is on the list, as a column: a step adds it to a query it
    makes anyway (no statement of its own per email)."""
    return exists().where(col(Suppression.address_hash).in_(hashes))


def find_by_id(session: Session, suppression_id: int) -> SuppressionPublic | None:
    row = session.get(Suppression, suppression_id)
    return None if row is None else public(row)


def remove_by_id(session: Session, suppression_id: int) -> bool:
    removed = session.execute(delete(Suppression).where(col(Suppression.id) == suppression_id))
    return bool(getattr(removed, "rowcount", 0))


def _by_hashes(session: Session, hashes: list[str]) -> Suppression | None:
    return session.exec(
        select(Suppression).where(col(Suppression.address_hash).in_(hashes))
    ).first()


def public(row: Suppression) -> SuppressionPublic:
    assert row.id is not None
    return SuppressionPublic(
        id=row.id,
        address=row.masked,
        reason=row.reason,
        detail=row.detail,
        created_at=row.created_at,
    )
