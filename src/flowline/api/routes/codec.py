"""The codec endpoints the Temporal Web UI (and `temporal --codec-endpoint`) call to read and
write encrypted payloads: Temporal's codec-server protocol, not part of the REST API."""

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence

from fastapi import APIRouter, Request
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from flowline.api.authentication import CodecCaller
from flowline.core.errors import ValidationFailed

router = APIRouter(prefix="/codec", tags=["codec"], include_in_schema=False)


class CodecPayload(BaseModel):
    """A payload as the Web UI sends it: metadata values and data in base64."""

    metadata: dict[str, str] = {}
    data: str = ""


class CodecPayloads(BaseModel):
    payloads: list[CodecPayload]


@router.post("/encode", response_model=CodecPayloads)
async def encode(body: CodecPayloads, request: Request, _: CodecCaller) -> CodecPayloads:
    """Encrypt payloads (the Web UI starting or signalling an execution)."""
    codec = _codec(request)
    return await _apply(codec.encode if codec else None, body)


@router.post("/decode", response_model=CodecPayloads)
async def decode(body: CodecPayloads, request: Request, _: CodecCaller) -> CodecPayloads:
    """Decrypt payloads (the Web UI showing a history)."""
    codec = _codec(request)
    return await _apply(codec.decode if codec else None, body)


def _codec(request: Request) -> PayloadCodec | None:
    codec: PayloadCodec | None = request.app.state.payload_codec
    return codec


Operation = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


async def _apply(operation: Operation | None, body: CodecPayloads) -> CodecPayloads:
    payloads = _from_json(body.payloads)
    if operation is not None:  # without keys nothing is encrypted: payloads pass through
        payloads = await operation(payloads)
    return CodecPayloads(payloads=[_to_json(p) for p in payloads])


def _from_json(payloads: list[CodecPayload]) -> list[Payload]:
    # The X-Namespace header the Web UI sends is not needed: the keys are the same everywhere.
    return [
        Payload(
            metadata={
                name: _b64(value, ("payloads", i, "metadata", name))
                for name, value in payload.metadata.items()
            },
            data=_b64(payload.data, ("payloads", i, "data")),
        )
        for i, payload in enumerate(payloads)
    ]


def _to_json(payload: Payload) -> CodecPayload:
    return CodecPayload(
        metadata={k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        data=base64.b64encode(payload.data).decode(),
    )


def _b64(value: str, loc: tuple[str | int, ...]) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValidationFailed.at(loc, "not valid base64") from None
