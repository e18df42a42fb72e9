"""Markdown for comments, rendered and then sanitised: the only HTML users can author."""
from __future__ import annotations

import re

import markdown
import nh3

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "hr", "del", "ins", "h3", "h4", "h5", "h6",
}


_CODE = re.compile(r"(<code[^>]*>)(.*?)(</code>)", re.S)


def render_markdown(source: str) -> str:
    """Return safe HTML for `source`.

    python-markdown passes raw HTML, event handlers and javascript: links straight through,
    so its output always goes through nh3 with an allow-list. Raw HTML in the source is
    escaped rather than interpreted, which also keeps "<" readable in delegates' text.
    """
    html = markdown.markdown(_escape_raw_html(source), extensions=["sane_lists"],
                             output_format="html")
    # Markdown escapes code spans itself, so the "<" we escaped would show as "&lt;" there.
    html = _CODE.sub(lambda m: m.group(1) + m.group(2).replace("&amp;lt;", "&lt;") + m.group(3),
                     html)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def _escape_raw_html(source: str) -> str:
    # Only "<" opens a tag; ">" must stay literal for Markdown block quotes.
    return source.replace("<", "&lt;")
