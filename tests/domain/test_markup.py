import pytest

from drafting.domain.markup import render_markdown
from tests.xss import XSS_PAYLOADS, dangerous_markup


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payloads_are_inert(payload):
    html = render_markdown(payload)
    assert dangerous_markup(html) == [], html


def test_ordinary_markdown_survives():
    html = render_markdown("We **support** _this_.\n\n- one\n- two\n\n> quoted\n\n"
                           "[APEC](https://www.apec.org)")
    assert "<strong>support</strong>" in html and "<em>this</em>" in html
    assert "<li>one</li>" in html and "<blockquote>" in html
    assert 'href="https://www.apec.org"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_angle_brackets_in_prose_are_shown_not_interpreted():
    assert "&lt;b&gt;" in render_markdown("use <b> sparingly")


def test_markdown_tables_in_comments_are_rendered_and_sanitised():
    from drafting.domain.markup import render_markdown
    html = render_markdown("| Economy | Position |\n|---|:-:|\n| AUS | **Support** |\n"
                           "| NZ | <img src=x onerror=alert(1)> `a|b` |")
    assert "<table>" in html and "<th>Economy</th>" in html
    assert "<td><strong>Support</strong></td>" in html
    assert "<img" not in html and "&lt;img" in html  # typed HTML stays text
    assert "<code>a|b</code>" in html
    assert "style=" not in html  # alignment styles are not allowed through


def test_a_table_too_large_to_build_cheaply_stays_text():
    from drafting.domain.markup import MAX_TABLE_CELLS, render_markdown
    columns = 1_500
    bomb = "|" + "a|" * columns + "\n" + "|" + "-|" * columns + "\n" + "|\n" * 1_000
    assert columns * 1_002 > MAX_TABLE_CELLS
    html = render_markdown(bomb)
    assert "<table" not in html and html.count("<td") == 0
