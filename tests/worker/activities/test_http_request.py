"""Rendering an HTTP step's request: what cannot be sent fails, headers we keep are never sent."""

from typing import Any

import pytest

from flowline.definitions.steps import HttpCallStep
from flowline.worker.activities.http_request import RequestInvalid, render_request


def step(**fields: Any) -> HttpCallStep:
    return HttpCallStep.model_validate(
        {"type": "http_call", "url": "https://crm.example/api/tasks", **fields}
    )


@pytest.mark.parametrize("name", ["idempotency-key", "HOST", "Transfer_Encoding", "Proxy-Auth"])
def test_refused_header_of_a_definition_saved_before_the_rule_is_never_sent(name: str) -> None:
    # Saved before the 422 existed: the snapshot still holds it.
    old = step(headers={name: "mine", "X-Ok": "{{ v }}"})

    with pytest.raises(RequestInvalid, match=f"request not sent: {name} "):
        render_request(old, {"v": "1"})


def test_header_value_beyond_ascii_is_sent_as_utf8() -> None:
    rendered = render_request(step(headers={"X-Name": "{{ name }}"}), {"name": "Zoë"})
    assert rendered.headers == {b"X-Name": "Zoë".encode()}


def test_header_value_with_a_control_character_cannot_be_sent() -> None:
    with pytest.raises(RequestInvalid, match="header X-Name cannot be sent"):
        render_request(step(headers={"X-Name": "{{ name }}"}), {"name": "a\x00b"})


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "https://crm.example/{{ 1/0 }}"},
        {"headers": {"X-A": "{{ 1/0 }}"}},
        {"body": {"a": "{{ 1/0 }}"}},
        {"body": {"a": "{{ x.y.z() }}"}},
    ],
)
def test_template_failing_at_render_time_is_invalid_not_retryable(fields: Any) -> None:
    with pytest.raises(RequestInvalid, match="template error"):
        render_request(step(**fields), {"x": "v"})


def test_url_that_httpx_cannot_parse_is_invalid() -> None:
    with pytest.raises(RequestInvalid, match="invalid URL"):
        render_request(step(url="https://" + "é" * 64 + ".example/x"), {})


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "https://crm.example/{% for a in range(100000) %}{% endfor %}"},
        {"headers": {"X-Loop": "{% for a in range(100000) %}{% endfor %}"}},
        {"body": {"loop": ["{% for a in range(100000) %}{% endfor %}"]}},
    ],
    ids=["url", "header", "body"],
)
def test_a_request_too_expensive_to_render_cannot_be_sent(fields: dict[str, Any]) -> None:
    with pytest.raises(RequestInvalid, match=r"^template too expensive: range\(\) of more than"):
        render_request(step(**fields), {})
