"""The names the rule builder suggests: properties and events the database knows, in order."""

from typing import Any

from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.event_schemas import EventIn
from flowline.core.services.ingestion.changes import apply_changes
from flowline.core.services.segments.vocabulary import known_events, known_properties


def ingest(engine: Engine, profile_id: str, properties: dict[str, Any], *events: str) -> None:
    with session_scope(engine) as session:
        apply_changes(
            session,
            properties={profile_id: properties},
            events=[EventIn(profile_id=profile_id, name=name) for name in events],
        )


def test_known_properties_and_events_are_each_name_once_in_order(engine: Engine) -> None:
    ingest(engine, "anna", {"city": "Utrecht", "plan": "pro", "age": 41}, "purchase", "login")
    ingest(engine, "ben", {"city": "Delft", "email_optin": True}, "login", "app_opened")
    ingest(engine, "cleo", {"tags": ["a", "b"]}, "purchase")  # a list is not searchable

    with session_scope(engine) as session:
        assert known_properties(session) == ["age", "city", "email_optin", "plan"]
        assert known_events(session) == ["app_opened", "login", "purchase"]


def test_suggestions_stop_at_the_limit(engine: Engine) -> None:
    ingest(engine, "anna", {f"p{i:02}": i for i in range(30)}, *(f"e{i:02}" for i in range(30)))

    with session_scope(engine) as session:
        assert known_properties(session, limit=5) == ["p00", "p01", "p02", "p03", "p04"]
        assert known_events(session, limit=3) == ["e00", "e01", "e02"]
        assert known_properties(session, limit=0) == []


def test_an_empty_database_suggests_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert known_properties(session) == []
        assert known_events(session) == []
