"""One JSON value's tests in SQL (SQLite's JSON1 or PostgreSQL's json), with the meaning of
`definitions.segments.evaluate`: kinds are strict (`true` never equals `1` nor `"true"`), numbers
compare by value, lists and objects as JSON, and every test is two-valued (never NULL).

`RuleSql` builds whole segment rules on top of these; the parameters bound on the way are kept
here so a rule's statement binds exactly the ones it uses.
"""

import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.sql.elements import BindParameter, TextClause

from flowline.definitions.segments import PropertyCondition


@dataclass(frozen=True)
class _Node:
    """A JSON value in SQL: its kind (the dialect's names; SQL NULL when the key is absent), its
    value (text or number) and the JSON itself."""

    kind: str
    value: str
    json: str
    items: str = ""  # the table of its elements, when it is an array


@dataclass(kw_only=True)
class JsonValueSql:
    """Conditions on JSON documents (`row_property`) and the parameters they bind."""

    postgresql: bool
    binds: list[BindParameter[Any]] = field(default_factory=list)

    # -- parameters -----------------------------------------------------------------------------

    def param(self, value: Any, type_: Any = None) -> str:
        name = f"p{len(self.binds)}"
        self.binds.append(bindparam(name, value, type_=type_))
        return f":{name}"

    def statement(self, sql: str) -> TextClause:
        """The SQL with the parameters it uses (a parameter drawn and then left out is not)."""
        used = [b for b in self.binds if re.search(rf":{b.key}\b", sql)]
        return text(sql).bindparams(*used)

    def false(self) -> str:
        return "FALSE" if self.postgresql else "0"

    def row_property(self, document: str, condition: PropertyCondition) -> str:
        """Whether the JSON object `document` meets the condition (two-valued)."""
        node = self._node(document, condition.property)
        op, value = condition.op, condition.value
        if op in ("neq", "not_exists"):
            positive = "eq" if op == "neq" else "exists"
            return f"(NOT {self._present(node, positive, value)})"
        return self._present(node, op, value)

    def _present(self, node: _Node, op: str, value: Any) -> str:
        if op == "exists":
            test = f"{node.kind} <> 'null'"
        elif op == "eq":
            test = self._equal(node, value)
        elif op == "in":
            test = "(" + " OR ".join(self._equal(node, v) for v in value) + ")"
        elif op in ("gt", "gte", "lt", "lte"):
            test = self._order(node, op, value)
        else:
            assert op == "contains"
            test = self._contains(node, value)
        return f"COALESCE(({test}), {self.false()})"

    def _node(self, document: str, name: str) -> _Node:
        if self.postgresql:
            key = self.param(name)
            json_node = f"({document} -> {key})"
            return _Node(
                f"json_typeof({json_node})",
                f"({document} ->> {key})",
                json_node,
                f"json_array_elements({json_node})",
            )
        if '"' in name:  # a JSON path cannot quote it: look the key up instead
            key = self.param(name)
            kind = f"(SELECT j.type FROM json_each({document}) j WHERE j.key = {key})"
            found = f"(SELECT j.value FROM json_each({document}) j WHERE j.key = {key})"
            return _Node(kind, found, found, f"json_each({found})")
        path = self.param(f'$."{name}"')
        found = f"json_extract({document}, {path})"
        return _Node(
            f"json_type({document}, {path})", found, found, f"json_each({document}, {path})"
        )

    def _element(self) -> _Node:
        """An element `x.value` of an array read by `_Node.items AS x`."""
        if self.postgresql:
            return _Node("json_typeof(x.value)", "(x.value #>> '{}')", "x.value")
        return _Node("x.type", "x.value", "x.value")

    def _equal(self, node: _Node, value: Any) -> str:
        """`evaluation._equal`: kinds strict, numbers by value, lists and objects as JSON."""
        pg = self.postgresql
        if isinstance(value, bool):
            word = "true" if value else "false"
            return (
                f"({node.kind} = 'boolean' AND {node.value} = '{word}')"
                if pg
                else (f"{node.kind} = '{word}'")
            )
        if isinstance(value, str):
            kind = "'string'" if pg else "'text'"
            return f"({node.kind} = {kind} AND {node.value} = {self.param(value)})"
        if isinstance(value, int | float):
            return self._number(node, "=", value)
        kind = "'array'" if isinstance(value, list) else "'object'"
        literal = json.dumps(value, separators=(",", ":"))
        if pg:
            return (
                f"(CASE WHEN {node.kind} = {kind} THEN CAST({node.json} AS jsonb) = "
                f"CAST({self.param(literal)} AS jsonb) ELSE FALSE END)"
            )
        # CASE: json() of a value that is no JSON text (a plain string) would fail.
        return (
            f"(CASE WHEN {node.kind} = {kind} THEN json({node.json}) = json({self.param(literal)}) "
            f"ELSE {self.false()} END)"
        )

    def _number(self, node: _Node, operator: str, value: int | float) -> str:
        if self.postgresql:
            number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
            return (
                f"({node.kind} = 'number' AND CAST({node.value} AS numeric) {operator} "
                f"CAST({self.param(number)} AS numeric))"
            )
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            value = float(value)
        if isinstance(value, float) and not math.isfinite(value):
            return self.false()
        return (
            f"({node.kind} IN ('integer', 'real') AND {node.value} {operator} {self.param(value)})"
        )

    def _order(self, node: _Node, op: str, value: Any) -> str:
        operator = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        if isinstance(value, str):
            if self.postgresql:
                return (
                    f"({node.kind} = 'string' AND {node.value} COLLATE \"C\" {operator} "
                    f"{self.param(value)})"
                )
            return f"({node.kind} = 'text' AND {node.value} {operator} {self.param(value)})"
        return self._number(node, operator, value)

    def _contains(self, node: _Node, value: Any) -> str:
        parts = []
        if isinstance(value, str):
            if self.postgresql:
                parts.append(
                    f"({node.kind} = 'string' AND strpos({node.value}, {self.param(value)}) > 0)"
                )
            else:
                parts.append(
                    f"({node.kind} = 'text' AND instr({node.value}, {self.param(value)}) > 0)"
                )
        alias = "x(value)" if self.postgresql else "x"
        any_item = (
            f"EXISTS (SELECT 1 FROM {node.items} AS {alias} "
            f"WHERE {self._equal(self._element(), value)})"
        )
        # CASE: the elements are only read of an array (PostgreSQL refuses a scalar's).
        parts.append(f"(CASE WHEN {node.kind} = 'array' THEN {any_item} ELSE {self.false()} END)")
        return "(" + " OR ".join(parts) + ")"
