"""Merge tags: extraction from campaigns and safe rendering of emails, URLs, headers and JSON."""

import json

import pytest
from jinja2.exceptions import SecurityError

from flowline.definitions.steps import MergeTagMapping
from flowline.definitions.templates import (
    BLANK_DEFAULT,
    RenderedEmail,
    TemplateError,
    merge_tags_in,
    merge_values,
    render_email,
    render_headers,
    render_json,
    render_url,
)

# --- extraction --------------------------------------------------------------------------


def test_merge_tags_are_found_in_subject_html_and_text():
    assert merge_tags_in("Hi {{ first_name }}", "<p>{{ city }}</p>", "Your plan: {{ plan }}") == [
        "city",
        "first_name",
        "plan",
    ]


def test_merge_tags_are_sorted_and_de_duplicated_across_templates():
    assert merge_tags_in(
        "{{ zeta }} {{ alpha }}", "<p>{{ alpha }}{{ zeta }}{{ alpha }}</p>", "{{ mid }}"
    ) == ["alpha", "mid", "zeta"]


def test_missing_or_empty_templates_have_no_merge_tags():
    assert merge_tags_in() == []
    assert merge_tags_in(None, "", None) == []
    assert merge_tags_in("Plain subject", "<p>No tags</p>", None) == []


def test_merge_tags_ignore_none_text_body():
    assert merge_tags_in("{{ a }}", "<p>{{ b }}</p>", None) == ["a", "b"]


def test_merge_tag_with_filter_or_attribute_counts_as_its_variable():
    assert merge_tags_in("{{ first_name|default('there')|title }} {{ address.city }}") == [
        "address",
        "first_name",
    ]


def test_merge_tags_without_spaces_are_found():
    assert merge_tags_in("{{first_name}}") == ["first_name"]


def test_variables_set_or_looped_inside_the_template_are_not_merge_tags():
    source = "{% set greeting = 'Hi' %}{{ greeting }}{% for item in items %}{{ item }}{% endfor %}"
    assert merge_tags_in(source) == ["items"]


def test_variables_used_in_conditions_are_merge_tags():
    assert merge_tags_in("{% if vip %}Welcome back{% endif %}") == ["vip"]


def test_template_globals_are_not_merge_tags():
    assert merge_tags_in("{% for i in range(3) %}{{ i }}{% endfor %}") == []


@pytest.mark.parametrize(
    "source",
    [
        "{{ first_name ",
        "{{ }}",
        "{% if %}",
        "{% endfor %}",
        "{% if vip %}unclosed",
        "{{ first name }}",
    ],
)
def test_template_syntax_error_raises_template_error(source):
    with pytest.raises(TemplateError):
        merge_tags_in(source)


def test_template_error_says_which_line_is_wrong():
    with pytest.raises(TemplateError, match=r"^line 3: "):
        merge_tags_in("ok {{ a }}", "<p>\n\n{{ }}</p>")


def test_template_error_is_a_value_error_so_pydantic_validators_report_it():
    assert issubclass(TemplateError, ValueError)


def test_syntax_error_in_any_template_is_reported_even_after_valid_ones():
    with pytest.raises(TemplateError):
        merge_tags_in("{{ a }}", "<p>{{ b }}</p>", "{% if %}")


# --- merge values: property or default ---------------------------------------------------


def mapping(**tags: MergeTagMapping) -> dict[str, MergeTagMapping]:
    return tags


def test_merge_value_is_the_profile_property():
    values = merge_values(
        mapping(first_name=MergeTagMapping(property="first_name", default="there")),
        {"first_name": "Ada"},
    )
    assert values == {"first_name": "Ada"}


def test_merge_value_reads_the_mapped_property_not_the_tag_name():
    values = merge_values(
        mapping(name=MergeTagMapping(property="given_name", default="there")),
        {"name": "wrong", "given_name": "Ada"},
    )
    assert values == {"name": "Ada"}


@pytest.mark.parametrize("properties", [{}, {"first_name": None}, {"first_name": ""}])
def test_default_is_used_when_property_is_missing_null_or_empty(properties):
    values = merge_values(
        mapping(first_name=MergeTagMapping(property="first_name", default="there")), properties
    )
    assert values == {"first_name": "there"}


def test_default_is_used_when_property_is_only_whitespace():
    values = merge_values(
        mapping(first_name=MergeTagMapping(property="first_name", default="there")),
        {"first_name": "   "},
    )
    assert values == {"first_name": "there"}


def test_blank_default_of_a_single_space_renders_as_empty():
    assert BLANK_DEFAULT == " "
    values = merge_values(
        mapping(first_name=MergeTagMapping(property="first_name", default=" ")), {}
    )
    assert values == {"first_name": ""}
    email = render_email(
        "Hi {{ first_name }}!", "<p>Hi {{ first_name }}!</p>", "Hi{{ first_name }}!", values
    )
    assert email == RenderedEmail(subject="Hi !", html="<p>Hi !</p>", text="Hi!")


def test_blank_default_does_not_hide_a_present_property():
    values = merge_values(
        mapping(first_name=MergeTagMapping(property="first_name", default=" ")),
        {"first_name": "Ada"},
    )
    assert values == {"first_name": "Ada"}


def test_only_a_single_space_is_the_blank_default():
    values = merge_values(
        mapping(
            two=MergeTagMapping(property="x", default="  "),
            dash=MergeTagMapping(property="x", default="-"),
        ),
        {},
    )
    assert values == {"two": "  ", "dash": "-"}


def test_omitted_default_renders_as_empty():
    assert merge_values(mapping(first_name=MergeTagMapping(property="first_name")), {}) == {
        "first_name": ""
    }


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (42, "42"),
        (2.5, "2.5"),
        (0, "0"),
        (False, "false"),
        (True, "true"),
        (["a", "b"], '["a", "b"]'),
    ],
)
def test_non_string_property_becomes_text_and_is_not_replaced_by_the_default(raw, text):
    values = merge_values(mapping(v=MergeTagMapping(property="v", default="fallback")), {"v": raw})
    assert values == {"v": text}


def test_every_mapped_tag_gets_a_value():
    values = merge_values(
        mapping(
            first_name=MergeTagMapping(property="first_name", default="there"),
            city=MergeTagMapping(property="city", default="your city"),
        ),
        {"first_name": "Ada"},
    )
    assert values == {"first_name": "Ada", "city": "your city"}


# --- email rendering ---------------------------------------------------------------------


def test_email_renders_subject_html_and_text():
    email = render_email(
        "Welcome, {{ first_name }}",
        "<h1>Hello {{ first_name }}</h1>",
        "Hello {{ first_name }}",
        {"first_name": "Ada"},
    )
    assert email == RenderedEmail(
        subject="Welcome, Ada", html="<h1>Hello Ada</h1>", text="Hello Ada"
    )


def test_profile_values_are_html_escaped_in_html_body():
    value = "<script>alert('x')</script> & \"friends\""
    email = render_email("s", "<p>{{ first_name }}</p>", "{{ first_name }}", {"first_name": value})
    assert "<script>" not in email.html
    assert email.html == (
        "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;friends&#34;</p>"
    )


def test_profile_values_are_not_escaped_in_text_body():
    value = "<b>Ada</b> & co"
    email = render_email("s", "<p>{{ v }}</p>", "Hi {{ v }}", {"v": value})
    assert email.text == "Hi <b>Ada</b> & co"


def test_profile_values_are_not_escaped_in_subject():
    email = render_email("Hi {{ v }}", "<p></p>", None, {"v": "Tom & Jerry <3"})
    assert email.subject == "Hi Tom & Jerry <3"


def test_campaign_markup_itself_is_not_escaped():
    email = render_email("s", '<a href="https://x.example">{{ v }}</a>', None, {"v": "go"})
    assert email.html == '<a href="https://x.example">go</a>'


def test_default_values_are_escaped_in_html_too():
    values = merge_values(mapping(v=MergeTagMapping(property="v", default="<friend>")), {})
    assert render_email("s", "<p>{{ v }}</p>", None, values).html == "<p>&lt;friend&gt;</p>"


def test_subject_cannot_gain_a_line_from_a_profile_value():
    email = render_email(
        "Hi {{ v }}", "<p>{{ v }}</p>", None, {"v": "Ada\r\nBcc: victim@example.com"}
    )
    assert email.subject == "Hi Ada Bcc: victim@example.com"
    assert "\n" not in email.subject and "\r" not in email.subject


def test_subject_whitespace_is_collapsed():
    assert render_email("  Hi\n  {{ v }}  \t!", "<p></p>", None, {"v": "Ada"}).subject == (
        "Hi Ada !"
    )


def test_missing_text_body_stays_none():
    assert render_email("s", "<p>x</p>", None, {}).text is None


def test_empty_text_body_renders_as_none():
    assert render_email("s", "<p>x</p>", "", {}).text is None


def test_unmapped_tag_renders_as_empty():
    email = render_email("Hi {{ x }}", "<p>{{ x }}</p>", "{{ x }}.", {})
    assert email == RenderedEmail(subject="Hi", html="<p></p>", text=".")


def test_trailing_newline_of_a_body_is_kept():
    assert render_email("s", "<p>x</p>\n", "line\n", {}).text == "line\n"
    assert render_email("s", "<p>x</p>\n", None, {}).html == "<p>x</p>\n"


def test_template_logic_over_values_works():
    email = render_email(
        "s", "<p>{% if v %}Hi {{ v|upper }}{% else %}Hi{% endif %}</p>", None, {"v": "ada"}
    )
    assert email.html == "<p>Hi ADA</p>"


def test_profile_value_containing_template_syntax_is_not_evaluated():
    email = render_email("{{ v }}", "<p>{{ v }}</p>", "{{ v }}", {"v": "{{ 7 * 7 }}"})
    assert email.subject == "{{ 7 * 7 }}"
    assert email.text == "{{ 7 * 7 }}"
    assert "49" not in email.html


# --- the sandbox -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ first_name.__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
    ],
)
def test_sandbox_refuses_unsafe_attribute_chains_in_every_part_of_an_email(source):
    values = {"first_name": "Ada"}
    with pytest.raises(SecurityError):
        render_email(source, "<p></p>", None, values)
    with pytest.raises(SecurityError):
        render_email("s", source, None, values)
    with pytest.raises(SecurityError):
        render_email("s", "<p></p>", source, values)


@pytest.mark.parametrize(
    "source", ["{{ ''.__class__ }}", "{{ first_name.__class__ }}", "{{ lipsum.__globals__ }}"]
)
def test_sandbox_renders_a_single_unsafe_attribute_as_nothing(source):
    email = render_email(source, f"<p>{source}</p>", source, {"first_name": "Ada"})
    assert email == RenderedEmail(subject="", html="<p></p>", text="")


def test_sandbox_refuses_format_string_attribute_access():
    email = render_email("s", "<p>{{ '{0.__class__}'.format(v) }}</p>", None, {"v": "x"})
    assert "class" not in email.html


@pytest.mark.parametrize(
    "render",
    [
        lambda source: render_url(f"https://x.example/{source}", {"first_name": "Ada"}),
        lambda source: render_headers({"X": source}, {"first_name": "Ada"}),
        lambda source: render_json({"k": f"a {source}"}, {"first_name": "Ada"}),
    ],
    ids=["url", "headers", "json"],
)
def test_sandbox_also_guards_http_call_rendering(render):
    with pytest.raises(SecurityError):
        render("{{ first_name.__class__.__mro__ }}")


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
