"""The Temporal client: one connection per process, our search attributes registered."""

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.contrib.pydantic import pydantic_data_converter

from flowline.core.settings import Settings
from flowline.definitions.enrollment import SEARCH_ATTRIBUTES

_INDEXED: dict[SearchAttributeIndexedValueType, int] = {
    SearchAttributeIndexedValueType.INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    SearchAttributeIndexedValueType.KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
}


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )


async def register_search_attributes(client: Client, namespace: str) -> None:
    """Register Flowline's search attributes if missing.

    An unknown attribute does not fail loudly: the workflow task would retry forever.
    """
    known = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = {
        key.name: _INDEXED[key.indexed_value_type]
        for key in SEARCH_ATTRIBUTES
        if key.name not in known.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)  # type: ignore[arg-type]
        )


def dev_server_search_attribute_args() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    kinds = {
        SearchAttributeIndexedValueType.INT: "Int",
        SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    }
    args: list[str] = []
    for key in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type]}"]
    return args
