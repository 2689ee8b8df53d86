"""Branch conditions are read live, and `update_profile` merges like `PUT /v1/profiles`."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.event_schemas import EventIn
from flowline.core.models.profiles import Profile
from flowline.core.services.enrollments.journey_steps import profile_meets, rendered_update
from flowline.core.services.ingestion.changes import apply_changes
from flowline.definitions.segments import SegmentRule

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PRO_PURCHASE = {
    "event": "purchase",
    "performed": True,
    "where": {"property": "plan", "op": "eq", "value": "pro"},
}


def _meets(engine: Engine, profile_id: str, rule: dict[str, object]) -> bool:
    with session_scope(engine) as session:
        profile = session.get(Profile, profile_id)
        assert profile is not None
        return profile_meets(session, profile, SegmentRule.model_validate(rule), NOW)


def test_a_where_condition_no_segment_counts_is_read_from_the_events(engine: Engine) -> None:
    with session_scope(engine) as session:
        apply_changes(
            session,
            events=[
                EventIn(profile_id="ada", name="purchase", properties={"plan": "pro"}),
                EventIn(profile_id="bram", name="purchase", properties={"plan": "free"}),
            ],
            now=NOW - timedelta(days=1),
        )
    assert _meets(engine, "ada", PRO_PURCHASE)
    assert not _meets(engine, "bram", PRO_PURCHASE)


def test_within_counts_only_recent_events_and_properties_are_live(engine: Engine) -> None:
    with session_scope(engine) as session:
        apply_changes(
            session,
            events=[EventIn(profile_id="cleo", name="visit")],
            properties={"cleo": {"city": "Amsterdam"}},
            now=NOW - timedelta(days=10),
        )
    recent = {"event": "visit", "performed": True, "within": "P7D"}
    assert not _meets(engine, "cleo", recent)
    assert _meets(engine, "cleo", {"property": "city", "op": "eq", "value": "Amsterdam"})


def test_update_values_render_merge_tags_and_keep_a_lone_tags_own_value() -> None:
    profile = Profile(id="dora", properties={"score": 7, "first_name": "Dora"})
    changes = rendered_update(
        {"by": "{{ workflow_name }}", "copy": "{{ score }}", "hi": "Hi {{ first_name }}"},
        profile,
        "Onboarding",
    )
    assert changes == {"by": "Onboarding", "copy": 7, "hi": "Hi Dora"}
