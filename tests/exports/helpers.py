"""Reading exports back for the invariants."""
from __future__ import annotations

import re

from drafting.exports.docx_reading import resolved_body, resolved_paragraphs

CLAUSE_PARAGRAPH = re.compile(r"^(PP|OP)\d+[a-z]*\t")


def clause_paragraphs(docx: bytes, *, accept: bool = True) -> list[str]:
    """The numbered clause paragraphs of a .docx after Accept all (or Reject all)."""
    return [p for p in resolved_paragraphs(docx, accept=accept) if CLAUSE_PARAGRAPH.match(p)]


def body(docx: bytes, *, accept: bool = True) -> list[tuple[str | None, str]]:
    """Every body paragraph, cover and table cells included, as (style id, text), after
    Accept all (or Reject all): the whole document, paragraph for paragraph."""
    return resolved_body(docx, accept=accept)
