"""Flat form fields (`steps.1.then.0.url`) to a nested tree of strings, and back to paths.

A form cannot post nested data; its field names carry the path instead. The tree keeps every
value as typed (strings), so a form shown again after an error loses nothing.
"""

import re
from collections.abc import Iterable
from typing import Any

FormTree = dict[str, Any]
MULTI_VALUED = frozenset({"send_window.days"})
_INDEX = re.compile(r"^\d{1,4}$")
MAX_FIELDS = 5000


def parse_form(items: Iterable[tuple[str, str]]) -> FormTree:
    """Dotted names → nested dicts; numeric parts become lists, in index order."""
    root: dict[str, Any] = {}
    for count, (name, value) in enumerate(items):
        if count >= MAX_FIELDS:
            break
        parts = name.split(".")
        if not all(parts):
            continue
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            last = parts[-1]
            if name in MULTI_VALUED:
                node.setdefault(last, []).append(value)
            elif not isinstance(node.get(last), dict):
                node[last] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(_INDEX.match(key) for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def dotted(loc: Iterable[str | int]) -> str:
    """`["steps", 1, "then", 0, "url"]` → `steps.1.then.0.url`: the form field's name."""
    return ".".join(str(part) for part in loc)


def step_label(path: str) -> str:
    """`steps.1.then.0` → `Step 2.then.1`: every number 1-based, as a person counts."""
    parts = path.split(".")[1:]
    return "Step " + ".".join(str(int(p) + 1) if p.isdigit() else p for p in parts if p != "steps")


def engine_path_label(path: str) -> str:
    """An engine step path (`1.then.0`, 0-based) in the same words as the form's legends."""
    return step_label(f"steps.{path}")
