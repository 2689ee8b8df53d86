"""A random split in the workflow form: each path's name, weight and steps.

Form names follow the body: `steps.1.paths.0.name`, `steps.1.paths.0.weight`, and the path's
steps `steps.1.paths.0.steps.2.url`. A new split starts with two paths, A and B, half each.
"""

from collections.abc import Callable
from typing import Any

from flowline.definitions.step_tree import SPLIT_PATHS

NEW_SPLIT_PATHS = [{"name": "A", "weight": "50"}, {"name": "B", "weight": "50"}]

Loc = tuple[str | int, ...]
StepsFromForm = Callable[[list[Any], Loc], list[dict[str, Any]]]
StepToForm = Callable[[Any], dict[str, Any]]


def _weight(text: str) -> Any:
    # A whole number when it reads as one; anything else goes to the API, which says what to do.
    value = text.strip()
    return int(value) if value.isdigit() else value


def _listed(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


def split_payload(node: Any, loc: Loc, steps_from_form: StepsFromForm) -> dict[str, Any]:
    chosen = node.get("auto_winner", "") if isinstance(node, dict) else ""
    paths = []
    for k, path in enumerate(_listed(node, SPLIT_PATHS)):
        fields = path if isinstance(path, dict) else {}
        held = steps_from_form(_listed(fields, "steps"), (*loc, SPLIT_PATHS, k, "steps"))
        name, weight = str(fields.get("name", "")), _weight(str(fields.get("weight", "")))
        paths.append({"name": name, "weight": weight, "steps": held})
    return {
        "type": "split",
        "auto_winner": chosen not in ("", "off", "false"),
        SPLIT_PATHS: paths,
    }


def split_form(step: Any, step_to_form: StepToForm) -> dict[str, Any]:
    return {
        "type": "split",
        "auto_winner": "on" if step.auto_winner else "",
        SPLIT_PATHS: [
            {
                "name": path.name,
                "weight": str(path.weight),
                "steps": [step_to_form(s) for s in path.steps],
            }
            for path in step.paths
        ],
    }
