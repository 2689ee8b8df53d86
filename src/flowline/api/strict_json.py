"""Request bodies parsed as strict JSON: what is accepted can be stored and answered back.

Python's `json` accepts more than JSON and more than the database or a JSON response can hold:
`NaN` and `Infinity`, numbers that overflow to infinity, strings with lone surrogates (`\\ud800`,
which UTF-8 cannot encode) or U+0000 (which PostgreSQL text cannot store), bodies in UTF-16,
and nesting deep enough to exhaust the stack. Each of these is refused here, as invalid JSON.
"""

import json
import math
import re
from typing import Any

from starlette.requests import Request

MAX_JSON_DEPTH = 64
"""Objects and arrays nested in one body; the deepest legitimate body is far shallower."""

# Both can only arrive escaped: raw surrogates are invalid UTF-8, raw control characters are
# invalid JSON. Without such an escape in the body no string needs to be looked at.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class InvalidJson(json.JSONDecodeError):
    """Raised like any JSON syntax error, so FastAPI answers it as a 422 `json_invalid`."""

    def __init__(self, reason: str, document: str = "", position: int = 0) -> None:
        super().__init__(reason, document, position)


def _refuse_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise InvalidJson(f"number {text[:40]} is out of range")
    return value


def parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidJson(f"the body is not UTF-8 (byte {error.start})") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise InvalidJson("nested too deeply") from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer of more than 4300 digits
        raise InvalidJson("a number is too long") from None
    _check_parsed(value, check_strings=_SUSPECT_ESCAPE.search(raw) is not None)
    return value


def _check_parsed(value: Any, *, check_strings: bool) -> None:
    if check_strings:
        _check_strings([value])
    if type(value) is not dict and type(value) is not list:
        return
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidJson(f"nested deeper than {MAX_JSON_DEPTH} levels")
        children = node.values() if type(node) is dict else node
        if check_strings:
            _check_strings(children)
            if type(node) is dict:
                _check_strings(node.keys())
        for child in children:
            if type(child) is dict or type(child) is list:
                pending.append((child, depth + 1))


def _check_strings(values: Any) -> None:
    for value in values:
        if type(value) is str and _UNSTORABLE.search(value):
            raise InvalidJson(
                "strings may not contain lone surrogates (\\ud800-\\udfff) or \\u0000"
            )


class StrictJsonRequest(Request):
    """A request whose `json()` is `parse_json`: what FastAPI reads the body with."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json
