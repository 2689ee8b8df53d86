"""The template sandbox: unsafe attribute access is refused in emails and HTTP calls alike."""

import pytest
from jinja2.exceptions import SecurityError

from flowline.definitions.templates import (
    RenderedEmail,
    render_email,
    render_headers,
    render_json,
    render_url,
)


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
