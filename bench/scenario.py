"""The data of the benchmark: segments, workflows, profile properties and batches of events.

Everything is derived from one seed, so the API run and the service run see the same batches.
"""

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.ingestion.changes import apply_changes
from flowline.core.services.segments.crud import create_segment
from flowline.core.services.workflows.crud import create_workflow
from flowline.core.timestamps import utcnow

# 20 segments: property conditions (eq, in, gt, ...), performed / not performed, min_count,
# three with `where` and three with `within: P30D`, and a few all/any/not combinations.
SEGMENTS: list[tuple[str, dict[str, Any]]] = [
    ("Dutch", {"property": "country", "op": "eq", "value": "NL"}),
    ("Paying plans", {"property": "plan", "op": "in", "value": ["pro", "team"]}),
    ("High value", {"property": "lifetime_value", "op": "gt", "value": 500}),
    ("Opted in", {"property": "email_optin", "op": "eq", "value": True}),
    ("Buyers", {"event": "purchase", "performed": True}),
    ("Has not paid", {"event": "payment", "performed": False}),
    ("Engaged readers", {"event": "page_viewed", "min_count": 5}),
    ("Repeat buyers", {"event": "purchase", "min_count": 3}),
    (
        "Bought pro",
        {"event": "purchase", "where": {"property": "plan", "op": "eq", "value": "pro"}},
    ),
    ("Bought in the last 30 days", {"event": "purchase", "within": "P30D"}),
    (
        "Concert-goers this month",
        {
            "event": "ticket",
            "within": "P30D",
            "where": {"property": "event_name", "op": "eq", "value": "concert"},
        },
    ),
    (
        "Dutch buyers",
        {"all": [{"property": "country", "op": "eq", "value": "NL"}, {"event": "purchase"}]},
    ),
    (
        "Paying or shopping",
        {
            "any": [
                {"property": "plan", "op": "in", "value": ["pro", "team"]},
                {"event": "added_to_cart", "min_count": 2},
            ]
        },
    ),
    ("Never opened the app", {"not": {"event": "app_opened"}}),
    (
        "Abandoned cart",
        {
            "all": [
                {"property": "email_optin", "op": "eq", "value": True},
                {"event": "added_to_cart"},
                {"event": "purchase", "performed": False},
            ]
        },
    ),
    (
        "Thirties and forties",
        {
            "all": [
                {"property": "age", "op": "gte", "value": 30},
                {"property": "age", "op": "lt", "value": 50},
            ]
        },
    ),
    (
        "Looked at pricing",
        {
            "event": "page_viewed",
            "where": {"property": "url", "op": "contains", "value": "/pricing"},
        },
    ),
    ("Active app users", {"event": "app_opened", "min_count": 3, "within": "P30D"}),
    ("Reachable by phone", {"property": "phone", "op": "exists"}),
    (
        "Loyal subscribers",
        {
            "all": [
                {"property": "lifetime_value", "op": "gt", "value": 1000},
                {"event": "subscription_renewed"},
            ]
        },
    ),
]

_WAIT = [{"type": "wait", "duration": "P1D"}]


def workflows(segment_ids: dict[str, int]) -> list[dict[str, Any]]:
    """Five enabled workflows: event triggers with and without filter, entered, left."""
    return [
        {
            "name": "Thank you for your purchase",
            "trigger": {"type": "event", "event": "purchase"},
            "steps": _WAIT,
        },
        {
            "name": "Concert follow-up",
            "trigger": {
                "type": "event",
                "event": "ticket",
                "filter": {"property": "event_name", "value": "concert"},
            },
            "consent_property": "email_optin",
            "steps": _WAIT,
        },
        {
            "name": "Abandoned cart reminder",
            "trigger": {"type": "segment_entered", "segment_id": segment_ids["Abandoned cart"]},
            "consent_property": "email_optin",
            "goal": {"event": "purchase"},
            "exit_on_goal": True,
            "steps": _WAIT,
        },
        {
            "name": "First payment welcome",
            "trigger": {"type": "segment_left", "segment_id": segment_ids["Has not paid"]},
            "steps": _WAIT,
        },
        {
            "name": "Recent buyers to repeat buyers",
            "trigger": {
                "type": "segment_entered",
                "segment_id": segment_ids["Bought in the last 30 days"],
            },
            "goal": {"segment_entered": segment_ids["Repeat buyers"]},
            "steps": _WAIT,
        },
    ]


def profile_id(index: int) -> str:
    return f"profile-{index:06d}"


def profile_properties(rng: random.Random, count: int) -> dict[str, dict[str, Any]]:
    result = {}
    for index in range(count):
        properties: dict[str, Any] = {
            "email": f"person{index}@example.com",
            "first_name": rng.choice(["Ada", "Bram", "Chloé", "Daan", "Eva", "Femke", "Gus"]),
            "country": rng.choices(["NL", "DE", "FR", "GB", "US"], [4, 2, 1, 1, 2])[0],
            "plan": rng.choices(["free", "pro", "team"], [6, 3, 1])[0],
            "lifetime_value": round(rng.expovariate(1 / 400), 2),
            "email_optin": rng.random() < 0.7,
            "age": rng.randint(18, 75),
        }
        if rng.random() < 0.5:
            properties["phone"] = f"+31 6 {rng.randint(10_000_000, 99_999_999)}"
        result[profile_id(index)] = properties
    return result


# (name, weight, properties maker): the mix of one batch
_PAGES = ["/", "/pricing", "/blog/launch", "/docs/start", "/pricing#team", "/about"]
_EVENTS: list[tuple[str, int]] = [
    ("page_viewed", 40),
    ("product_viewed", 15),
    ("app_opened", 12),
    ("added_to_cart", 10),
    ("email_opened", 8),
    ("purchase", 6),
    ("payment", 3),
    ("ticket", 3),
    ("signup", 2),
    ("subscription_renewed", 1),
]


def _event_properties(rng: random.Random, name: str) -> dict[str, Any]:
    if name == "page_viewed":
        return {"url": rng.choice(_PAGES), "referrer": rng.choice(["google", "direct", "mail"])}
    if name in ("product_viewed", "added_to_cart"):
        return {"sku": f"SKU-{rng.randint(1, 300)}", "price": rng.randint(5, 500)}
    if name == "purchase":
        return {
            "plan": rng.choice(["pro", "team", "basic"]),
            "amount": rng.randint(10, 900),
            "currency": "EUR",
        }
    if name == "payment":
        return {"amount": rng.randint(10, 900), "method": rng.choice(["card", "ideal"])}
    if name == "ticket":
        return {"event_name": rng.choice(["concert", "theatre", "match"]), "seats": 2}
    if name == "signup":
        return {"source": rng.choice(["web", "app", "referral"])}
    if name == "email_opened":
        return {"campaign": f"newsletter-{rng.randint(1, 12)}"}
    return {}


def event_batches(
    rng: random.Random, *, batches: int, batch_size: int, profiles: int, now: datetime
) -> list[list[dict[str, Any]]]:
    """JSON-ready events. Activity is skewed (some profiles are much busier than others);
    1 in 5 events carries an explicit, older timestamp (up to 45 days back: inside and outside
    the 30-day windows); 1 in 100 is a re-send of an earlier event (a duplicate message id)."""
    names = [name for name, _ in _EVENTS]
    weights = [weight for _, weight in _EVENTS]
    result: list[list[dict[str, Any]]] = []
    sent: list[dict[str, Any]] = []
    for number in range(batches):
        batch: list[dict[str, Any]] = []
        for position in range(batch_size):
            if sent and rng.random() < 0.01:
                batch.append(dict(rng.choice(sent)))
                continue
            name = rng.choices(names, weights)[0]
            event: dict[str, Any] = {
                "profile_id": profile_id(int(profiles * rng.random() ** 1.5)),
                "name": name,
                "properties": _event_properties(rng, name),
                "message_id": f"msg-{number:04d}-{position:04d}",
            }
            if rng.random() < 0.2:
                back = timedelta(days=rng.uniform(0, 45))
                event["timestamp"] = (now - back).isoformat()
            batch.append(event)
            sent.append(event)
        result.append(batch)
    return result


def set_up(engine: Engine, properties: dict[str, dict[str, Any]]) -> None:
    """Segments, existing profiles with properties, then the workflows (not timed).

    The workflows are saved last: triggers are future-only, so the profiles already matching a
    segment do not enroll, exactly as on a live system.
    """
    with session_scope(engine) as session:
        ids = {}
        for name, rule in SEGMENTS:
            segment = create_segment(session, name, rule)
            assert segment.id is not None
            ids[name] = segment.id
    pids = sorted(properties)
    for start in range(0, len(pids), 500):
        with session_scope(engine) as session:
            chunk = {pid: properties[pid] for pid in pids[start : start + 500]}
            apply_changes(session, properties=chunk, now=utcnow())
    with session_scope(engine) as session:
        for definition in workflows(ids):
            create_workflow(session, WorkflowCreate.model_validate(definition))
