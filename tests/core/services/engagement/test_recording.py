"""Which opens and clicks leave a row and which become events on the profile."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from flowline.core.database import session_scope
from flowline.core.models.engagement import EmailEngagement
from flowline.core.models.events import Event
from flowline.core.models.profiles import Profile
from flowline.core.services.engagement.links import (
    Engaged,
    clicked_link,
    opened_delivery,
    store_links,
)
from flowline.core.services.engagement.recording import Kind, record_engagement
from flowline.core.services.engagement.tokens import TrackedLink
from flowline.core.services.profiles.erasure import erase_profile
from flowline.core.timestamps import utcnow
from tests.core.services.engagement.stored_mail import StoredMail, stored_mail


def opened(engine: Engine, mail: StoredMail) -> Engaged:
    with Session(engine) as session:
        found = opened_delivery(session, mail.tracked)
    assert found is not None
    return found


def record(engine: Engine, engaged: Engaged, kind: Kind, machine: bool) -> bool:
    with session_scope(engine) as session:
        return record_engagement(
            session, engaged, kind, machine=machine, at=utcnow() + timedelta(minutes=5)
        )


def rows(engine: Engine) -> list[tuple[str, int | None, bool]]:
    with Session(engine) as session:
        found = session.exec(select(EmailEngagement).order_by(col(EmailEngagement.id))).all()
        return [(r.kind, r.link_position, r.machine) for r in found]


def events(engine: Engine) -> list[Event]:
    with Session(engine) as session:
        return list(session.exec(select(Event).order_by(col(Event.id))))


def test_repeated_opens_by_a_person_leave_one_row_and_one_event(engine: Engine) -> None:
    mail = stored_mail(engine)
    engaged = opened(engine, mail)

    assert record(engine, engaged, "open", machine=False)
    assert not record(engine, engaged, "open", machine=False)
    assert not record(engine, engaged, "open", machine=True)  # a proxy after the person

    assert rows(engine) == [("open", None, False), ("open", None, True)]
    [event] = events(engine)
    assert (event.name, event.profile_id) == ("email_opened", "p-ann")
    assert event.message_id == f"email_opened:{mail.delivery_id}"
    assert event.properties == {
        "campaign_id": mail.campaign_id,
        "workflow_id": mail.workflow_id,
        "delivery_id": mail.delivery_id,
        "step": "0",
        "machine": False,
    }


def test_a_scanner_first_then_the_person_are_two_events(engine: Engine) -> None:
    mail = stored_mail(engine)
    with session_scope(engine) as session:
        store_links(session, mail.enrollment_id, "0", ["https://a.test/", "https://b.test/"])
    with Session(engine) as session:
        first = clicked_link(session, TrackedLink(mail.enrollment_id, "0", 0))
        second = clicked_link(session, TrackedLink(mail.enrollment_id, "0", 1))
    assert first is not None and second is not None

    assert record(engine, first, "click", machine=True)
    assert record(engine, first, "click", machine=False)
    assert not record(engine, first, "click", machine=False)
    assert record(engine, second, "click", machine=False)  # each link has its first click

    assert [
        (e.message_id, e.properties["machine"], e.properties["url"]) for e in events(engine)
    ] == [
        (f"email_clicked:{mail.delivery_id}:0", True, "https://a.test/"),
        (f"email_clicked:{mail.delivery_id}:0:human", False, "https://a.test/"),
        (f"email_clicked:{mail.delivery_id}:1", False, "https://b.test/"),
    ]


def test_an_erased_profile_gets_no_event_and_is_not_created_again(engine: Engine) -> None:
    mail = stored_mail(engine)
    engaged = opened(engine, mail)
    with session_scope(engine) as session:
        erase_profile(session, "p-ann")

    assert not record(engine, opened(engine, mail), "open", machine=False)
    # Looked up just before the erasure (not marked erased): the missing profile stops it.
    assert not record(engine, engaged, "click", machine=False)

    assert events(engine) == []
    with Session(engine) as session:
        assert session.get(Profile, "p-ann") is None
    assert rows(engine) == [("open", None, False), ("click", None, False)]
