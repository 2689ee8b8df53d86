"""For tests that run the outbox dispatcher themselves instead of in the background."""

import pytest

from flowline.core.services.outbox.dispatch_jobs import dispatch_once
from flowline.core.services.outbox.lease_jobs import Lease
from tests.support.flowline_harness import Flowline


class WithoutARunningDispatcher:
    @pytest.fixture
    def flowline_settings(self) -> dict[str, object]:
        return {"dispatcher": False}


async def dispatch_all(flowline: Flowline) -> None:
    """Dispatch until the outbox has nothing left to run now."""
    lease = Lease(flowline.engine, "test")
    try:
        while await dispatch_once(flowline.engine, flowline.temporal, flowline.settings, lease):
            pass
    finally:
        lease.release()
