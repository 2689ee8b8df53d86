"""A stored history whose dry-run outcome is known by construction, written straight to the
database with explicit timestamps (no waiting, no ingestion, no Temporal).

1,000 profiles `p0000` … `p0999`; profile `i`:
- consents (`email_optin`) unless `i % 25 == 0`;
- is on plan `pro` when `i` is even, else `free`; has an email address;
- signs up (`signed_up`) on day `1 + i % 10` after `start`, at 10:00 UTC;
- buys (`purchase`, the goal) 12 hours after signing up when `i % 3 == 0`;
- and every profile views a page (`page_view`) each day: events a dry run must not read.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from flowline.core.models.events import Event
from flowline.core.models.profiles import Profile

PROFILES = 1000
EMAIL = {"type": "send_email", "campaign_id": 1, "email_property": "email"}


@dataclass(frozen=True)
class Person:
    index: int

    @property
    def id(self) -> str:
        return f"p{self.index:04d}"

    @property
    def consents(self) -> bool:
        return self.index % 25 != 0

    @property
    def pro(self) -> bool:
        return self.index % 2 == 0

    @property
    def buys(self) -> bool:
        return self.index % 3 == 0

    def signs_up(self, start: datetime) -> datetime:
        return start + timedelta(days=1 + self.index % 10, hours=10)


PEOPLE = [Person(i) for i in range(PROFILES)]


def welcome_series(**changes: Any) -> dict[str, Any]:
    """Email at once, wait a day, then pro profiles get a second email and the others a call."""
    return {
        "name": "Welcome series",
        "trigger": {"type": "event", "event": "signed_up"},
        "consent_property": "email_optin",
        "goal": {"event": "purchase"},
        "exit_on_goal": True,
        "steps": [
            EMAIL,
            {"type": "wait", "duration": "P1D"},
            {
                "type": "branch",
                "condition": {"property": "plan", "op": "eq", "value": "pro"},
                "then": [EMAIL],
                "else": [{"type": "http_call", "url": "https://crm.example/hook"}],
            },
        ],
        **changes,
    }


def seed_history(engine: Engine, start: datetime) -> int:
    """Write the profiles and their events; the number of events written."""
    with engine.begin() as connection:
        connection.execute(
            insert(Profile),
            [
                {
                    "id": p.id,
                    "properties": {
                        "email": f"{p.id}@example.com",
                        "email_optin": p.consents,
                        "plan": "pro" if p.pro else "free",
                    },
                }
                for p in PEOPLE
            ],
        )
        events = list(_events(start))
        connection.execute(insert(Event), events)
    return len(events)


def _events(start: datetime) -> Iterator[dict[str, Any]]:
    for p in PEOPLE:
        joined = p.signs_up(start)
        yield _event(p.id, "signed_up", joined)
        if p.buys:
            yield _event(p.id, "purchase", joined + timedelta(hours=12))
        for day in range(0, 12, 3):
            yield _event(p.id, "page_view", start + timedelta(days=day, minutes=p.index))


def _event(profile_id: str, name: str, at: datetime) -> dict[str, Any]:
    return {"profile_id": profile_id, "name": name, "properties": {}, "timestamp": at}
