"""The step-kind table agrees with the step union; its walks read parsed and stored steps."""

from typing import get_args

from flowline.core.errors import clean_loc
from flowline.definitions.step_kinds import (
    ARM_NAMES,
    KINDS,
    MAX_BRANCH_DEPTH,
    STEP_KINDS,
    children,
    kind_of,
    nesting_depth,
    step_in_words,
    walk,
)
from flowline.definitions.step_tree import BranchStep, Step
from flowline.definitions.workflows import WorkflowDefinition
from tests.definitions.builders import CITY, body

WAIT = {"type": "wait", "duration": "P1D"}
EMAIL = {"type": "send_email", "campaign_id": 7}
TREE = [
    WAIT,
    {
        "type": "branch",
        "condition": CITY,
        "then": [WAIT, {"type": "branch", "condition": CITY, "else": [EMAIL]}],
        "else": [EMAIL],
    },
    {"type": "update_profile", "properties": {"stage": "lead"}},
]
PATHS = ["0", "1", "1.then.0", "1.then.1", "1.then.1.else.0", "1.else.0", "2"]


def test_the_union_lists_exactly_the_kinds_of_the_table() -> None:
    union = get_args(Step)[0]  # Annotated[union, Field(discriminator="type")]
    assert set(get_args(union)) == {kind.model for kind in STEP_KINDS}


def test_each_kind_is_tagged_by_its_models_type() -> None:
    for kind in STEP_KINDS:
        assert get_args(kind.model.model_fields["type"].annotation) == (kind.tag,)
    assert list(KINDS) == [kind.tag for kind in STEP_KINDS]


def test_each_arm_is_a_list_of_steps_on_its_model() -> None:
    for kind in STEP_KINDS:
        fields = kind.model.model_fields
        for arm in kind.arms:
            assert arm.attribute in fields
            assert (fields[arm.attribute].alias or arm.attribute) == arm.name
    assert {"then", "else", "paths"} == ARM_NAMES


def test_labels_are_the_action_names_of_the_form() -> None:
    assert [(k.tag, k.label) for k in STEP_KINDS] == [
        ("wait", "Wait"),
        ("wait_for_event", "Wait for event"),
        ("http_call", "HTTP call"),
        ("send_email", "Send email"),
        ("update_profile", "Update profile"),
        ("branch", "Branch"),
        ("split", "Random split"),
    ]


def test_walk_reads_parsed_steps_and_stored_json_alike() -> None:
    parsed = WorkflowDefinition.model_validate(body(steps=TREE))
    stored = parsed.model_dump(mode="json")["steps"]
    assert [p for p, _ in walk(parsed.steps)] == PATHS
    assert [p for p, _ in walk(stored)] == PATHS
    assert [p for p, _ in walk(TREE)] == PATHS
    assert [s.type for _, s in walk(parsed.steps)] == [s["type"] for _, s in walk(stored)]


def test_children_name_the_arms_of_a_branch_and_nothing_else() -> None:
    parsed = WorkflowDefinition.model_validate(body(steps=TREE)).steps
    assert isinstance(parsed[1], BranchStep)
    assert [arm for arm, _ in children(parsed[1])] == ["then", "else"]
    assert [arm for arm, _ in children(TREE[1])] == ["then", "else"]
    assert children(parsed[0]) == [] and children(WAIT) == []


def test_stored_json_that_is_not_a_step_is_walked_over_not_into() -> None:
    odd = [
        "text",
        {"type": "unknown", "then": [WAIT]},
        {"type": "branch", "then": "not a list"},
    ]
    assert [p for p, _ in walk(odd)] == ["0", "1", "2"]
    assert kind_of("text") is None and kind_of({"type": 3}) is None


def test_nesting_depth_counts_steps_that_hold_steps() -> None:
    assert nesting_depth([WAIT]) == 0
    assert nesting_depth([{"type": "branch"}]) == 1
    assert nesting_depth(TREE) == 2
    parsed = WorkflowDefinition.model_validate(body(steps=TREE)).steps
    assert nesting_depth(parsed) == 2
    assert MAX_BRANCH_DEPTH == 3


def test_words_come_from_the_kind() -> None:
    parsed = WorkflowDefinition.model_validate(body(steps=TREE)).steps
    assert step_in_words(parsed[0]) == "wait 1 day"
    assert step_in_words(parsed[2]) == "update profile: stage"


def test_error_paths_lose_the_tag_of_every_kind_in_every_arm() -> None:
    for kind in STEP_KINDS:
        for arm in ARM_NAMES:
            loc = ["steps", 1, "branch", arm, 0, kind.tag, "x"]
            assert clean_loc(loc) == ["steps", 1, arm, 0, "x"]


SPLIT = {
    "type": "split",
    "paths": [
        {"name": "A", "weight": 30, "steps": [WAIT, EMAIL]},
        {"name": "B", "weight": 70, "steps": [{"type": "branch", "condition": CITY}]},
    ],
}


def test_a_split_holds_one_list_per_path_addressed_paths_k() -> None:
    parsed = WorkflowDefinition.model_validate(body(steps=[SPLIT])).steps
    stored = WorkflowDefinition.model_validate(body(steps=[SPLIT])).model_dump(mode="json")
    expected = ["0", "0.paths.0.0", "0.paths.0.1", "0.paths.1.0"]
    assert [p for p, _ in walk(parsed)] == expected
    assert [p for p, _ in walk(stored["steps"])] == expected
    assert [arm for arm, _ in children(SPLIT)] == ["paths.0", "paths.1"]
    assert nesting_depth(parsed) == 2


def test_a_split_in_words_names_each_path_and_its_weight() -> None:
    parsed = WorkflowDefinition.model_validate(body(steps=[SPLIT])).steps
    assert step_in_words(parsed[0]) == "Split at random: A 30 %, B 70 %"
