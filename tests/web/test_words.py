"""The UI's names for step kinds, read from the step-kind table."""

from flowline.web.words import action_name, step_actions, step_arms


def test_the_action_dropdown_offers_branch_down_to_the_deepest_level_only() -> None:
    tags = [option[0] for option in step_actions(2)]
    assert tags == ["wait", "wait_for_event", "http_call", "send_email", "update_profile", "branch"]
    assert step_actions(2)[-1] == ("branch", "Branch", 'data-max-depth="3"')
    assert "branch" not in [option[0] for option in step_actions(3)]


def test_arms_and_action_names() -> None:
    assert step_arms("branch") == [("then", "Then"), ("else", "Else")]
    assert step_arms("wait") == [] and step_arms("nonsense") == []
    assert action_name("http_call") == "HTTP call" and action_name("nonsense") == "nonsense"
