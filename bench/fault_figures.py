"""The figures of a worker killed mid-burst: mails sent twice, mails lost, time to the retry.

Shared by the fault test (tests/faults/test_worker_killed_mid_burst.py), which asserts on them,
and by `make bench --only faults`, which prints them. Both count what an SMTP server received.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bench.figures import Figure
from testkit.smtp import Arrival

# What a worker killed mid-burst may cost: Temporal retries the dead worker's steps
# within MOVED_ON_WITHIN_SECONDS (heartbeats), and their mail arrives within RETRY_WITHIN_SECONDS
# (it waits its turn behind the mail queued before its retry).
MAX_DUPLICATE_SHARE = 0.005
MOVED_ON_WITHIN_SECONDS = 20.0
RETRY_WITHIN_SECONDS = 30.0


@dataclass(frozen=True)
class KillFigures:
    mails: int
    duplicates: int  # copies beyond the first, all Message-IDs together
    lost: int  # recipients that received nothing
    reused_ids: bool  # every copy to a recipient carried the same Message-ID
    in_flight: int  # mails the killed worker was sending (mid-conversation when it died)
    first_retry: float | None  # seconds from the kill to the first of them arriving
    last_retry: float | None  # ... to the last of them arriving
    moved_on: float | None = None  # ... to Temporal having retried all of them (None: unknown)

    @property
    def duplicate_share(self) -> float:
        return self.duplicates / self.mails

    def line(self) -> str:
        retry = (
            "no mail was mid-conversation at the kill"
            if self.first_retry is None or self.last_retry is None
            else f"{self.in_flight} in flight retried by Temporal "
            + ("" if self.moved_on is None else f"{self.moved_on:.1f} s ")
            + f"and arrived {self.first_retry:.1f} s to {self.last_retry:.1f} s after the kill"
        )
        return (
            f"{self.mails} mails, worker killed mid-burst: {self.duplicates} duplicated "
            f"({self.duplicate_share:.2%}), {self.lost} lost, {retry}"
        )

    def figures(self) -> list[Figure]:
        return [
            Figure(
                "worker killed mid-burst: duplicated mails",
                f"{self.duplicates} ({self.duplicate_share:.2%})",
                f"<= {MAX_DUPLICATE_SHARE:.1%}",
                met=self.duplicate_share <= MAX_DUPLICATE_SHARE and self.reused_ids,
            ),
            Figure("worker killed mid-burst: lost mails", str(self.lost), "0", met=self.lost == 0),
            Figure(
                "worker killed mid-burst: kill -> steps retried",
                "-" if self.moved_on is None else f"{self.moved_on:.1f} s",
                f"<= {MOVED_ON_WITHIN_SECONDS:.0f} s",
                met=None if self.moved_on is None else self.moved_on <= MOVED_ON_WITHIN_SECONDS,
            ),
            Figure(
                "worker killed mid-burst: kill -> first retried mail",
                "-" if self.first_retry is None else f"{self.first_retry:.1f} s",
                f"<= {RETRY_WITHIN_SECONDS:.0f} s",
                met=None if self.first_retry is None else self.first_retry <= RETRY_WITHIN_SECONDS,
            ),
        ]


def kill_figures(
    arrivals: Iterable[Arrival],
    recipients: set[str],
    killed_at: float,
    in_flight: set[str],
    moved_on: float | None = None,
) -> KillFigures:
    """`in_flight`: recipients whose SMTP conversation the killed worker had begun and not
    finished; their first arrival after the kill is the retry of another worker."""
    arrivals = list(arrivals)
    per_id = Counter(a.message_id for a in arrivals)
    ids_by_recipient: dict[str, set[str]] = defaultdict(set)
    for arrival in arrivals:
        ids_by_recipient[arrival.recipient].add(arrival.message_id)
    retried = [
        min(a.at for a in arrivals if a.recipient == recipient and a.at >= killed_at) - killed_at
        for recipient in in_flight
        if any(a.recipient == recipient and a.at >= killed_at for a in arrivals)
    ]
    return KillFigures(
        mails=len(recipients),
        duplicates=sum(count - 1 for count in per_id.values()),
        lost=len(recipients - set(ids_by_recipient)),
        reused_ids=all(len(ids) == 1 for ids in ids_by_recipient.values()),
        in_flight=len(in_flight),
        first_retry=min(retried) if retried else None,
        last_retry=max(retried) if retried else None,
        moved_on=moved_on,
    )
