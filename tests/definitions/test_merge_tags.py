"""Merge tags: which ones a campaign uses, and the value each gets from a profile."""

import pytest

from flowline.definitions.steps import MergeTagMapping
from flowline.definitions.templates import (
    BLANK_DEFAULT,
    RenderedEmail,
    TemplateError,
    merge_tags_in,
    merge_values,
    render_email,
)
from tests.definitions.builders import mapping

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
