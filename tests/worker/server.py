"""The time-skipping Temporal test server, set up as Flowline needs it."""

import sys
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from flowline.definitions.enrollment import SEARCH_ATTRIBUTES

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"


async def start_test_server() -> WorkflowEnvironment:
    """A server where a 3-day wait takes milliseconds, with our search attributes registered."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=pydantic_data_converter
    )
    # The test server lacks ListSearchAttributes, which `register_search_attributes` calls
    # first: add ours directly (a new server knows none of them yet).
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            # SearchAttributeIndexedValueType mirrors the proto enum's numbers.
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type)
                for key in SEARCH_ATTRIBUTES
            },
        )
    )
    return env
