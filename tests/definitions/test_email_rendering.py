"""Email rendering: subject, HTML and text bodies, escaping of profile values."""

from flowline.definitions.steps import MergeTagMapping
from flowline.definitions.templates import RenderedEmail, merge_values, render_email
from tests.definitions.builders import mapping


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
