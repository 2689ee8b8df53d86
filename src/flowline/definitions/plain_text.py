"""The plain-text part of an email whose campaign has no text body, made from its HTML.

inscriptis lays the HTML out as text (paragraphs, lists, tables, no `<style>`/`<script>`); its
custom `<a>` handlers keep each link as `text (url)`, the way mail clients show it.
"""

import re
from typing import Any

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from inscriptis.model.html_document_state import HtmlDocumentState
from inscriptis.model.tag import CustomHtmlTagHandlerMapping

# Links that are only a fragment or a script are not worth printing.
_SHOWN_SCHEMES = ("http://", "https://", "mailto:", "tel:")


def _link_start(state: HtmlDocumentState, attrs: dict[str, Any]) -> None:
    href = str(attrs.get("href") or "").strip()
    state.link_target = href if href.lower().startswith(_SHOWN_SCHEMES) else ""


def _link_end(state: HtmlDocumentState) -> None:
    if state.link_target:
        target = state.link_target.removeprefix("mailto:")
        state.tags[-1].write(f" ({target})")


_CONFIG = ParserConfig(
    css=CSS_PROFILES["strict"],
    custom_html_tag_handler_mapping=CustomHtmlTagHandlerMapping(
        start_tag_mapping={"a": _link_start}, end_tag_mapping={"a": _link_end}
    ),
)
# `https://x.test (https://x.test)`: a link whose text is its address is printed once.
_REPEATED_URL = re.compile(r"(\S+) \(\1\)")
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def text_from_html(html: str) -> str:
    text = get_text(html, _CONFIG)
    text = _REPEATED_URL.sub(r"\1", text)
    lines = "\n".join(line.rstrip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", lines).strip() + "\n"
