"""What a browser takes from a page: links, headings, forms with their fields, frames."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    confirm: str | None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class PageParts:
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, href)
    headings: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)  # iframe sources

    def form(self, action: str) -> Form:
        [found] = [f for f in self.forms if f.action == action]
        return found

    def links_named(self, text: str) -> list[str]:
        return [href for name, href in self.links if name == text]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts = PageParts()
        self._text: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("a", "h1", "h2"):
            self._text, self._href = [], values.get("href", "")
        elif tag == "form":
            method = values.get("method", "get").upper()
            form = Form(values.get("action", ""), method, values.get("data-confirm"))
            self.parts.forms.append(form)
        elif tag == "iframe":
            self.parts.frames.append(values.get("src", ""))
        elif tag == "input" and self.parts.forms and "name" in values:
            self.parts.forms[-1].fields[values["name"]] = values.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._text is None or tag not in ("a", "h1", "h2"):
            return
        text = "".join(self._text)
        if tag == "a":
            self.parts.links.append((text, self._href))
        else:
            self.parts.headings.append(text)
        self._text = None


def page_parts(html: str) -> PageParts:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.parts
