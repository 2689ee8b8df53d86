"""Merge tags: find them in campaign templates and render them safely.

Rendering uses Jinja2's sandbox: a template can read values, never call into Python. HTML bodies
are auto-escaped, so a profile value like `<script>` arrives as text. Every render is metered
(bounded_sandbox.py): one over its budget stops with `TemplateTooExpensive`.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

from jinja2 import Template, TemplateSyntaxError, meta

from flowline.definitions.bounded_sandbox import BoundedEnvironment
from flowline.definitions.steps import MergeTagMapping
from flowline.definitions.template_budget import render_budget
from flowline.definitions.template_words import template_problem

_TEXT = BoundedEnvironment(autoescape=False, keep_trailing_newline=True)
_HTML = BoundedEnvironment(autoescape=True, keep_trailing_newline=True)
BLANK_DEFAULT = " "
UNSUBSCRIBE_TAG = "unsubscribe_url"
"""Filled in by Flowline for workflows with a consent property; never mapped by the user."""


@lru_cache(maxsize=2048)
def _text_template(source: str) -> Template:
    """Compiled once per source: a campaign or step sends the same templates again and again."""
    return _TEXT.metered(source)


@lru_cache(maxsize=512)
def _html_template(source: str) -> Template:
    return _HTML.metered(source)


def _rendered(template: Template, context: Mapping[str, Any]) -> str:
    with render_budget() as budget:
        # Escaping can make the output longer than what the template wrote.
        return str(budget.checked(template.render(context)))


class TemplateError(ValueError):
    """A template that does not parse; the message says where (`line`) and what (`problem`)."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem

    def in_words(self, what: str) -> str:
        """`The body has a broken merge tag on line 1: '}' without '{{'.`"""
        return f"{what} has a broken merge tag on line {self.line}: {self.problem}."


def merge_tags_in(*templates: str | None) -> list[str]:
    """The merge tags (`{{ first_name }}`) used by the given templates, sorted."""
    names: set[str] = set()
    for source in templates:
        if source:
            names |= _tags_of(source)
    return sorted(names)


@lru_cache(maxsize=2048)
def _tags_of(source: str) -> frozenset[str]:
    """Parsed once per text: a step's URL is checked each time its model is validated, which
    is every time an activity input carrying it is decoded."""
    try:
        return frozenset(meta.find_undeclared_variables(_TEXT.parse(source)))
    except TemplateSyntaxError as error:
        raise TemplateError(error.lineno, template_problem(error.message or "")) from None


def merge_values(
    mapping: Mapping[str, MergeTagMapping], properties: Mapping[str, Any]
) -> dict[str, str]:
    """Each tag's value: the profile property, or the default when missing or empty.

    A default of a single space means "blank".
    """
    values: dict[str, str] = {}
    for tag, source in mapping.items():
        raw = properties.get(source.property)
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            values[tag] = "" if source.default == BLANK_DEFAULT else source.default
        else:
            values[tag] = raw if isinstance(raw, str) else json.dumps(raw)
    return values


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str | None


EmailPart = Literal["subject", "html", "text"]


def render_email_part(part: EmailPart, source: str, values: Mapping[str, str]) -> str:
    if part == "subject":
        # A subject is a header: never let a value add a line to it.
        return " ".join(_rendered(_text_template(source), values).split())
    if part == "html":
        return _rendered(_html_template(source), values)
    return _rendered(_text_template(source), values)


def render_email(
    subject: str, html: str, text: str | None, values: Mapping[str, str]
) -> RenderedEmail:
    """The three parts share one budget (TemplateTooExpensive past it)."""
    with render_budget():
        return RenderedEmail(
            subject=render_email_part("subject", subject, values),
            html=render_email_part("html", html, values),
            text=render_email_part("text", text, values) if text else None,
        )


def _render_text(source: str, context: Mapping[str, Any]) -> str:
    return _rendered(_text_template(source), context)


def render_url(url: str, context: Mapping[str, Any]) -> str:
    """Merge tags in a URL are percent-encoded, so a value cannot change the URL's shape."""
    quoted = {key: quote(_as_text(value), safe="") for key, value in context.items()}
    with render_budget():
        return _render_text(url, quoted)


def render_headers(headers: Mapping[str, str], context: Mapping[str, Any]) -> dict[str, str]:
    """Header values with merge tags; line breaks are removed to prevent header injection."""
    texts = {key: _as_text(value) for key, value in context.items()}
    with render_budget():
        return {
            name: " ".join(_render_text(value, texts).splitlines()).strip()
            for name, value in headers.items()
        }


def render_json(body: Any, context: Mapping[str, Any]) -> Any:
    """Render a JSON body value by value: a profile value can never break the JSON.

    A string that is exactly one merge tag (`"{{ age }}"`) takes the property's own JSON value
    (number, boolean, list...); any other string is rendered as text. One budget for it all.
    """
    with render_budget():
        return _render_json(body, context)


def _render_json(body: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(body, dict):
        return {key: _render_json(value, context) for key, value in body.items()}
    if isinstance(body, list):
        return [_render_json(value, context) for value in body]
    if isinstance(body, str):
        name = _single_tag(body)
        if name is not None and name in context:
            return context[name]
        return _render_text(body, {key: _as_text(value) for key, value in context.items()})
    return body


def _single_tag(source: str) -> str | None:
    stripped = source.strip()
    if stripped.startswith("{{") and stripped.endswith("}}"):
        inner = stripped[2:-2].strip()
        if inner.isidentifier():
            return inner
    return None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
