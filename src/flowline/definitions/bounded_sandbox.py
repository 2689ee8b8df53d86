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
import re
from collections.abc import Callable, Iterable, Iterator
from string import Formatter
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

_LOOP, _OUTPUT, _TEXT_OUTPUT = "flowline_loop", "flowline_output", "flowline_text_output"
_CONCAT, _LITERAL = "flowline_concat", "flowline_literal"
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_SIZE_ARGUMENTS = {  # filter -> its arguments that say how big the result is
    "center": ("width",),
    "batch": ("linecount",),
}
_MAX_JSON_INDENT = 8


def _int_sizes_allowed(values: Iterable[Any]) -> None:
    budget = current_budget()
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            budget.size_allowed(abs(value))


def _percent_format_allowed(template: str, args: Any) -> None:
    """`"%999999999d" % 1` allocates before anything could check its result."""
    starred = False
    for width, precision in _PERCENT_FIELD.findall(template):
        for number in (width, precision):
            starred |= number == "*"
            if number.isdigit():
                current_budget().size_allowed(int(number))
    if starred:
        _int_sizes_allowed(args if isinstance(args, tuple) else (args,))


def _brace_format_allowed(template: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        fields = list(Formatter().parse(template))
    except ValueError:
        return  # the call itself says what is wrong
    for _literal, _name, spec, _conversion in fields:
        if not spec:
            continue
        if "{" in spec:  # a width taken from the arguments
            _int_sizes_allowed([*args, *kwargs.values()])
        for number in re.findall(r"\d+", spec):
            current_budget().size_allowed(int(number))


def _estimated_join(separator: str, items: list[Any]) -> int:
    return len(separator) * max(len(items) - 1, 0) + sum(printed_size(item) for item in items)


def _estimated_replace(text: str, old: str, new: str, count: int = -1) -> int:
    found = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _method_allowed(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Built-in methods of strings, bytes and numbers: their integer arguments are sizes.

    The arguments to call with: `join`'s items are read once, to measure them first.
    """
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if name in ("format", "format_map") and isinstance(owner, str):
        fields = args[0] if name == "format_map" and args else kwargs
        _brace_format_allowed(owner, args if name == "format" else (), dict(fields))
        return args
    if not isinstance(owner, str | bytes | int | float):
        return args
    _int_sizes_allowed([*args, *kwargs.values()])
    budget = current_budget()
    if not isinstance(owner, str):
        return args
    if name == "join" and len(args) == 1:
        items = list(args[0])
        budget.size_allowed(_estimated_join(owner, items))
        return (items,)
    if name == "replace" and len(args) >= 2:
        budget.size_allowed(_estimated_replace(owner, *args))
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        budget.size_allowed(len(owner) + owner.count("\t") * max(tabsize, 0))
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((len(str(v)) for v in args[0].values() if v is not None), default=1)
        budget.size_allowed(len(owner) * longest)
    return args


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


def _filter_allowed(name: str, value: Any, rest: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Checks of the filters whose result can be far larger than their input; the value to
    filter (`join` and `sum` read their items once, to measure them first)."""
    budget = current_budget()
    if name in _SIZE_ARGUMENTS:
        sizes = _SIZE_ARGUMENTS[name]
        _int_sizes_allowed([*rest[: len(sizes)], *(kwargs.get(s) for s in sizes)])
    if name == "join":
        value = list(value or ())
        separator = rest[0] if rest else kwargs.get("d", "")
        budget.size_allowed(_estimated_join(str(separator), value))
    elif name == "sum":
        value = list(value or ())
        budget.size_allowed(sum(len(v) for v in value if isinstance(v, list | tuple)))
    elif name == "slice":  # loops `slices` times, a loop of its own that nothing counts
        slices = rest[0] if rest else kwargs.get("slices", 0)
        if isinstance(slices, int) and slices > budget.limits.range_items:
            raise TemplateTooExpensive(f"slice() into more than {budget.limits.range_items:,}")
    elif name == "replace" and len(rest) >= 2:
        budget.size_allowed(_estimated_replace(str(value), str(rest[0]), str(rest[1])))
    elif name == "indent":
        width = rest[0] if rest else kwargs.get("width", 4)
        per_line = width if isinstance(width, int) else len(str(width))
        text = str(value)
        budget.size_allowed(len(text) + (text.count("\n") + 1) * per_line)
    elif name == "wordwrap":
        width = rest[0] if rest else kwargs.get("width", 79)
        wrap = rest[2] if len(rest) > 2 else kwargs.get("wrapstring")
        text = str(value)
        lines = len(text) // max(width if isinstance(width, int) else 1, 1) + 1
        budget.size_allowed(len(text) + lines * len(wrap or "\n"))
    elif name == "tojson":
        indent = rest[0] if rest else kwargs.get("indent")
        if isinstance(indent, int) and indent > _MAX_JSON_INDENT:
            raise TemplateTooExpensive(f"tojson() indents by more than {_MAX_JSON_INDENT}")
    elif name == "format":
        _percent_format_allowed(str(value), tuple(rest) or tuple(kwargs.values()))
    return value


def _checked_filter(name: str, filter: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter that checks the budget first and the size of what it made after."""
    value_at = 1 if hasattr(filter, "jinja_pass_arg") else 0

    @functools.wraps(filter)
    def checked(*args: Any, **kwargs: Any) -> Any:
        budget = current_budget()
        budget.tick()
        if len(args) > value_at:
            value = _filter_allowed(name, args[value_at], args[value_at + 1 :], kwargs)
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


def _sized_product(left: Any, right: Any) -> Any:
    budget = current_budget()
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int):
            budget.size_allowed(len(sequence) * max(times, 0))
    if isinstance(left, int) and isinstance(right, int):
        budget.number_allowed(left.bit_length() + right.bit_length())
    return left * right


def _sized_power(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        current_budget().number_allowed(left.bit_length() * right)
    return left**right


def _sized_modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        _percent_format_allowed(left, right)
    return left % right


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox (no `list.append` or `dict.update`) with the budget's checks."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    _BINOPS: dict[str, Callable[[Any, Any], Any]] = {
        "*": _sized_product,
        "**": _sized_power,
        "+": operator.add,
        "%": _sized_modulo,
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
        args = _method_allowed(getattr(__obj, "__wrapped__", __obj), args, kwargs)
        return budget.checked(super().call(__context, __obj, *args, **kwargs))

    def metered(self, source: str) -> Template:
        """The template compiled with its checks (the source is parsed, then instrumented)."""
        tree = _Metered().visit(self.parse(source))
        tree.set_environment(self)
        return self.from_string(tree)
