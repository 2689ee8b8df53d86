"""What an operation of a template would build, measured before it is built.

A single C call (`'x' * n`, `center(n)`, `replace`, `join`, a format width) cannot be
interrupted once started, so the ones whose result can be far larger than their input are
checked against the running render's budget first (`TemplateTooExpensive`).
"""

import re
from collections.abc import Iterable, Mapping
from string import Formatter
from typing import Any

from flowline.definitions.template_budget import (
    TemplateTooExpensive,
    current_budget,
    printed_size,
)

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


def method_arguments(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Built-in methods of strings, bytes and numbers: their integer arguments are sizes.

    The arguments to call with: `join`'s items are read once, to measure them first.
    """
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if name in ("format", "format_map") and isinstance(owner, str):
        fields = args[0] if name == "format_map" and args else kwargs
        if isinstance(fields, Mapping):
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


def filter_value(name: str, value: Any, rest: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
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


def sized_product(left: Any, right: Any) -> Any:
    budget = current_budget()
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int):
            budget.size_allowed(len(sequence) * max(times, 0))
    if isinstance(left, int) and isinstance(right, int):
        budget.number_allowed(left.bit_length() + right.bit_length())
    return left * right


def sized_power(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        current_budget().number_allowed(left.bit_length() * right)
    return left**right


def sized_modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        _percent_format_allowed(left, right)
    return left % right
