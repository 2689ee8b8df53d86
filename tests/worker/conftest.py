"""One time-skipping Temporal test server per session; a fresh task queue and fakes per test."""

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from flowline.worker.sandbox import workflow_runner
from flowline.worker.workflows import EnrollmentWorkflow
from tests.worker.fakes import FakeActivities
from tests.worker.server import start_test_server


@pytest_asyncio.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with await start_test_server() as env:
        yield env


@pytest.fixture
def fakes() -> FakeActivities:
    return FakeActivities()


@pytest_asyncio.fixture
async def worker(env: WorkflowEnvironment, fakes: FakeActivities) -> AsyncIterator[Worker]:
    # A fresh task queue: nothing left over from another test can be picked up.
    async with Worker(
        env.client,
        task_queue=f"flowline-test-{uuid.uuid4()}",
        workflows=[EnrollmentWorkflow],
        workflow_runner=workflow_runner(),
        activities=fakes.activities(),
    ) as worker:
        yield worker


@pytest.fixture
def profile_id() -> str:
    # Unique per test: enrollment ids derive from it and the server lives all session.
    return f"profile-{uuid.uuid4().hex[:8]}"
