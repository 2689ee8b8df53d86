"""Jinja2's immutable sandbox, metered: every template is compiled with its budget checks in it.

The sandbox alone keeps a template from calling into Python, not from working for hours or
building a string of gigabytes. Here, before a template is compiled, its syntax tree gets a
check on every `for` loop's iterable (each item counts), on every output (characters count,
captures and macros included) and on every `~`; calls, filters and the arithmetic that can grow
a value (`*`, `**`, `+`, `%`) check sizes before the work and the CPU time. Built-in methods and
filters that make their result from a size argument (`center(10**9)`, `replace`, `join`) are
refused before they allocate, since a single C call cannot be interrupted.
"""

import functools
import operator
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import Template, nodes
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum, pass_context
from jinja2.visitor import NodeTransformer

from flowline.definitions.template_budget import (
    TemplateTooExpensive,
    current_budget,
    printed_size,
)
from flowline.definitions.template_sizes import (
    filter_value,
    method_arguments,
    sized_modulo,
    sized_power,
    sized_product,
)

_LOOP, _OUTPUT, _TEXT_OUTPUT = "flowline_loop", "flowline_output", "flowline_text_output"
_CONCAT, _LITERAL = "flowline_concat", "flowline_literal"


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    limit = current_budget().limits.range_items
    try:
        count = len(numbers)
    except OverflowError:
        count = limit + 1
    if count > limit:
        raise TemplateTooExpensive(f"range() of more than {limit:,} numbers")
    return numbers


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    current_budget().size_allowed(n * max * 12)  # words of up to 12 characters
    return generate_lorem_ipsum(n, html, min, max)


def _checked_filter(name: str, filter: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter that checks the budget first and the size of what it made after."""
    value_at = 1 if hasattr(filter, "jinja_pass_arg") else 0

    @functools.wraps(filter)
    def checked(*args: Any, **kwargs: Any) -> Any:
        budget = current_budget()
        budget.tick()
        if len(args) > value_at:
            value = filter_value(name, args[value_at], args[value_at + 1 :], kwargs)
            args = (*args[:value_at], value, *args[value_at + 1 :])
        return budget.checked(filter(*args, **kwargs))

    return checked


@pass_context
def _counted_items(context: Context, iterable: Any) -> Iterator[Any]:
    budget = current_budget()
    for item in iterable:
        budget.iteration()
        yield item


@pass_context
def _counted_output(context: Context, value: Any) -> Any:
    current_budget().produced(len(value) if isinstance(value, str) else printed_size(value))
    return value


@pass_context
def _counted_text(context: Context, length: int) -> str:
    current_budget().produced(length)
    return ""


@pass_context
def _checked_concat(context: Context, parts: list[Any]) -> Any:
    budget = current_budget()
    budget.tick()
    return budget.checked((markup_join if context.eval_ctx.autoescape else str_join)(parts))


@pass_context
def _checked_literal(context: Context, value: Any) -> Any:
    """`[l, l]` only holds `l` twice, but prints it twice: measured as printed."""
    return current_budget().checked(value)


class _Metered(NodeTransformer):
    """Puts the budget's checks into a parsed template."""

    def __init__(self) -> None:
        self._repeating = 0  # inside a loop, a macro or a call block: its text may repeat

    def _repeated(self, node: nodes.Node) -> nodes.Node:
        self._repeating += 1
        self.generic_visit(node)
        self._repeating -= 1
        return node

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self._repeated(node)
        node.iter = _filtered(node.iter, _LOOP)
        return node

    def visit_Macro(self, node: nodes.Macro) -> nodes.Node:
        return self._repeated(node)

    def visit_CallBlock(self, node: nodes.CallBlock) -> nodes.Node:
        return self._repeated(node)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        """Values are counted as written; literal text (kept constant, so it is not escaped
        again at every render) once per output where it can repeat."""
        self.generic_visit(node)
        texts = [child for child in node.nodes if isinstance(child, nodes.TemplateData)]
        node.nodes = [
            child if isinstance(child, nodes.TemplateData) else _filtered(child, _OUTPUT)
            for child in node.nodes
        ]
        if texts and self._repeating:
            length = nodes.Const(sum(len(text.data) for text in texts), lineno=node.lineno)
            node.nodes.append(_filtered(length, _TEXT_OUTPUT))
        return node

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        """`loop(children)` in a recursive loop iterates its argument: counted like a `for`."""
        self.generic_visit(node)
        if isinstance(node.node, nodes.Name) and node.node.name == "loop" and node.args:
            node.args[0] = _filtered(node.args[0], _LOOP)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _filtered(nodes.List(node.nodes, lineno=node.lineno), _CONCAT)

    def visit_List(self, node: nodes.List) -> nodes.Node:
        self.generic_visit(node)
        return _filtered(node, _LITERAL)

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        self.generic_visit(node)
        return _filtered(node, _LITERAL)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        self.generic_visit(node)
        return _filtered(node, _LITERAL) if node.ctx == "load" else node


def _filtered(node: nodes.Node, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox (no `list.append` or `dict.update`) with the budget's checks."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    _BINOPS: dict[str, Callable[[Any, Any], Any]] = {
        "*": sized_product,
        "**": sized_power,
        "+": operator.add,
        "%": sized_modulo,
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _checked_filter(name, f) for name, f in self.filters.items()}
        self.filters.update(
            {
                _LOOP: _counted_items,
                _OUTPUT: _counted_output,
                _TEXT_OUTPUT: _counted_text,
                _CONCAT: _checked_concat,
                _LITERAL: _checked_literal,
            }
        )
        self.globals.update(range=_bounded_range, lipsum=_bounded_lipsum)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = current_budget()
        budget.tick()
        return budget.checked(self._BINOPS[operator](left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = current_budget()
        budget.tick()
        args = method_arguments(getattr(__obj, "__wrapped__", __obj), args, kwargs)
        return budget.checked(super().call(__context, __obj, *args, **kwargs))

    def metered(self, source: str) -> Template:
        """The template compiled with its checks (the source is parsed, then instrumented)."""
        tree = _Metered().visit(self.parse(source))
        tree.set_environment(self)
        return self.from_string(tree)
