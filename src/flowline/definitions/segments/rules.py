"""The rule language: one pydantic model per JSON shape, and the `Rule` union that tells them apart.

    {"all": [rule, ...]}   {"any": [rule, ...]}   {"not": rule}
    {"property": "city", "op": "eq", "value": "Amsterdam"}
    {"event": "purchase", "performed": true, "min_count": 2, "within": "P30D",
     "where": {"property": "plan", "op": "eq", "value": "pro"}}

A rule is told apart by which of `RULE_KEYS` it has. Validation of a whole rule — its limits
and readable error paths — is `SegmentRule`'s.
"""

import hashlib
import json
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    ValidationInfo,
    field_validator,
)

from flowline.definitions.durations import PositiveDuration
from flowline.definitions.identifiers import PositiveCount
from flowline.definitions.triggers import EventName, NonEmptyStr, StrictModel

PropertyOp = Literal[
    "eq", "neq", "gt", "gte", "lt", "lte", "contains", "in", "exists", "not_exists"
]
_NO_VALUE_OPS = frozenset({"exists", "not_exists"})
_ORDER_OPS = frozenset({"gt", "gte", "lt", "lte"})
RULE_KEYS = ("all", "any", "not", "property", "event")
_NO_RULE_KEY = "Write the condition with one of: " + ", ".join(RULE_KEYS)


def _one_shape_per_op(schema: dict[str, Any]) -> None:
    """The JSON Schema states what `_value_fits_op` checks: which value each op takes."""
    name = schema.pop("properties")["property"]
    del schema["required"], schema["additionalProperties"]

    def shape(ops: list[str], value: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"property": name, "op": {"enum": ops}, "value": value},
            "required": ["property", "op", "value"] if required else ["property", "op"],
            "additionalProperties": False,
        }

    schema["oneOf"] = [
        shape(sorted(_NO_VALUE_OPS), {"type": "null"}, required=False),
        shape(["in"], {"type": "array", "minItems": 1}),
        shape(sorted(_ORDER_OPS), {"type": ["number", "string"]}),
        shape(["eq", "neq", "contains"], {"not": {"type": "null"}}),
    ]


class PropertyCondition(StrictModel):
    """A test on one property: of the profile, or of an event in an event condition's `where`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_one_shape_per_op)

    property: NonEmptyStr
    op: PropertyOp
    value: Any = Field(default=None, validate_default=True)

    @field_validator("value")
    @classmethod
    def _value_fits_op(cls, value: Any, info: ValidationInfo) -> Any:
        op = info.data.get("op")
        if op is None:  # the op itself is invalid and reported on its own
            return value
        if op in _NO_VALUE_OPS:
            if value is not None:
                raise ValueError(f"Remove the value: '{op}' takes none.")
            return value
        if value is None:
            raise ValueError(f"Enter a value: '{op}' needs one.")
        if op == "in" and (not isinstance(value, list) or not value):
            raise ValueError("Enter a list of one or more values for 'in'.")
        if op in _ORDER_OPS and (
            isinstance(value, bool) or not isinstance(value, int | float | str)
        ):
            raise ValueError(f"Enter a number or text as the value of '{op}'.")
        return value


class EventCondition(StrictModel):
    """The profile performed (or did not perform) an event, at least `min_count` times.

    `within` limits the count to the last period before now; `where` tests the event's
    properties. Either one needs the profile's individual events, not just its counter.
    """

    event: EventName
    performed: StrictBool = True
    min_count: PositiveCount = 1
    within: PositiveDuration | None = None
    where: PropertyCondition | None = None

    @property
    def needs_log(self) -> bool:
        return self.within is not None or self.where is not None

    @property
    def counted(self) -> bool:
        """A `where` without `within`: a per-condition counter kept at ingestion can answer it,
        so the stored form needs no event log (time never changes the answer)."""
        return self.where is not None and self.within is None

    @cached_property
    def counter_key(self) -> str:
        """Names the counter of a counted condition: the same event and `where` share one."""
        assert self.where is not None
        canonical = json.dumps(
            {"event": self.event, "where": self.where.model_dump(mode="json")},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class AllRule(StrictModel):
    all: Annotated[list["Rule"], Field(min_length=1)]


class AnyRule(StrictModel):
    any: Annotated[list["Rule"], Field(min_length=1)]


class NotRule(StrictModel):
    model_config = ConfigDict(
        extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    not_: "Rule" = Field(alias="not")


def rule_kind(value: Any) -> str | None:
    """Which of `RULE_KEYS` a rule is, raw JSON or model; `None` if it is no rule."""
    if isinstance(value, dict):
        for key in RULE_KEYS:
            if key in value:
                return key
        return None
    return _MODEL_TAGS.get(type(value))


Rule = Annotated[
    Annotated[AllRule, Tag("all")]
    | Annotated[AnyRule, Tag("any")]
    | Annotated[NotRule, Tag("not")]
    | Annotated[PropertyCondition, Tag("property")]
    | Annotated[EventCondition, Tag("event")],
    Discriminator(rule_kind, custom_error_type="rule_kind", custom_error_message=_NO_RULE_KEY),
]

_MODEL_TAGS: dict[type, str] = {
    AllRule: "all",
    AnyRule: "any",
    NotRule: "not",
    PropertyCondition: "property",
    EventCondition: "event",
}

AllRule.model_rebuild()
AnyRule.model_rebuild()
NotRule.model_rebuild()
