"""The UI's names for step kinds and what it shows of them, read from the step-kind table."""

import re
from types import SimpleNamespace

from flowline.core.models.workflow_schemas import StepStats
from flowline.web.pages import TEMPLATES
from flowline.web.words import action_name, has_outcome, step_actions, step_arms


def test_the_action_dropdown_offers_branch_down_to_the_deepest_level_only() -> None:
    tags = [option[0] for option in step_actions(2)]
    assert tags == [
        "wait",
        "wait_for_event",
        "http_call",
        "send_email",
        "update_profile",
        "branch",
        "split",
    ]
    assert step_actions(2)[-2] == ("branch", "Branch", 'data-max-depth="3"')
    assert step_actions(2)[-1] == ("split", "Random split", 'data-max-depth="3"')
    assert not {"branch", "split"} & {option[0] for option in step_actions(3)}


def test_arms_and_action_names() -> None:
    assert step_arms("branch") == [("then", "Then"), ("else", "Else")]
    assert step_arms("wait") == [] and step_arms("nonsense") == []
    assert action_name("http_call") == "HTTP call" and action_name("nonsense") == "nonsense"


def test_waits_and_branches_only_pass_in_the_funnel() -> None:
    assert [has_outcome(t) for t in ("wait", "branch", "send_email", "wait_for_event")] == [
        False,
        False,
        True,
        True,
    ]


def test_the_funnel_shows_outcomes_only_for_kinds_that_have_them() -> None:
    steps = [
        StepStats(index=0, path="0", type="wait", executed=4, succeeded=4, failed=0, skipped=0),
        StepStats(
            index=1, path="1", type="http_call", executed=4, succeeded=3, failed=1, skipped=0
        ),
    ]
    stats = SimpleNamespace(
        enrolled=4, active=0, completed=4, converted=0, exited=0, failed=0,
        skipped_no_consent=0, conversion_rate=0.0, steps=steps,
    )  # fmt: skip
    html = TEMPLATES.get_template("_workflow_figures.html").render(
        stats=stats, days=[], enrollments=[]
    )
    figures = re.findall(r'<span class="funnel-figures">(.*?)</span>', html)
    assert figures == ["4 executed", "4 executed · 3 succeeded · 1 failed · 0 skipped"]


def test_the_figures_show_the_holdout_apart_and_the_funnel_over_the_treated_only() -> None:
    steps = [
        StepStats(index=0, path="0", type="http_call", executed=3, succeeded=3, failed=0, skipped=0)
    ]
    stats = SimpleNamespace(
        enrolled=4, active=0, completed=4, converted=2, exited=0, failed=0,
        skipped_no_consent=0, conversion_rate=0.5, steps=steps,
        holdout=SimpleNamespace(enrolled=1, converted=1, conversion_rate=1.0),
    )  # fmt: skip
    html = TEMPLATES.get_template("_workflow_figures.html").render(
        stats=stats, days=[], enrollments=[]
    )
    assert "<dt>Holdout (no step ran)</dt><dd>1 · 1 converted (100.0%)</dd>" in html
    assert '<span style="width: 100%">' in html  # 3 of the 3 treated
