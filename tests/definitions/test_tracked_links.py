"""Click tracking rewrites links as a browser reads them, and nothing else; the open pixel."""

import time

from flowline.definitions.plain_text import text_from_html
from flowline.definitions.tracked_links import (
    MAX_TRACKED_LINKS,
    browser_url,
    track_links,
    with_open_pixel,
)

UNSUBSCRIBE = "https://pub.test/u/TOKEN"


def tracked(html: str, text: str | None = None) -> tuple[str, str | None, tuple[str, ...]]:
    result = track_links(
        html,
        text,
        tracked_url=lambda position: f"https://pub.test/c/T{position}",
        keep=lambda url: url == UNSUBSCRIBE,
    )
    return result.html, result.text, result.links


def test_each_quoting_of_href_is_rewritten_and_the_rest_of_the_tag_kept() -> None:
    html = (
        '<a class="b" href="https://a.test/1">1</a>'
        "<A title='x>y' HREF = 'https://a.test/2' >2</A>"
        "<a href=https://a.test/3?x=1>3</a>"
        '<area shape=rect href="https://a.test/4">'
    )

    out, _, links = tracked(html)

    assert out == (
        '<a class="b" href="https://pub.test/c/T0">1</a>'
        "<A title='x>y' HREF = \"https://pub.test/c/T1\" >2</A>"
        '<a href="https://pub.test/c/T2">3</a>'
        '<area shape=rect href="https://pub.test/c/T3">'
    )
    assert links == (
        "https://a.test/1",
        "https://a.test/2",
        "https://a.test/3?x=1",
        "https://a.test/4",
    )


def test_the_stored_address_is_the_one_a_browser_follows_entities_decoded() -> None:
    # `&amp;` in the attribute is `&` in the address; a merge tag's escaped value likewise.
    html = '<a href=" https://a.test/?a=1&amp;n=Ann&#38;Bob&#10;">x</a>'

    _, _, links = tracked(html)

    assert links == ("https://a.test/?a=1&n=Ann&Bob",)
    assert browser_url("\thttps://a.test/\n ") == "https://a.test/"


def test_other_attributes_comments_scripts_and_other_tags_are_left_alone() -> None:
    html = (
        '<a data-href="https://no.test/1" title="href=https://no.test/2" href="https://a.test/">'
        '<!-- <a href="https://no.test/3"> --><script>s = \'<a href="https://no.test/4">\'</script>'
        '<style>a[href="https://no.test/5"]{}</style><abbr href="https://no.test/6">x</abbr>'
    )

    out, _, links = tracked(html)

    assert links == ("https://a.test/",)
    assert out.count("no.test") == 6


def test_only_http_links_are_tracked_and_never_the_unsubscribe_link() -> None:
    html = (
        '<a href="mailto:a@b.test">m</a><a href="tel:+31">t</a><a href="#top">f</a>'
        '<a href="javascript:void(0)">j</a><a href="ftp://a.test/">f</a>'
        f'<a href="{UNSUBSCRIBE}">Unsubscribe</a><a href="HTTPS://A.test/">up</a>'
    )

    out, _, links = tracked(html)

    assert links == ("HTTPS://A.test/",)
    assert f'href="{UNSUBSCRIBE}"' in out and 'href="mailto:a@b.test"' in out


def test_one_address_is_one_position_in_both_parts() -> None:
    html = '<a href="https://a.test/x">top</a><a href="https://a.test/x">bottom</a>'

    out, text, links = tracked(html, "Shop: https://a.test/x. Or https://b.test/y")

    assert links == ("https://a.test/x", "https://b.test/y")
    assert out.count("https://pub.test/c/T0") == 2
    assert text == "Shop: https://pub.test/c/T0. Or https://pub.test/c/T1"


def test_text_links_lose_trailing_punctuation_but_keep_their_own_brackets() -> None:
    text = (
        "(see https://a.test/page), https://w.test/wiki/A_(b) and <https://c.test/q?x=1>!\n"
        f"Unsubscribe: {UNSUBSCRIBE}\nhttp://"
    )

    _, out, links = tracked("<p>no links</p>", text)

    assert links == ("https://a.test/page", "https://w.test/wiki/A_(b)", "https://c.test/q?x=1")
    assert out == (
        "(see https://pub.test/c/T0), https://pub.test/c/T1 and <https://pub.test/c/T2>!\n"
        f"Unsubscribe: {UNSUBSCRIBE}\nhttp://"
    )


def test_the_plain_text_part_made_from_the_html_carries_the_same_links() -> None:
    html = '<p>Hi</p><a href="https://a.test/x">Shop now</a> <a href="mailto:a@b.test">us</a>'

    _, text, links = tracked(html, text_from_html(html))

    assert links == ("https://a.test/x",)
    assert text is not None and "Shop now (https://pub.test/c/T0)" in text
    assert "us (a@b.test)" in text


def test_past_the_limit_further_addresses_stay_untracked() -> None:
    html = "".join(f'<a href="https://a.test/{i}">{i}</a>' for i in range(MAX_TRACKED_LINKS + 2))

    out, _, links = tracked(html)

    assert len(links) == MAX_TRACKED_LINKS
    assert f'href="https://a.test/{MAX_TRACKED_LINKS + 1}"' in out


def test_an_unclosed_tag_or_comment_ends_the_scan_without_error() -> None:
    assert tracked('<p>x</p><a href="https://a.test/"')[2] == ("https://a.test/",)
    assert tracked('<!-- <a href="https://a.test/">')[2] == ()


def test_the_pixel_goes_at_the_end_of_the_body() -> None:
    pixel = '<img src="https://pub.test/o/X" alt=""'

    in_body = with_open_pixel("<html><BODY><p>x</p></BODY></html>", "https://pub.test/o/X")
    bare = with_open_pixel("<p>x</p>", "https://pub.test/o/X")

    assert in_body.startswith(f"<html><BODY><p>x</p>{pixel}") and in_body.endswith("</BODY></html>")
    assert bare.startswith(f"<p>x</p>{pixel}") and 'width="1" height="1"' in bare


def test_a_huge_hostile_value_is_rewritten_in_linear_time() -> None:
    value = "https://a.test/" + ")" * 60_000 + " " + "<a href=" * 20_000
    html = f'<p>{value}</p><a href="https://a.test/{")" * 60_000}">x</a><script>' + "<a " * 20_000

    started = time.perf_counter()
    _, text, links = tracked(html, value * 5)

    assert time.perf_counter() - started < 2.0
    assert "https://a.test/" in links and text is not None  # the text part: no `)` kept
