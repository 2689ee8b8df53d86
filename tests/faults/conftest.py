"""Fault tests run Flowline as real processes; their output is shown when a test fails."""

import os
from collections.abc import Generator, Iterator
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from testkit.http_target import HttpTarget
from testkit.smtp import SmtpCapture
from tests.faults.stack import Launch, fault_stack
from tests.support.processes import Processes


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    processes = getattr(item, "funcargs", {}).get("processes")
    if report.failed and isinstance(processes, Processes):
        report.sections.append(("flowline processes", processes.output()))
    return report


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path / "logs")
    yield started
    started.kill_all()  # no process outlives its test, whatever happened


@pytest.fixture
def mailbox() -> Iterator[SmtpCapture]:
    box = SmtpCapture()
    box.start()
    yield box
    box.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """FLOWLINE_TEST_DATABASE_URL with an empty schema of our own, `faults`: the suite's
    session-wide fixture owns `public` in that database and must not see our rows."""
    base = os.environ.get("FLOWLINE_TEST_DATABASE_URL")
    if not base:
        pytest.skip("needs PostgreSQL: set FLOWLINE_TEST_DATABASE_URL")
    engine = sa.create_engine(base)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS faults CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA faults"))
    engine.dispose()
    url = make_url(base).update_query_dict({"options": "-csearch_path=faults"})
    yield url.render_as_string(hide_password=False)


@pytest.fixture
def launch(
    processes: Processes, tmp_path: Path, mailbox: SmtpCapture, http_target: HttpTarget
) -> Launch:
    """`async with launch(apis=2, workers=2) as stack:` Flowline as processes for this test."""
    return partial(fault_stack, processes, tmp_path, mailbox, http_target)
