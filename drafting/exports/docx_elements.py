"""Pieces of WordprocessingML the DOCX writer puts together, built directly.

python-docx builds these through generic, searching code paths (a style looked up by name,
a comment id found by scanning, a run's text set a character at a time); for a redline of
hundreds of clauses that cost most of the export. Here each piece is made once and copied, or
built as the few elements it is. Right-to-left marks (w:bidi, w:rtl) go in the places
ECMA-376 orders them.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.run import Run as WordRun

from drafting.domain.bidi import is_right_to_left


# What may follow w:bidi inside w:pPr (ECMA-376 CT_PPrBase order), so it goes in the right place.
AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
               "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def mark_right_to_left(paragraph) -> None:
    """Lay `paragraph` out right to left (w:bidi), once."""
    p_pr = paragraph._p.get_or_add_pPr()
    if p_pr.find(qn("w:bidi")) is None:
        p_pr.insert_element_before(OxmlElement("w:bidi"), *AFTER_BIDI)


def set_direction(paragraph, text: str) -> None:
    """Mark a plain paragraph (no tracked changes) and its runs when `text` reads right to left."""
    if is_right_to_left(text):
        mark_right_to_left(paragraph)
    for run in paragraph.runs:
        if is_right_to_left(run.text):
            run.font.rtl = True


W_ID, W_AUTHOR, W_INITIALS, W_DATE = (qn("w:id"), qn("w:author"), qn("w:initials"),
                                         qn("w:date"))
# python-docx's own comment skeleton (CT_Comments.add_comment) and range markers
# (CT_R.insert_comment_range_*), copied for each comment.
COMMENT_SKELETON = parse_xml(
    f'<w:comment {nsdecls("w")} w:id="0" w:author="">'
    '<w:p><w:pPr><w:pStyle w:val="CommentText"/></w:pPr>'
    '<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:annotationRef/></w:r>'
    '</w:p></w:comment>')
RANGE_START = OxmlElement("w:commentRangeStart", attrs={qn("w:id"): "0"})
RANGE_END = OxmlElement("w:commentRangeEnd", attrs={qn("w:id"): "0"})
COMMENT_REFERENCE = parse_xml(
    f'<w:r {nsdecls("w")}><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr>'
    '<w:commentReference w:id="0"/></w:r>')

BREAKS = frozenset("\t\r\n")


def plain_run(paragraph, text: str) -> WordRun:
    """`paragraph.add_run(text)`, built directly when `text` holds no tab or line break:
    python-docx's setter walks the text a character at a time (a tenth of a 200-clause
    redline's time)."""
    if BREAKS.intersection(text):
        return paragraph.add_run(text)
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    if len(text.strip()) < len(text):
        t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    paragraph._p.append(r)
    return WordRun(r, paragraph)


def iso_date(moment: datetime | None) -> str:
    if moment is None:
        return iso_date_of(datetime.now(timezone.utc))
    return iso_date_of(moment)


@lru_cache(maxsize=4096)  # a redline repeats each decision's date on every change it made
def iso_date_of(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
