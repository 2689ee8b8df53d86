"""Flowline on a Temporal server of the test's own, which the test may stop and start again."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.flowline_harness import running_flowline
from tests.support.http_target import HttpTarget
from tests.support.mailbox import Mailbox
from tests.support.private_temporal import Outage, private_dev_server


@pytest.fixture
async def outage(
    engine: Engine,
    mailbox: Mailbox,
    http_target: HttpTarget,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Outage]:
    async with (
        private_dev_server(tmp_path / "temporal", monkeypatch) as server,
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
