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
