"""Who acts: a signed-in user or an API key, with the role that decides what they may do.

Roles rank viewer < editor < admin. An admin API key acts as an admin; an ingest key ranks
below a viewer (it may only send events and profiles, and reads nothing).
"""

from dataclasses import dataclass
from typing import Literal

PrincipalKind = Literal["user", "api_key"]
RoleName = Literal["admin", "editor", "viewer", "ingest"]
ROLE_RANK: dict[str, int] = {"ingest": 0, "viewer": 1, "editor": 2, "admin": 3}


@dataclass(frozen=True)
class Principal:
    """`id` is the user's or the key's id; None only for FLOWLINE_BOOTSTRAP_ADMIN_KEY."""

    kind: PrincipalKind
    id: int | None
    name: str
    role: RoleName

    def may(self, role: str) -> bool:
        """Whether this principal's role is `role` or above it."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


BOOTSTRAP_KEY_NAME = "bootstrap admin key"
