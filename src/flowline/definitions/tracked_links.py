"""Click and open tracking of one rendered email: its links replaced by tracked ones, its pixel.

Runs on the mail as rendered for one recipient (merge tags filled in), so each link is kept
exactly as that recipient's mail had it: in HTML, the `href` of `<a>` and `<area>` as a browser
reads it (entities decoded, surrounding spaces and tabs or line breaks dropped); in the text
part, each `http(s)://` address a mail client would make a link of. Each distinct address gets
one position (its first appearance, HTML first), and only `http`/`https` ones are tracked:
`mailto:`, `tel:`, fragments and whatever `keep` names (the unsubscribe link) stay as written.
"""

import html as html_entities
import re
from collections.abc import Callable
from dataclasses import dataclass

# A newsletter has tens of links; past this many distinct ones the rest stay untracked, so no
# mail (a template looping over a long list) writes an unbounded number of rows.
MAX_TRACKED_LINKS = 500

_SCHEMES = ("http://", "https://")
# Where no link can be: comments and raw-text elements are passed over whole.
_NEXT = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style|textarea|title|xmp)\b.*?(?:</\1\s*>|\Z)|<(a|area)(?=[\s/>])",
    re.IGNORECASE | re.DOTALL,
)
_SPACE = re.compile(r"[\s/]+")
_NAME = re.compile(r"[^\s/>][^\s/=>]*")
_EQUALS = re.compile(r"\s*=\s*")
_VALUE = re.compile(r""""[^"]*"|'[^']*'|[^\s>]*""")
# What the URL standard removes from an address before reading it.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_TEXT_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'*"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class TrackedEmail:
    html: str
    text: str | None
    links: tuple[str, ...]
    """The address of each position, as the mail had it (position = index)."""


def browser_url(raw: str) -> str:
    """An `href` value as a browser follows it: entities decoded, tabs and newlines dropped,
    surrounding spaces and control characters stripped."""
    decoded = _TAB_OR_NEWLINE.sub("", html_entities.unescape(raw))
    return decoded.strip("".join(map(chr, range(0x21))))


class _Positions:
    def __init__(self, tracked_url: Callable[[int], str], keep: Callable[[str], bool]) -> None:
        self._tracked_url = tracked_url
        self._keep = keep
        self.links: dict[str, int] = {}

    def replacement(self, url: str) -> str | None:
        """The tracked address standing for `url`, or None when it stays as it is."""
        if not url.lower().startswith(_SCHEMES) or len(url) <= len("https://") or self._keep(url):
            return None
        position = self.links.get(url)
        if position is None:
            if len(self.links) >= MAX_TRACKED_LINKS:
                return None
            position = self.links[url] = len(self.links)
        return self._tracked_url(position)


def track_links(
    html: str,
    text: str | None,
    *,
    tracked_url: Callable[[int], str],
    keep: Callable[[str], bool],
) -> TrackedEmail:
    """The mail with every trackable link replaced by `tracked_url(position)`."""
    positions = _Positions(tracked_url, keep)
    new_html = _rewrite_html(html, positions)
    new_text = None if text is None else _rewrite_text(text, positions)
    return TrackedEmail(new_html, new_text, tuple(positions.links))


def _rewrite_html(source: str, positions: _Positions) -> str:
    out: list[str] = []
    done = 0
    at = 0
    while (found := _NEXT.search(source, at)) is not None:
        if found.group(2) is None:  # a comment or a raw-text element
            at = max(found.end(), found.start() + 1)
            continue
        href, end = _href_span(source, found.end())
        at = end
        if href is None:
            continue
        start, stop = href
        raw = source[start:stop]
        if raw[:1] in ("'", '"'):
            raw = raw[1:-1]
        replacement = positions.replacement(browser_url(raw))
        if replacement is not None:
            out += [source[done:start], f'"{replacement}"']
            done = stop
    out.append(source[done:])
    return "".join(out)


def _href_span(source: str, at: int) -> tuple[tuple[int, int] | None, int]:
    """The span of the first `href` value of the tag whose attributes start at `at` (quotes
    included), and where the tag ends. The first of repeated attributes is the one that counts."""
    href: tuple[int, int] | None = None
    while True:
        at = _end_of(_SPACE, source, at)
        if at >= len(source) or source[at] == ">":
            return href, at + 1
        name = _NAME.match(source, at)
        if name is None:  # a stray `=`: skipped like a name
            at += 1
            continue
        at = name.end()
        equals = _EQUALS.match(source, at)
        if equals is None:
            continue
        value = _VALUE.match(source, equals.end())
        assert value is not None  # the pattern matches the empty string
        if href is None and name.group().lower() == "href":
            href = value.span()
        at = max(value.end(), equals.end())


def _end_of(pattern: re.Pattern[str], source: str, at: int) -> int:
    found = pattern.match(source, at)
    return found.end() if found else at


def _rewrite_text(text: str, positions: _Positions) -> str:
    def replaced(found: re.Match[str]) -> str:
        url = _without_trailing_punctuation(found.group())
        replacement = positions.replacement(url)
        if replacement is None:
            return found.group()
        return replacement + found.group()[len(url) :]

    return _TEXT_URL.sub(replaced, text)


def _without_trailing_punctuation(url: str) -> str:
    """`https://x.test/a).` in a sentence is `https://x.test/a`; `https://x.test/(b)` is whole.

    One pass from the end (counts kept, no copies): a profile value of 60,000 `)` costs as
    little as any other."""
    unmatched = {
        closer: url.count(closer) - url.count(opener) for closer, opener in _CLOSERS.items()
    }
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _CLOSERS and unmatched[last] > 0:
            unmatched[last] -= 1
        elif last not in _TRAILING:
            break
        end -= 1
    return url[:end]


def with_open_pixel(html: str, pixel_url: str) -> str:
    """A 1×1 image at the end of the body (before `</body>`, or `</html>`, or at the very end)."""
    pixel = (
        f'<img src="{pixel_url}" alt="" width="1" height="1" border="0" '
        'style="display:block;width:1px;height:1px;border:0;margin:0;padding:0">'
    )
    lower = html.lower()
    for closing in ("</body", "</html"):
        at = lower.rfind(closing)
        if at != -1:
            return html[:at] + pixel + html[at:]
    return html + pixel
