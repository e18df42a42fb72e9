"""Markdown for comments, rendered and then sanitised: the only HTML users can author.

Rendering costs time linear in the length of the text (docs/reliability.md, "Rendering
cost"): `markdown_guard.neutralise` defuses the constructs python-markdown handles in
quadratic time or with a large cost per element, and the link processors below look at most
a bounded stretch of text ahead for the end of a link.
"""
from __future__ import annotations

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.tables import TableProcessor
from markdown.inlinepatterns import (
    IMAGE_LINK_RE, IMAGE_REFERENCE_RE, LINK_RE, REFERENCE_RE, ImageInlineProcessor,
    ImageReferenceInlineProcessor, LinkInlineProcessor, ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor, ShortReferenceInlineProcessor)

from drafting.domain.markdown_guard import neutralise, restore

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "hr", "del", "ins", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}

MAX_LINK_TEXT_CHARS = 1_000  # "[text]" longer than this is not a link
MAX_LINK_TARGET_CHARS = 2_000  # nor is "(url "title")" longer than this
# A table builds (rows × the header's columns) cells, however short its rows: a wide header
# over many rows of "|" would build millions from a 10,000-character comment. Larger tables
# stay text.
MAX_TABLE_CELLS = 2_000


def render_markdown(source: str) -> str:
    """Return safe HTML for `source`, in time linear in its length.

    Raw HTML in the source is shown as typed, never interpreted: the raw-HTML and autolink
    processors are switched off, so "<" is just text and the serialiser escapes it. Since
    python-markdown would still pass event handlers and javascript: links through, its output
    always goes through nh3 with an allow-list.
    """
    renderer = markdown.Markdown(extensions=["sane_lists", _TextOnlyExtension()],
                                 output_format="html")
    html = restore(renderer.convert(neutralise(source)))
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


class _BoundedScans:
    """Look for the end of a link's text or target within a bounded stretch, not to the end of
    the paragraph (python-markdown scans character by character in Python)."""

    def getText(self, data, index):  # noqa: N802 (python-markdown's name)
        return super().getText(data[:index + MAX_LINK_TEXT_CHARS], index)

    def getLink(self, data, index):  # noqa: N802
        return super().getLink(data[:index + MAX_LINK_TARGET_CHARS], index)


class _BoundedLink(_BoundedScans, LinkInlineProcessor):
    pass


class _BoundedImage(_BoundedScans, ImageInlineProcessor):
    pass


class _BoundedReference(_BoundedScans, ReferenceInlineProcessor):
    pass


class _BoundedShortReference(_BoundedScans, ShortReferenceInlineProcessor):
    pass


class _BoundedImageReference(_BoundedScans, ImageReferenceInlineProcessor):
    pass


class _BoundedShortImageReference(_BoundedScans, ShortImageReferenceInlineProcessor):
    pass


class _BoundedTable(TableProcessor):
    """Markdown tables (GitHub's pipe syntax), up to MAX_TABLE_CELLS cells."""

    def test(self, parent, block):
        if not super().test(parent, block):
            return False
        return (block.count("\n") + 1) * len(self.separator) <= MAX_TABLE_CELLS


class _TextOnlyExtension(Extension):
    """No raw HTML or autolinks (text is text), link scans bounded in length, and tables of a
    bounded size."""

    def extendMarkdown(self, md):  # noqa: N802
        if "|" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("|")
        md.parser.blockprocessors.register(
            _BoundedTable(md.parser, {"use_align_attribute": False}), "table", 75)
        md.preprocessors.deregister("html_block")
        for name in ("html", "autolink", "automail"):
            md.inlinePatterns.deregister(name)
        # The same names and priorities as python-markdown's own registrations.
        patterns = md.inlinePatterns
        patterns.register(_BoundedReference(REFERENCE_RE, md), "reference", 170)
        patterns.register(_BoundedLink(LINK_RE, md), "link", 160)
        patterns.register(_BoundedImage(IMAGE_LINK_RE, md), "image_link", 150)
        patterns.register(_BoundedImageReference(IMAGE_REFERENCE_RE, md), "image_reference", 140)
        patterns.register(_BoundedShortReference(REFERENCE_RE, md), "short_reference", 130)
        patterns.register(_BoundedShortImageReference(IMAGE_REFERENCE_RE, md),
                          "short_image_ref", 125)
