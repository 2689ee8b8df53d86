"""Reading Amazon SES notifications, and masking addresses in what is kept."""

import json

import pytest

from flowline.core.errors import ValidationFailed
from flowline.core.services.ses_feedback import ses_feedback
from flowline.core.services.suppressions import Suppressor, scrubbed


def bounce(bounce_type: str, *addresses: str) -> str:
    recipients = [
        {"emailAddress": a, "diagnosticCode": f"smtp; 550 {a} unknown"} for a in addresses
    ]
    return json.dumps(
        {
            "notificationType": "Bounce",
            "bounce": {
                "bounceType": bounce_type,
                "bounceSubType": "General",
                "feedbackId": "f-1",
                "bouncedRecipients": recipients,
            },
            "mail": {"headers": [{"name": "Message-ID", "value": "<abc@flowline>"}]},
        }
    )


def test_each_recipient_is_one_feedback_and_only_permanent_bounces_are_permanent() -> None:
    found = ses_feedback(bounce("Permanent", "a@x.test", "Bo <b@x.test>", "not-an-address"), "n")
    assert [(f.address, f.permanent, f.message_id) for f in found] == [
        ("a@x.test", True, "<abc@flowline>"),
        ("b@x.test", True, "<abc@flowline>"),
    ]
    assert found[0].detail == "SES Permanent General bounce: smtp; 550 a@x.test unknown"
    assert found[0].dedupe != found[1].dedupe
    assert [f.permanent for f in ses_feedback(bounce("Transient", "a@x.test"), None)] == [False]
    assert [f.permanent for f in ses_feedback(bounce("Undetermined", "a@x.test"), None)] == [False]


def test_other_notifications_are_ignored_and_unreadable_ones_refused_in_words() -> None:
    assert ses_feedback(json.dumps({"notificationType": "Delivery", "mail": {}}), None) == []
    assert ses_feedback(json.dumps({"eventType": "Open"}), None) == []
    for message in ["not json", "[]", json.dumps({"notificationType": "Bounce"}), "{}"]:
        with pytest.raises(ValidationFailed) as refused:
            ses_feedback(message, None)
        assert "Amazon SES notification" in refused.value.detail


def test_kept_text_masks_every_address_and_drops_what_no_database_holds() -> None:
    assert (
        scrubbed("550 <Ann.Lee@Example.com>: no such user")
        == "550 <a***@example.com>: no such user"
    )
    assert scrubbed("bad\x00byte \ud800 here") == "bad byte   here"
    assert scrubbed("   ") is None and scrubbed(None) is None


def test_addresses_hash_alike_whatever_the_case_and_under_every_listed_secret() -> None:
    old, new = Suppressor((b"old",)), Suppressor((b"new", b"old"))
    assert old.hash(" Ann@Example.com ") == old.hash("ann@example.com")
    assert old.hash("ann@example.com") in new.hashes("ann@example.com")
    assert new.hash("ann@example.com") != old.hash("ann@example.com")
