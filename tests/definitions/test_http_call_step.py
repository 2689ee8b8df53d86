"""The http_call step: method, URL, headers, timeout, on_failure and body validation."""

from datetime import timedelta
from typing import Any

import pytest

from flowline.definitions.steps import HTTP_METHODS, HttpCallStep
from tests.definitions.builders import errors, locs, with_step


def http(**fields: Any) -> dict[str, Any]:
    return {"type": "http_call", "url": "https://crm.example/api/tasks", **fields}


def test_http_call_defaults():
    step = HttpCallStep.model_validate(http())
    assert step.method == "POST"
    assert step.headers == {}
    assert step.body is None
    assert step.timeout == timedelta(seconds=10)
    assert step.on_failure == "continue"


@pytest.mark.parametrize("method", HTTP_METHODS)
def test_http_call_accepts_each_supported_method(method):
    assert HttpCallStep.model_validate(http(method=method)).method == method


@pytest.mark.parametrize(("method", "normalised"), [("get", "GET"), (" patch ", "PATCH")])
def test_http_call_method_is_normalised_to_upper_case(method, normalised):
    assert HttpCallStep.model_validate(http(method=method)).method == normalised


@pytest.mark.parametrize("method", ["FETCH", "", "HEAD", "OPTIONS", "TRACE", "CONNECT", "G ET"])
def test_http_call_malformed_method_is_rejected_with_its_path(method):
    assert errors(with_step(2, http(method=method))) == [
        (("steps", 2, "http_call", "method"), "value_error")
    ]


def test_http_call_non_string_method_is_rejected_with_its_path():
    assert locs(with_step(2, http(method=5))) == [("steps", 2, "http_call", "method")]


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example/api/tasks",
        "http://crm.example:8080/hooks?x=1#frag",
        "https://user:secret@crm.example/",
        "http://127.0.0.1:9000/x",
        "http://[::1]:9000/x",
        "https://crm.example/profiles/{{ profile_id }}",
        "https://crm.example/api?id={{ profile_id }}&name={{ first_name }}",
        "https://{{ tenant }}.crm.example/x",
        "https://crm.example/{% if vip %}vip{% endif %}",
    ],
)
def test_http_call_accepts_absolute_http_urls_with_or_without_merge_tags(url):
    assert HttpCallStep.model_validate(http(url=url)).url == url


def test_http_call_url_is_stripped_of_surrounding_whitespace():
    assert HttpCallStep.model_validate(http(url="  https://x.example/a  ")).url == (
        "https://x.example/a"
    )


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "crm.example/api",
        "//crm.example/api",
        "/api/tasks",
        "ftp://crm.example/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "mailto:a@example.com",
        "http://",
        "https:///path-only",
        "http://host:99999/",
        "http://host:port/",
        "http://[::1/",
        "https://exa mple.com/",
        "https://crm.example/a b",
        "{{ base_url }}/tasks",
    ],
)
def test_http_call_malformed_url_is_rejected_with_its_path(url):
    assert errors(with_step(2, http(url=url))) == [
        (("steps", 2, "http_call", "url"), "value_error")
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://exa\nmple.com/",
        "https://crm.example/a\r\nX-Injected: 1",
        "https://crm.example/a\tb",
        "https://crm.example/\x00",
        "https://crm.example/\x7f",
    ],
)
def test_http_call_url_with_inner_line_break_or_control_character_is_rejected(url):
    # urlsplit() silently drops tabs and line breaks; such a URL is still malformed.
    assert errors(with_step(2, http(url=url))) == [
        (("steps", 2, "http_call", "url"), "value_error")
    ]


def test_http_call_without_url_is_rejected_with_its_path():
    assert errors(with_step(2, {"type": "http_call"})) == [
        (("steps", 2, "http_call", "url"), "missing")
    ]


@pytest.mark.parametrize(
    "name", ["Bad Header", "X:Y", "", "X-Id\r\n", "X-Id\n", "X-Id\r", "\nX-Id", "Ümlaut"]
)
def test_http_call_invalid_header_name_is_rejected_with_its_path(name):
    assert errors(with_step(2, http(headers={name: "v"}))) == [
        (("steps", 2, "http_call", "headers", name, "[key]"), "value_error")
    ]


def test_http_call_header_flowline_keeps_still_loads_from_a_stored_definition():
    # Refused at save (core/services/workflows.py), not by the model: older versions must load.
    headers = {"Transfer-Encoding": "chunked", "Idempotency_Key": "mine"}
    assert HttpCallStep.model_validate(http(headers=headers)).headers == headers


def test_http_call_valid_header_names_are_accepted():
    headers = {"Authorization": "Bearer {{ token }}", "X-Profile-Id": "{{ profile_id }}"}
    assert HttpCallStep.model_validate(http(headers=headers)).headers == headers


def test_http_call_non_string_header_value_is_rejected_with_its_path():
    assert locs(with_step(2, http(headers={"X-Count": 3}))) == [
        ("steps", 2, "http_call", "headers", "X-Count")
    ]


@pytest.mark.parametrize("timeout", [0, "PT0S", -1])
def test_http_call_timeout_of_zero_or_less_is_rejected_with_its_path(timeout):
    assert locs(with_step(2, http(timeout=timeout))) == [("steps", 2, "http_call", "timeout")]


def test_http_call_timeout_above_five_minutes_is_rejected_with_its_path():
    assert locs(with_step(2, http(timeout="PT5M1S"))) == [("steps", 2, "http_call", "timeout")]


@pytest.mark.parametrize(("timeout", "expected"), [("PT5M", 300), (30, 30), ("PT0.5S", 0.5)])
def test_http_call_timeout_up_to_five_minutes_is_accepted(timeout, expected):
    step = HttpCallStep.model_validate(http(timeout=timeout))
    assert step.timeout == timedelta(seconds=expected)


@pytest.mark.parametrize("on_failure", ["continue", "exit"])
def test_http_call_on_failure_accepts_continue_and_exit(on_failure):
    assert HttpCallStep.model_validate(http(on_failure=on_failure)).on_failure == on_failure


def test_http_call_unknown_on_failure_is_rejected_with_its_path():
    assert locs(with_step(2, http(on_failure="retry"))) == [("steps", 2, "http_call", "on_failure")]


@pytest.mark.parametrize(
    "payload",
    [None, {"a": [1, 2.5, True, None, {"b": "{{ x }}"}]}, ["x"], "raw text", 3, False],
)
def test_http_call_body_accepts_any_json_value(payload):
    assert HttpCallStep.model_validate(http(body=payload)).body == payload


def test_http_call_body_that_is_not_json_is_rejected():
    assert locs(with_step(2, http(body={"when": timedelta(days=1)})))[0][:4] == (
        "steps",
        2,
        "http_call",
        "body",
    )
