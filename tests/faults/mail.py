"""The SMTP side of fault tests: a mailbox that reports each accepted message, and the
"each message exactly once" check DESIGN's delivery guarantee makes."""

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from email.message import Message
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller

from flowline.bench.fault_figures import Arrival
from tests.api.steps import email_step, wait_step
from tests.support.flowline_harness import Flowline
from tests.support.mailbox import Mailbox, _Collect

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


class _Report(_Collect):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        box = self.box
        assert isinstance(box, WatchedMailbox)
        box.in_progress[address] = time.monotonic()
        await asyncio.sleep(box.rcpt_delay)  # cancelled by aiosmtpd when the client hangs up
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message_id = str(BytesParser().parsebytes(envelope.content, headersonly=True)["Message-ID"])
        reply = await super().handle_DATA(server, session, envelope)
        box = self.box
        assert isinstance(box, WatchedMailbox)
        for recipient in envelope.rcpt_tos:
            box.in_progress.pop(recipient, None)
            box.arrivals.append(Arrival(time.monotonic(), recipient, message_id))
        hook = box.on_accepted
        if hook is not None:
            # Runs once this reply is on its way: the sender has its 250 or is about to.
            asyncio.get_running_loop().call_soon(hook, box.messages[-1])
        return reply


class WatchedMailbox(Mailbox):
    """A real SMTP server that calls `on_accepted(message)` right after answering 250, and
    keeps when each message arrived and which conversations are under way."""

    def __init__(self) -> None:
        super().__init__()
        self.on_accepted: Callable[[Message], None] | None = None
        self.arrivals: list[Arrival] = []
        # Recipients whose conversation reached RCPT and not the end of DATA (a client that
        # died mid-conversation leaves its recipient here).
        self.in_progress: dict[str, float] = {}
        # Every RCPT is answered after this many seconds (more conversations under way at once).
        self.rcpt_delay = 0.0

    def start(self) -> None:
        self._controller = Controller(_Report(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def keys(self) -> set[Key]:
        return {key_of(m) for m in list(self.messages)}


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
