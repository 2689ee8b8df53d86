"""HTTP call rendering: merge tags in URLs, headers and JSON bodies, none able to break out."""

import json

import pytest

from flowline.definitions.templates import render_headers, render_json, render_url

# --- URLs --------------------------------------------------------------------------------


def test_url_merge_tags_read_profile_id_and_properties():
    url = render_url(
        "https://crm.example/p/{{ profile_id }}?name={{ first_name }}",
        {"profile_id": "user-1", "first_name": "Ada"},
    )
    assert url == "https://crm.example/p/user-1?name=Ada"


def test_url_values_are_percent_encoded_so_they_cannot_change_the_url_shape():
    url = render_url(
        "https://crm.example/p/{{ profile_id }}?q={{ q }}",
        {"profile_id": "a b/../c?d=1&e=2#f", "q": "x&admin=true"},
    )
    assert url == "https://crm.example/p/a%20b%2F..%2Fc%3Fd%3D1%26e%3D2%23f?q=x%26admin%3Dtrue"


def test_url_values_with_non_ascii_are_utf8_percent_encoded():
    assert render_url("https://x.example/{{ city }}", {"city": "Zürich"}) == (
        "https://x.example/Z%C3%BCrich"
    )


def test_url_non_string_values_are_rendered_as_json_text():
    assert render_url(
        "https://x.example/?n={{ n }}&b={{ b }}&l={{ l }}", {"n": 5, "b": True, "l": [1]}
    ) == ("https://x.example/?n=5&b=true&l=%5B1%5D")


def test_url_null_or_missing_values_render_as_empty():
    assert render_url("https://x.example/?a={{ a }}&m={{ missing }}", {"a": None}) == (
        "https://x.example/?a=&m="
    )


def test_url_without_merge_tags_is_unchanged():
    url = "https://crm.example/api/tasks?x=1&y=a%20b"
    assert render_url(url, {"profile_id": "p"}) == url


# --- headers -----------------------------------------------------------------------------


def test_header_values_render_merge_tags():
    assert render_headers(
        {"Authorization": "Bearer {{ token }}", "X-Profile": "{{ profile_id }}"},
        {"token": "abc", "profile_id": "user-1"},
    ) == {"Authorization": "Bearer abc", "X-Profile": "user-1"}


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r", "\x0b", "\x0c", "\u2028", "\x85"])
def test_header_values_have_line_breaks_removed_to_prevent_injection(newline):
    headers = render_headers({"X-Id": "{{ v }}"}, {"v": f"a{newline}Injected: yes"})
    assert headers == {"X-Id": "a Injected: yes"}


def test_header_line_breaks_in_the_saved_value_are_removed_too():
    assert render_headers({"X": "a\r\nb"}, {}) == {"X": "a b"}


def test_header_values_are_stripped():
    assert render_headers({"X": "  {{ v }}  "}, {"v": "\nvalue\n"}) == {"X": "value"}


def test_header_non_string_values_render_as_json_text_and_null_as_empty():
    assert render_headers(
        {"X-N": "{{ n }}", "X-O": "{{ o }}", "X-Z": "{{ z }}"}, {"n": 3, "o": {"a": 1}, "z": None}
    ) == {"X-N": "3", "X-O": '{"a": 1}', "X-Z": ""}


def test_header_names_are_not_rendered():
    assert render_headers({"X-{{ v }}": "1"}, {"v": "a"}) == {"X-{{ v }}": "1"}


def test_no_headers_render_as_no_headers():
    assert render_headers({}, {"v": "a"}) == {}


# --- JSON bodies -------------------------------------------------------------------------


CONTEXT = {
    "profile_id": "user-1",
    "first_name": 'Ada", "admin": true, "x": {"',
    "age": 42,
    "score": 9.5,
    "vip": True,
    "tags": ["a", "b"],
    "address": {"city": "Paris"},
    "nothing": None,
}


def test_json_body_value_with_quotes_and_braces_cannot_break_the_json():
    rendered = render_json(
        {"name": "{{ first_name }}", "greeting": "Hi {{ first_name }}!"}, CONTEXT
    )
    assert rendered == {"name": CONTEXT["first_name"], "greeting": f"Hi {CONTEXT['first_name']}!"}
    assert set(json.loads(json.dumps(rendered))) == {"name", "greeting"}


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("{{ age }}", 42),
        ("{{ score }}", 9.5),
        ("{{ vip }}", True),
        ("{{ tags }}", ["a", "b"]),
        ("{{ address }}", {"city": "Paris"}),
        ("{{ nothing }}", None),
        ("{{ profile_id }}", "user-1"),
        ("{{age}}", 42),
        ("  {{ age }}  ", 42),
    ],
)
def test_json_string_that_is_exactly_one_tag_keeps_the_property_json_type(tag, expected):
    assert render_json({"v": tag}, CONTEXT) == {"v": expected}


def test_json_single_tag_for_a_missing_property_renders_as_empty_string():
    assert render_json({"v": "{{ missing }}"}, CONTEXT) == {"v": ""}


def test_json_string_mixing_text_and_tags_is_rendered_as_text():
    assert render_json(
        {"v": "{{ age }} years, vip={{ vip }}, tags={{ tags }}, n={{ nothing }}"}, CONTEXT
    ) == {"v": '42 years, vip=true, tags=["a", "b"], n='}


def test_json_string_with_two_tags_is_rendered_as_text():
    assert render_json("{{ age }}{{ age }}", CONTEXT) == "4242"


def test_json_single_tag_with_a_filter_is_rendered_as_text():
    assert render_json("{{ age|string }}", CONTEXT) == "42"
    assert render_json("{{ profile_id|upper }}", CONTEXT) == "USER-1"


def test_json_body_is_rendered_recursively_through_objects_and_lists():
    body = {
        "profile": "{{ profile_id }}",
        "items": [{"age": "{{ age }}"}, ["{{ vip }}", "x {{ age }}"]],
        "literal": {"n": 3, "f": 1.5, "b": False, "z": None},
    }
    assert render_json(body, CONTEXT) == {
        "profile": "user-1",
        "items": [{"age": 42}, [True, "x 42"]],
        "literal": {"n": 3, "f": 1.5, "b": False, "z": None},
    }


def test_json_keys_are_not_rendered():
    assert render_json({"{{ profile_id }}": 1}, CONTEXT) == {"{{ profile_id }}": 1}


@pytest.mark.parametrize("body", [None, 3, 2.5, True, False, "plain text", [], {}])
def test_json_body_without_tags_is_unchanged(body):
    assert render_json(body, CONTEXT) == body


def test_json_body_does_not_escape_html():
    assert render_json("<b>{{ v }}</b>", {"v": "<i>&</i>"}) == "<b><i>&</i></b>"


def test_json_value_containing_template_syntax_is_not_evaluated():
    assert render_json("Hi {{ v }}", {"v": "{{ 7 * 7 }}"}) == "Hi {{ 7 * 7 }}"
    assert render_json("{{ v }}", {"v": "{{ 7 * 7 }}"}) == "{{ 7 * 7 }}"


def test_json_rendering_does_not_mutate_the_saved_body():
    body = {"a": ["{{ age }}"], "b": {"c": "{{ vip }}"}}
    render_json(body, CONTEXT)
    assert body == {"a": ["{{ age }}"], "b": {"c": "{{ vip }}"}}
