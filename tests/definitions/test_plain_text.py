"""The plain-text part made from a campaign's HTML: readable text, links as `text (url)`."""

from flowline.definitions.plain_text import text_from_html


def test_links_are_kept_as_text_then_url() -> None:
    html = '<p>Read <a href="https://x.test/a?b=1&amp;c=2">the news</a> today.</p>'
    assert text_from_html(html) == "Read the news (https://x.test/a?b=1&c=2) today.\n"


def test_a_link_whose_text_is_its_url_is_printed_once() -> None:
    html = '<p><a href="https://x.test/u">https://x.test/u</a></p>'
    assert text_from_html(html) == "https://x.test/u\n"


def test_mail_links_show_the_address_and_fragment_links_only_their_text() -> None:
    html = '<p><a href="mailto:help@x.test">Write us</a> or go <a href="#top">up</a></p>'
    assert text_from_html(html) == "Write us (help@x.test) or go up\n"


def test_styles_scripts_and_markup_are_left_out_and_blocks_become_paragraphs() -> None:
    html = (
        "<html><head><style>p { color: red }</style></head><body>"
        "<h1>Hello &amp; welcome</h1><p>First</p><script>alert(1)</script>"
        "<ul><li>one</li><li>two</li></ul></body></html>"
    )
    text = text_from_html(html)
    assert "color" not in text and "alert" not in text and "<" not in text
    assert text.startswith("Hello & welcome\n\nFirst\n")
    assert "* one" in text and "* two" in text


def test_never_a_placeholder_sentence() -> None:
    assert "viewed as HTML" not in text_from_html("<p>Hi</p>")
    assert text_from_html("<p>Hi</p>") == "Hi\n"
