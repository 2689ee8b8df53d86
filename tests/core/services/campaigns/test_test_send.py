"""A test send: rendered for a chosen profile (blank tags without one), sent at once through a
real SMTP server, marked as a test, and failures said in words."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.core.errors import ValidationFailed
from flowline.core.models.campaigns import Campaign
from flowline.core.models.profiles import Profile
from flowline.core.services.campaigns.test_send import (
    TEST_HEADER,
    MailServerUnavailable,
    prepare_test,
    send_test,
)
from flowline.core.settings import Settings
from testkit.ports import free_port
from testkit.smtp import SmtpCapture, body_of


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        session.add(Profile(id="ada", properties={"first_name": "Ada", "city": "<b>Leiden</b>"}))
        session.add(
            Campaign(
                name="Welcome",
                subject="Hi {{ first_name }}",
                html="<p>Hello {{ first_name }} from {{ city }}</p>",
                from_email="hello@flowline.test",
                status="active",
            )
        )
        session.commit()
        yield session


def _campaign(session: Session) -> Campaign:
    return session.exec(select(Campaign)).one()


def _settings(port: int) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port)


async def test_it_arrives_marked_as_a_test_with_the_profile_s_values(
    session: Session, mailbox: SmtpCapture
) -> None:
    settings = _settings(mailbox.port)
    prepared = prepare_test(session, settings, _campaign(session), " qa@example.com ", "ada")

    await send_test(settings, prepared)

    [message] = await mailbox.wait_for(1)
    assert mailbox.recipients == [["qa@example.com"]]
    assert message["Subject"] == "[Test] Hi Ada"
    assert message[TEST_HEADER] == "yes"
    assert message["From"] == "hello@flowline.test"
    assert "<p>Hello Ada from &lt;b&gt;Leiden&lt;/b&gt;</p>" in body_of(message, "html")
    assert "Hello Ada from <b>Leiden</b>" in body_of(message, "plain")


async def test_without_a_profile_every_tag_is_blank(session: Session, mailbox: SmtpCapture) -> None:
    settings = _settings(mailbox.port)
    prepared = prepare_test(session, settings, _campaign(session), "qa@example.com", "  ")

    await send_test(settings, prepared)

    [message] = await mailbox.wait_for(1)
    assert message["Subject"] == "[Test] Hi"
    assert "<p>Hello  from </p>" in body_of(message, "html")


@pytest.mark.parametrize(
    "address",
    ["", "qa", "qa@example.com, boss@example.com", "Qa <qa@example.com>", "a@b\nBcc: x@y"],
)
def test_anything_but_one_address_is_refused_at_the_field(session: Session, address: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        prepare_test(session, _settings(25), _campaign(session), address, "ada")

    assert refused.value.errors == [
        {"loc": ["test_address"], "msg": "Enter one e-mail address, such as anna@example.com."}
    ]


def test_a_profile_that_does_not_exist_is_refused_at_its_field(session: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        prepare_test(session, _settings(25), _campaign(session), "qa@example.com", "nobody")

    assert refused.value.errors[0]["loc"] == ["test_profile"]
    assert "There is no profile 'nobody'" in refused.value.errors[0]["msg"]


async def test_a_mail_server_that_does_not_answer_is_a_503_in_words(session: Session) -> None:
    port = free_port()  # nothing listens here
    settings = _settings(port)
    prepared = prepare_test(session, settings, _campaign(session), "qa@example.com", "ada")

    with pytest.raises(MailServerUnavailable) as down:
        await send_test(settings, prepared)

    assert down.value.status_code == 503
    assert down.value.detail.startswith(f"Cannot reach the mail server at 127.0.0.1:{port}")
    assert "nothing was sent" in down.value.detail


async def test_a_test_send_of_a_tracked_campaign_carries_its_links_untracked(
    session: Session, mailbox: SmtpCapture
) -> None:
    campaign = _campaign(session)
    campaign.html = '<p><a href="https://shop.test/?n={{ first_name }}">Shop</a></p>'
    assert campaign.track_clicks and campaign.track_opens
    settings = _settings(mailbox.port)

    await send_test(settings, prepare_test(session, settings, campaign, "qa@example.com", "ada"))

    [message] = await mailbox.wait_for(1)
    html = body_of(message, "html")
    assert 'href="https://shop.test/?n=Ada"' in html and "<img" not in html
