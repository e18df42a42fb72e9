"""Reading tracked changes back out of a .docx, by walking its XML.

python-docx's `paragraph.text` silently drops inserted and deleted runs, so this walks
`w:t` / `w:delText` under `w:ins` / `w:del` itself. Used by the tests (accept all must give
the target's clean text, reject all the source's) and by the import of a delegation's
tracked-changes file.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


@dataclass(frozen=True)
class TrackedChange:
    kind: str  # "insert" | "delete"
    author: str
    date: str
    text: str


@dataclass
class ParagraphChanges:
    """A body paragraph as runs of (op, text, author)."""

    runs: list[tuple[str, str, str | None]]
    mark: str | None  # "insert" / "delete" when the paragraph mark itself is tracked
    mark_author: str | None = None
    style: str | None = None

    def text(self, accept: bool) -> str:
        keep = "insert" if accept else "delete"
        return "".join(t for op, t, _ in self.runs if op in ("equal", keep))


def _body(docx_bytes: bytes):
    from lxml import etree  # loaded by the first reading, not by every process start

    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        xml = archive.read("word/document.xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(xml, parser).find(_q("body"))


def read_paragraphs(docx_bytes: bytes) -> list[ParagraphChanges]:
    """Every paragraph of the main body (tables excluded), with its tracked runs."""
    return _paragraph_changes(_body(docx_bytes).iterfind(_q("p")))


def _paragraph_changes(paragraphs) -> list[ParagraphChanges]:
    out = []
    for p in paragraphs:
        runs: list[tuple[str, str, str | None]] = []
        mark = mark_author = None
        p_pr = p.find(_q("pPr"))
        style = None
        if p_pr is not None:
            style_el = p_pr.find(_q("pStyle"))
            style = style_el.get(_q("val")) if style_el is not None else None
            r_pr = p_pr.find(_q("rPr"))
            if r_pr is not None:
                for tag, op in (("ins", "insert"), ("del", "delete")):
                    el = r_pr.find(_q(tag))
                    if el is not None:
                        mark, mark_author = op, el.get(_q("author"))
        for el in p.iter(_q("t"), _q("delText"), _q("tab")):
            op, author = "equal", None
            ancestor = el.getparent()
            while ancestor is not None and ancestor is not p:
                if ancestor.tag == _q("ins"):
                    op, author = "insert", ancestor.get(_q("author"))
                    break
                if ancestor.tag == _q("del"):
                    op, author = "delete", ancestor.get(_q("author"))
                    break
                ancestor = ancestor.getparent()
            text = "\t" if el.tag == _q("tab") else (el.text or "")
            runs.append((op, text, author))
        out.append(ParagraphChanges(runs, mark, mark_author, style))
    return out


def resolved_paragraphs(docx_bytes: bytes, *, accept: bool) -> list[str]:
    """Body paragraph texts after Accept all (or Reject all) changes.

    A paragraph whose mark is deleted on accept (inserted on reject) merges into the next one,
    as in Word; an emptied merged paragraph disappears.
    """
    result: list[str] = []
    carry = ""
    for para in read_paragraphs(docx_bytes):
        text = carry + para.text(accept)
        vanishing_mark = (para.mark == "delete" and accept) or (para.mark == "insert" and not accept)
        if vanishing_mark:
            carry = text
            continue
        carry = ""
        result.append(text)
    if carry:
        result.append(carry)
    return result


def _resolve(paragraphs: list[ParagraphChanges], accept: bool) -> list[tuple[str | None, str]]:
    result: list[tuple[str | None, str]] = []
    carry = ""
    for index, para in enumerate(paragraphs):
        text = carry + para.text(accept)
        vanishing = (para.mark == "delete" and accept) or (para.mark == "insert" and not accept)
        if vanishing and index < len(paragraphs) - 1:
            carry = text  # joins the following paragraph, which keeps its style
            continue
        carry = ""
        result.append((para.style, text))
    return result


def resolved_body(docx_bytes: bytes, *, accept: bool) -> list[tuple[str | None, str]]:
    """(style id, text) of every body paragraph after Accept all (or Reject all), in order,
    table cells row by row — what LibreOffice's resolved document lists too.

    A paragraph whose mark goes joins the following paragraph, which keeps its own style (as
    in Word and LibreOffice); a mark that goes at the very end is left as a paragraph of its
    own, since a document's last mark cannot go.
    """
    out: list[tuple[str | None, str]] = []
    pending: list = []
    for child in _body(docx_bytes):
        if child.tag == _q("p"):
            pending.append(child)
        elif child.tag == _q("tbl"):
            out += _resolve(_paragraph_changes(pending), accept)
            pending = []
            for cell in child.iter(_q("tc")):
                out += _resolve(_paragraph_changes(cell.iterfind(_q("p"))), accept)
    return out + _resolve(_paragraph_changes(pending), accept)


def tracked_changes(docx_bytes: bytes) -> list[TrackedChange]:
    body = _body(docx_bytes)
    changes = []
    for el in body.iter(_q("ins"), _q("del")):
        if el.getparent().tag == _q("rPr"):
            continue  # a paragraph mark, counted with its paragraph's runs
        kind = "insert" if el.tag == _q("ins") else "delete"
        text = "".join(t.text or "" for t in el.iter(_q("t"), _q("delText")))
        changes.append(TrackedChange(kind, el.get(_q("author")), el.get(_q("date")), text))
    return changes


def comments(docx_bytes: bytes) -> list[tuple[str, str]]:
    """(author, text) of every Word comment."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        if "word/comments.xml" not in archive.namelist():
            return []
        root = etree.fromstring(archive.read("word/comments.xml"))
    return [(c.get(_q("author")), "".join(t.text or "" for t in c.iter(_q("t"))))
            for c in root.iterfind(_q("comment"))]
