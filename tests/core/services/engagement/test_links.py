"""Links stored with their delivery (the first ones stay), looked up by what a token names,
and gone with an erased profile."""

from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.core.database import session_scope
from flowline.core.models.engagement import EmailLink
from flowline.core.services.engagement.links import clicked_link, opened_delivery, store_links
from flowline.core.services.engagement.tokens import TrackedLink
from flowline.core.services.profiles.erasure import erase_profile
from tests.core.services.engagement.stored_mail import stored_mail

OFFER = "https://shop.test/offer?n=Ann&c=1"


def test_a_retried_attempt_stores_the_same_positions_and_the_first_rows_stay(
    engine: Engine,
) -> None:
    mail = stored_mail(engine)
    with session_scope(engine) as session:
        store_links(session, mail.enrollment_id, "0", [OFFER, "https://shop.test/b"])
    with session_scope(engine) as session:
        store_links(session, mail.enrollment_id, "0", ["https://elsewhere.test/", "x"])

    with Session(engine) as session:
        rows = session.exec(select(EmailLink).order_by(EmailLink.position)).all()
        link = clicked_link(session, TrackedLink(mail.enrollment_id, "0", 0))
    assert [(r.position, r.url) for r in rows] == [(0, OFFER), (1, "https://shop.test/b")]
    assert link is not None and link.url == OFFER and link.delivery_id == mail.delivery_id
    assert (link.profile_id, link.step_path, link.erased) == ("p-ann", "0", False)


def test_a_token_naming_no_stored_link_or_no_sent_mail_finds_nothing(engine: Engine) -> None:
    mail = stored_mail(engine)
    failed = stored_mail(engine, profile_id="p-bob", status="failed")
    with session_scope(engine) as session:
        store_links(session, mail.enrollment_id, "0", [OFFER])
        store_links(session, failed.enrollment_id, "0", [OFFER])

    with Session(engine) as session:
        assert clicked_link(session, TrackedLink(mail.enrollment_id, "0", 1)) is None
        assert clicked_link(session, TrackedLink(mail.enrollment_id, "1", 0)) is None
        assert clicked_link(session, TrackedLink(failed.enrollment_id, "0", 0)) is None
        assert opened_delivery(session, failed.tracked) is None
        assert opened_delivery(session, mail.tracked) is not None


def test_erasing_the_profile_deletes_its_links_and_later_clicks_find_nothing(
    engine: Engine,
) -> None:
    mail = stored_mail(engine)
    other = stored_mail(engine, profile_id="p-bob")
    with session_scope(engine) as session:
        store_links(session, mail.enrollment_id, "0", [OFFER])
        store_links(session, other.enrollment_id, "0", [OFFER])

    with session_scope(engine) as session:
        erase_profile(session, "p-ann")

    with Session(engine) as session:
        assert [r.delivery_id for r in session.exec(select(EmailLink))] == [other.delivery_id]
        assert clicked_link(session, TrackedLink(mail.enrollment_id, "0", 0)) is None
        opened = opened_delivery(session, mail.tracked)
    assert opened is not None and opened.erased
