"""Where an active enrollment is, from its records and its progress: just after the last step it
recorded, down the arm its branch took; waits are recorded only with the next record."""

from typing import Any

import pytest
from pydantic import TypeAdapter

from flowline.definitions.step_position import current_path, placed_by_progress, records_up_to
from flowline.definitions.step_tree import Step

STEPS: list[Any] = TypeAdapter(list[Step]).validate_python(
    [
        {"type": "send_email", "campaign_id": 1, "email_property": "email"},  # 0
        {"type": "wait", "duration": "P1D"},  # 1
        {
            "type": "branch",  # 2
            "condition": {"property": "plan", "op": "eq", "value": "pro"},
            "then": [
                {"type": "wait", "duration": "PT1H"},
                {"type": "http_call", "method": "POST", "url": "https://crm.example/a"},
            ],
            "else": [],
        },
        {"type": "update_profile", "properties": {"seen": True}},  # 3
        {"type": "wait", "duration": "P2D"},  # 4
        {"type": "http_call", "method": "GET", "url": "https://crm.example/b"},  # 5
    ]
)


@pytest.mark.parametrize(
    ("recorded", "progress", "at"),
    [
        ({}, 0, "0"),  # sending the first email
        ({"0": "sent"}, 1, "1"),  # waiting a day
        ({"0": "sent", "2": "then"}, 1, "2.then.0"),  # past the wait, which is not recorded yet
        ({"0": "sent", "1": "done", "2": "then", "2.then.1": "sent"}, 3, "3"),
        ({"0": "sent", "2": "else"}, 1, "3"),  # an empty arm: on to the next step
        ({"0": "sent", "2": "else", "3": "done"}, 1, "4"),
        ({"0": "sent", "1": "done", "2": "then", "2.then.0": "done"}, 1, "2.then.1"),
        ({}, 6, None),  # past the last step: finishing
    ],
)
def test_an_enrollment_is_just_after_the_last_step_it_recorded(
    recorded: dict[str, str], progress: int, at: str | None
) -> None:
    assert current_path(STEPS, recorded, progress) == at


def test_a_branch_not_decided_yet_is_where_the_run_is_when_nothing_after_it_ran() -> None:
    assert current_path(STEPS, {"0": "sent", "1": "done"}, 1) == "2"


def test_progress_alone_places_a_run_only_when_nothing_it_passes_records_at_once() -> None:
    assert placed_by_progress(STEPS, 0)  # the first email
    assert not placed_by_progress(STEPS, 1)  # a wait, then a branch: maybe in the branch
    assert not placed_by_progress(STEPS, 3)  # a branch just behind: maybe still in its arm
    assert placed_by_progress(STEPS[4:], 0)  # a wait, then an HTTP call
    assert not placed_by_progress(STEPS, 6)  # finishing


def test_the_last_record_alone_places_a_run_as_all_its_records_do() -> None:
    assert records_up_to("2.then.1", "sent") == {"2": "then", "2.then.1": "sent"}
    everything = {"0": "sent", "1": "done", "2": "then", "2.then.0": "done"}
    assert current_path(STEPS, records_up_to("2.then.0", ""), 1) == "2.then.1"
    assert current_path(STEPS, everything, 1) == "2.then.1"
    assert current_path(STEPS, records_up_to("2", "else"), 1) == "3"
