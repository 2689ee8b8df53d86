"""Flowline on a Temporal server of the test's own, which the test may stop and start again."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from testkit.http_target import HttpTarget
from testkit.smtp import SmtpCapture
from testkit.temporal import restartable_dev_server
from tests.support.flowline_harness import running_flowline
from tests.support.private_temporal import Outage


@pytest.fixture
async def outage(
    engine: Engine,
    mailbox: SmtpCapture,
    http_target: HttpTarget,
    tmp_path: Path,
) -> AsyncIterator[Outage]:
    async with (
        restartable_dev_server(tmp_path / "temporal") as server,
        running_flowline(
            engine=engine,
            temporal_address=f"{server.host}:{server.port}",
            mailbox=mailbox,
            http_target=http_target,
            data_dir=tmp_path / "flowline",
            task_queue=f"test-{uuid.uuid4().hex[:12]}",
        ) as flowline,
    ):
        yield Outage(server, flowline)
