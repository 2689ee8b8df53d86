"""A broken merge tag is described in a marketer's words, with its line."""

import pytest

from flowline.definitions.template_words import FALLBACK, template_problem
from flowline.definitions.templates import TemplateError, merge_tags_in


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ profile_id }", "The body has a broken merge tag on line 1: '}' without '{{'."),
        ("Hi {{ name", "The body has a broken merge tag on line 1: '{{' without '}}'."),
        ("a\n\n{{ }}", "The body has a broken merge tag on line 3: '{{ }}' with no name inside."),
        (
            "{% if x %}",
            "The body has a broken merge tag on line 1: '{% if %}' without '{% endif %}'.",
        ),
        ("{% foo %}", "The body has a broken merge tag on line 1: '{% foo %}' is not a known tag."),
        (
            "{{ x | up }}",
            "The body has a broken merge tag on line 1: there is no filter named 'up'.",
        ),
        ("{# a note", "The body has a broken merge tag on line 1: '{#' without '#}'."),
    ],
)
def test_a_broken_tag_says_what_is_wrong_and_where(source: str, words: str) -> None:
    with pytest.raises(TemplateError) as raised:
        merge_tags_in(source)
    assert raised.value.in_words("The body") == words


def test_an_unforeseen_engine_message_becomes_how_to_write_a_tag() -> None:
    assert template_problem("something the engine never said before") == FALLBACK
