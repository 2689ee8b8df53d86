"""Flowline on a Temporal server of a test's own (to stop and start again: an outage), and how
many runs each workflow id has."""

from collections import Counter
from dataclasses import dataclass

from temporalio.client import Client

from flowline.devserver.temporal_process import TemporalDevServer
from tests.support.flowline_harness import Flowline


@dataclass
class Outage:
    """Flowline on a server of the test's own (fixture `outage`), to stop and start again."""

    server: TemporalDevServer
    flowline: Flowline


async def runs_per_id(client: Client, query: str) -> Counter[str]:
    """How many Temporal runs (open or closed) each workflow id has, as visibility sees them."""
    return Counter([execution.id async for execution in client.list_workflows(query)])
