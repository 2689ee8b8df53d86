"""The Temporal client: one connection per process, our search attributes registered."""

import dataclasses
import logging
from functools import cache

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from flowline.core.payload_codec import EncryptionCodec
from flowline.core.payload_keys import configured_payload_keys
from flowline.core.settings import Settings
from flowline.definitions.enrollment import SEARCH_ATTRIBUTES

_INDEXED: dict[SearchAttributeIndexedValueType, int] = {
    SearchAttributeIndexedValueType.INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    SearchAttributeIndexedValueType.KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
}


async def connect(settings: Settings) -> Client:
    """Every Flowline client (API, worker, dispatcher, tests, bench) connects through here."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        runtime=sdk_runtime(settings),
    )


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads; with FLOWLINE_PAYLOAD_KEYS, encrypted before they reach Temporal."""
    keys = configured_payload_keys(settings)
    if not keys:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keys),
        # Failure messages and stack traces move into an (encrypted) payload as well: an SMTP
        # error may quote an address.
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def sdk_runtime(settings: Settings) -> Runtime:
    """The SDK's runtime: with FLOWLINE_TEMPORAL_METRICS_ADDRESS, it serves its own metrics."""
    return _runtime(settings.temporal_metrics_address or None)


@cache
def _runtime(metrics_address: str | None) -> Runtime:
    # One per process and address: the runtime owns the HTTP listener Prometheus scrapes.
    metrics = (
        PrometheusConfig(
            bind_address=metrics_address, counters_total_suffix=True, durations_as_seconds=True
        )
        if metrics_address
        else None
    )
    # The SDK core's own lines (written by Rust, straight to stderr otherwise) go through
    # Python's logging, so the format and the redaction of core/log_format.py apply to them:
    # they may name an enrollment's workflow id, which holds the profile id.
    forwarded = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )
    return Runtime(telemetry=TelemetryConfig(logging=forwarded, metrics=metrics))


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
