"""The email attempts running in this process, one at a time per step, and what they sent.

Temporal starts a retry beside a running attempt when that attempt's heartbeats stop reaching it
for STEP_HEARTBEAT_TIMEOUT while its process lives on (Temporal away for a while, a stalled event
loop). When the retry lands in the same process, it waits here for the attempt to end, then
finds what the attempt did: the delivery row, or, when the attempt could not write it, the
acceptance noted here. Either way it does not send the message again.
"""

import asyncio
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from flowline.worker.contracts import StepResult

# Acceptances whose delivery could not be written are kept (for a retry here) up to this many;
# the workflow writes each of them meanwhile, so the oldest are only a second safety net.
MAX_UNRECORDED = 10_000


@dataclass(frozen=True)
class Accepted:
    """A message the SMTP server accepted, not yet on record."""

    enrollment_id: int
    result: StepResult
    links: tuple[str, ...] = ()  # of a tracked mail, written with its delivery


class SendsInFlight:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: Counter[str] = Counter()
        self._unrecorded: OrderedDict[str, Accepted] = OrderedDict()

    @asynccontextmanager
    async def one_at_a_time(self, message_id: str) -> AsyncIterator[Accepted | None]:
        """Run one attempt of this message; yields what an earlier attempt here had sent but
        not recorded, if anything."""
        lock = self._locks.setdefault(message_id, asyncio.Lock())
        self._users[message_id] += 1
        try:
            async with lock:
                yield self._unrecorded.get(message_id)
        finally:
            self._users[message_id] -= 1
            if not self._users[message_id]:
                del self._users[message_id]
                del self._locks[message_id]

    def accepted(self, message_id: str, accepted: Accepted) -> None:
        self._unrecorded[message_id] = accepted
        while len(self._unrecorded) > MAX_UNRECORDED:
            self._unrecorded.popitem(last=False)

    def recorded(self, message_id: str) -> None:
        self._unrecorded.pop(message_id, None)
