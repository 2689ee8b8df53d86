"""The SMTP side of fault tests: the mail `email_series` sends, and the "each message exactly
once" check DESIGN's delivery guarantee makes."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from email.message import Message
from typing import Any

from testkit.smtp import SmtpCapture
from tests.api.steps import email_step, wait_step
from tests.support.flowline_harness import Flowline

Key = tuple[str, str]  # (recipient, subject)
SUBJECTS = {0: "First for {}", 2: "Second for {}"}  # by step index, in `email_series`


def address(profile: str) -> str:
    return f"{profile}@example.test"


async def email_series(flowline: Flowline, wait: str) -> dict[str, Any]:
    """A workflow that emails "First for <name>", waits `wait`, then emails "Second for <name>"."""
    first = await flowline.campaign(name="First", subject="First for {{ first_name }}")
    second = await flowline.campaign(name="Second", subject="Second for {{ first_name }}")
    return await flowline.workflow(
        steps=[email_step(first["id"]), wait_step(wait), email_step(second["id"])]
    )


async def add_profiles(flowline: Flowline, profiles: list[str]) -> None:
    for profile in profiles:
        await flowline.profile(profile, email=address(profile), first_name=profile)


def assert_series_completed(ended: list[dict[str, Any]]) -> None:
    """Each enrollment of `email_series` completed with both emails recorded as sent."""
    for enrollment in ended:
        assert enrollment["status"] == "completed", enrollment
        steps = [(d["step_index"], d["status"]) for d in enrollment["deliveries"]]
        assert steps == [(0, "sent"), (2, "sent")], enrollment


def series_mail(profiles: list[str]) -> set[Key]:
    """Every (recipient, subject) `email_series` sends to these profiles."""
    return {(address(p), subject.format(p)) for p in profiles for subject in SUBJECTS.values()}


def key_of(message: Message) -> Key:
    return (str(message["To"]), str(message["Subject"]))


def keys_of(mailbox: SmtpCapture) -> set[Key]:
    """The (recipient, subject) of every message the capture received."""
    return {key_of(m) for m in mailbox.messages}


def assert_each_sent_once(
    messages: Iterable[Message], expected: set[Key], may_repeat: set[Key] = frozenset()
) -> None:
    """Every expected (recipient, subject) arrived exactly once, counted by Message-ID and by
    (recipient, subject). The one exception DESIGN allows: a message in `may_repeat` (its worker
    died between the server's 250 and the activity reporting back) may arrive a second time,
    and then with the identical Message-ID."""
    messages = list(messages)
    ids_by_key: dict[Key, list[str]] = defaultdict(list)
    for message in messages:
        ids_by_key[key_of(message)].append(str(message["Message-ID"]))
    assert set(ids_by_key) == expected, (
        f"missing {expected - set(ids_by_key)}, unexpected {set(ids_by_key) - expected}"
    )
    for key, ids in ids_by_key.items():
        if key in may_repeat:
            assert len(ids) <= 2 and len(set(ids)) == 1, f"{key} resent as {ids}"
        else:
            assert len(ids) == 1, f"{key} sent {len(ids)} times ({ids}), allowed once"
    keys_by_id: dict[str, set[Key]] = defaultdict(set)
    for message in messages:
        keys_by_id[str(message["Message-ID"])].add(key_of(message))
    assert all(len(keys) == 1 for keys in keys_by_id.values()), f"Message-ID reused: {keys_by_id}"
    per_id = Counter(str(m["Message-ID"]) for m in messages)
    for message_id, count in per_id.items():
        [key] = keys_by_id[message_id]
        assert count == 1 or (count == 2 and key in may_repeat), f"{message_id} x{count}"
