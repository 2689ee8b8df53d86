"""Duplicating a workflow: a disabled copy with the same definition; the original untouched."""

from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.workflows.crud import (
    create_workflow,
    current_definition,
    update_workflow,
)
from flowline.core.services.workflows.duplicate import copy_name, duplicate_workflow

BODY = {
    "name": "Welcome series",
    "trigger": {"type": "event", "event": "registered"},
    "consent_property": None,
    "steps": [{"type": "wait", "duration": "P1D"}, {"type": "wait", "duration": "PT2H"}],
}


def test_the_copy_is_disabled_at_version_1_with_the_current_definition(engine: Engine) -> None:
    with Session(engine) as session:
        original = create_workflow(session, WorkflowCreate.model_validate(BODY))
        changed = {**BODY, "steps": [{"type": "wait", "duration": "PT30M"}]}
        update_workflow(session, original, WorkflowCreate.model_validate(changed))

        copy = duplicate_workflow(session, original)

        assert (copy.id != original.id, copy.name, copy.enabled, copy.version) == (
            True,
            "Copy of Welcome series",
            False,
            1,
        )
        copied = current_definition(session, copy)
        assert copied.model_dump(exclude={"name"}) == current_definition(
            session, original
        ).model_dump(exclude={"name"})
        assert copied.name == "Copy of Welcome series"
        assert (original.name, original.enabled, original.version) == ("Welcome series", True, 2)


def test_a_long_name_is_cut_to_the_200_characters_a_name_may_have() -> None:
    assert copy_name("x" * 200) == "Copy of " + "x" * 192
    assert copy_name("y" * 190 + "     z") == "Copy of " + "y" * 190  # no trailing spaces
