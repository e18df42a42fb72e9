"""Reading a Word file's structure for the imports: headings, paragraphs, tracked runs,
comments, footnotes and font sizes.

Only files that passed `word_upload.read_docx_upload` are read here. What the paragraphs
become is decided by the pure rules in drafting/domain (draft_parsing, tracked_import).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from drafting.domain.draft_parsing import ParsedDraft, SourceParagraph, build_draft
from drafting.domain.errors import InvalidInput
from drafting.domain.tracked_import import UNANCHORED, TrackedParagraph
from drafting.exports.docx_reading import read_paragraphs
from drafting.infrastructure.word_upload import DocxFile, read_part

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SMALL_FONT_RATIO = 0.85  # 9 pt against 11 pt is small; 10 pt against 11 pt is not


def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- styles ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Style:
    name: str
    outline: int | None
    based_on: str | None
    size: int | None  # half-points


class Styles:
    """The paragraph styles of a file: heading levels, names and font sizes, following the
    style each is based on (so a custom "Goal heading" based on "Heading 2" is a heading)."""

    def __init__(self, docx: DocxFile):
        root = read_part(docx, "word/styles.xml")
        self.styles: dict[str, _Style] = {}
        self.default_size: int | None = None
        if root is None:
            return
        default = root.find(f"{_q('docDefaults')}/{_q('rPrDefault')}/{_q('rPr')}/{_q('sz')}")
        if default is not None:
            self.default_size = _int(default.get(_q("val")))
        for style in root.iterfind(_q("style")):
            if style.get(_q("type")) != "paragraph":
                continue
            name_el = style.find(_q("name"))
            outline = style.find(f"{_q('pPr')}/{_q('outlineLvl')}")
            based = style.find(_q("basedOn"))
            size = style.find(f"{_q('rPr')}/{_q('sz')}")
            self.styles[style.get(_q("styleId")) or ""] = _Style(
                (name_el.get(_q("val")) if name_el is not None else "") or "",
                _int(outline.get(_q("val"))) if outline is not None else None,
                based.get(_q("val")) if based is not None else None,
                _int(size.get(_q("val"))) if size is not None else None)

    def _chain(self, style_id: str | None):
        seen = 0
        while style_id and seen < 10:
            yield style_id, self.styles.get(style_id, _Style(style_id, None, None, None))
            style_id = self.styles[style_id].based_on if style_id in self.styles else None
            seen += 1

    def level(self, style_id: str | None) -> int | None:
        """0 for Title/Subtitle, n for Heading n (by name or outline level), else None."""
        for sid, style in self._chain(style_id):
            for candidate in (style.name, sid):
                lowered = candidate.lower().replace(" ", "")
                if lowered in ("title", "subtitle"):
                    return 0
                match = re.fullmatch(r"heading(\d)", lowered)
                if match:
                    return int(match.group(1))
            if style.outline is not None and style.outline < 9:
                return style.outline + 1
        return None

    def is_note_style(self, style_id: str | None) -> bool:
        """A footnote or endnote text style (or one based on it)."""
        return any(re.search(r"foot\s*note|end\s*note", f"{sid} {style.name}", re.IGNORECASE)
                   for sid, style in self._chain(style_id))

    def size(self, style_id: str | None) -> int | None:
        for _, style in self._chain(style_id):
            if style.size is not None:
                return style.size
        return self.default_size


def heading_level(p, styles: Styles, style: str | None) -> int | None:
    outline = p.find(f"{_q('pPr')}/{_q('outlineLvl')}")
    if outline is not None and (value := _int(outline.get(_q("val")))) is not None and value < 9:
        return value + 1
    return styles.level(style)


def body(docx: DocxFile):
    found = read_part(docx, "word/document.xml").find(_q("body"))
    if found is None:
        raise InvalidInput(f"“{docx.filename}” has no document body.", code="corrupt_docx")
    return found


# --- zero draft ------------------------------------------------------------------------

def _paragraph_size(p, styles: Styles, style: str | None) -> int | None:
    """The largest font size (half-points) of the paragraph's text, None when unknown."""
    sizes = []
    for run in p.iter(_q("r")):
        if not any((t.text or "").strip() for t in run.iter(_q("t"))):
            continue
        size = run.find(f"{_q('rPr')}/{_q('sz')}")
        sizes.append(_int(size.get(_q("val"))) if size is not None else styles.size(style))
    known = [s for s in sizes if s]
    return max(known) if known and len(known) == len(sizes) else None


def _notes(docx: DocxFile, part: str, kind: str) -> dict[str, str]:
    """Footnote (or endnote) id → its text, leaving out Word's separators."""
    root = read_part(docx, part)
    if root is None:
        return {}
    notes = {}
    for note in root.iterfind(_q(kind)):
        if note.get(_q("type")) not in (None, "normal"):
            continue
        paragraphs = ["".join(t.text or "" for t in p.iter(_q("t"))) for p in note.iter(_q("p"))]
        notes[note.get(_q("id")) or ""] = " ".join(t.strip() for t in paragraphs if t.strip())
    return notes


def draft_from_docx(docx: DocxFile) -> ParsedDraft:
    """A zero draft's sections and clauses from its Word headings and paragraphs.

    Lines that look like footnotes rather than clauses are marked (domain/draft_parsing.py):
    a footnote text style, a font smaller than the body text's, and the text of each Word
    footnote or endnote, placed after the paragraph that refers to it.
    """
    doc_body = body(docx)
    styles = Styles(docx)
    elements = list(doc_body.iterfind(_q("p")))
    paragraphs = read_paragraphs(docx.data)
    footnotes = _notes(docx, "word/footnotes.xml", "footnote")
    endnotes = _notes(docx, "word/endnotes.xml", "endnote")
    read = []  # (element, paragraph, heading level, font size)
    for p, para in zip(elements, paragraphs, strict=True):
        level = heading_level(p, styles, para.style)
        read.append((p, para, level, _paragraph_size(p, styles, para.style)))
    weights = Counter()
    for _, para, level, size in read:
        if level is None and size:
            weights[size] += len(para.text(accept=True).strip())
    body_size = weights.most_common(1)[0][0] if weights else None
    sources: list[SourceParagraph] = []
    note_number = 0
    for p, para, level, size in read:
        aside = ""
        if level is None and styles.is_note_style(para.style):
            aside = "it has Word's footnote text style"
        elif level is None and body_size and size and size <= body_size * SMALL_FONT_RATIO:
            aside = (f"it is set in a smaller font ({size / 2:g} pt; the text is in "
                     f"{body_size / 2:g} pt)")
        sources.append(SourceParagraph(para.text(accept=True), level, aside))
        for ref in p.iter(_q("footnoteReference"), _q("endnoteReference")):
            is_foot = ref.tag == _q("footnoteReference")
            text = (footnotes if is_foot else endnotes).get(ref.get(_q("id")) or "", "")
            if text:
                note_number += 1
                sources.append(SourceParagraph(text, None, (
                    f"it is the text of Word {'footnote' if is_foot else 'endnote'} "
                    f"{note_number} (on the paragraph above)")))
    draft = build_draft(sources)
    tables = len(doc_body.findall(_q("tbl")))
    if tables:
        draft.notes.append(f"{tables} table{'s' if tables > 1 else ''} in the file "
                           f"{'were' if tables > 1 else 'was'} left out (clauses are paragraphs).")
    if any(op != "equal" or para.mark for para in paragraphs for op, _, _ in para.runs):
        draft.notes.append("The file has tracked changes: the text was read as if all of them "
                           "were accepted.")
    if "word/comments.xml" in docx.parts and comment_texts(docx):
        draft.notes.append("Word comments in the file were not imported.")
    return draft


# --- tracked changes -------------------------------------------------------------------

def comment_texts(docx: DocxFile) -> dict[str, str]:
    root = read_part(docx, "word/comments.xml")
    if root is None:
        return {}
    texts = {}
    for comment in root.iterfind(_q("comment")):
        paragraphs = ["".join(t.text or "" for t in p.iter(_q("t")))
                      for p in comment.iter(_q("p"))]
        texts[comment.get(_q("id")) or ""] = "\n".join(p for p in paragraphs if p.strip())
    return texts


_INSERTED = ("ins", "moveTo")
_DELETED = ("del", "moveFrom")
_COMMENT_STARTS = (_q("commentRangeStart"),)
_COMMENT_ENDS = (_q("commentRangeEnd"), _q("commentReference"))


def _runs_of(p) -> tuple[tuple[str, str], ...]:
    """(op, text) of a paragraph, reading a tracked move as a deletion and an insertion.

    Used where `read_paragraphs` does not look: tables, headers, and paragraphs holding a
    tracked move (Word's w:moveFrom / w:moveTo, which `read_paragraphs` reads as unchanged).
    """
    change_tags = {_q(t): "insert" for t in _INSERTED} | {_q(t): "delete" for t in _DELETED}
    runs = []
    for el in p.iter(_q("t"), _q("delText"), _q("tab")):
        op = "equal"
        for ancestor in el.iterancestors(*change_tags):
            op = change_tags[ancestor.tag]
            break
        runs.append((op, "\t" if el.tag == _q("tab") else (el.text or "")))
    return tuple(runs)


def _has_move(p) -> bool:
    return any(True for _ in p.iter(_q("moveFrom"), _q("moveTo")))


class _CommentSpans:
    """Where each comment starts and ends, counted in paragraphs of the walk."""

    def __init__(self):
        self.start: dict[str, int] = {}
        self.end: dict[str, int] = {}

    def note(self, element, position: int) -> None:
        for el in element.iter(*_COMMENT_STARTS, *_COMMENT_ENDS):
            cid = el.get(_q("id"))
            if cid is None:
                continue
            if el.tag in _COMMENT_STARTS:
                self.start.setdefault(cid, position)
            else:
                self.end[cid] = max(self.end.get(cid, position), position)


def tracked_paragraphs(docx: DocxFile) -> list[TrackedParagraph]:
    """The file's paragraphs in order, with tracked runs, heading flag and anchored comments.

    Body paragraphs come from `read_paragraphs` (a tracked move is read as a deletion where the
    text left and an insertion where it arrived); paragraphs in tables, content controls,
    headers, footers and notes are included only when they carry a change or a comment, so
    that those can be reported. A comment spanning several paragraphs goes to the first of
    them that carries a change (else to the first); a comment anchored nowhere in the file is
    listed last, with the location "unanchored".
    """
    doc_body = body(docx)
    styles = Styles(docx)
    texts = {cid: text for cid, text in comment_texts(docx).items() if text.strip()}
    spans = _CommentSpans()
    walk: list[TrackedParagraph] = []
    paragraphs = iter(read_paragraphs(docx.data))
    index = 0
    for element in doc_body:
        if element.tag == _q("p"):
            para = next(paragraphs)
            index += 1
            runs = _runs_of(element) if _has_move(element) else \
                tuple((op, text) for op, text, _ in para.runs)
            spans.note(element, len(walk))
            walk.append(TrackedParagraph(
                index=index, runs=runs, mark=para.mark,
                heading=heading_level(element, styles, para.style) is not None))
        elif element.tag in (_q("tbl"), _q("sdt")):
            where = "table" if element.tag == _q("tbl") else "content control"
            for p in element.iter(_q("p")):
                spans.note(p, len(walk))
                walk.append(TrackedParagraph(index=0, runs=_runs_of(p), location=where))
        elif element.tag in _COMMENT_STARTS:  # between paragraphs: belongs to the next one
            spans.note(element, len(walk))
        elif element.tag in _COMMENT_ENDS:
            spans.note(element, max(len(walk) - 1, 0))
    for part in sorted(docx.parts):
        if not re.fullmatch(r"word/(header\d*|footer\d*|footnotes|endnotes)\.xml", part):
            continue
        where = "footnote" if "notes" in part else "header or footer"
        for p in read_part(docx, part).iter(_q("p")):
            spans.note(p, len(walk))
            walk.append(TrackedParagraph(index=0, runs=_runs_of(p), location=where))

    attached: dict[int, list[str]] = {}
    for cid, text in texts.items():
        start = spans.start.get(cid, spans.end.get(cid))
        if start is None or start >= len(walk):
            continue
        end = max(spans.end.get(cid, start), start)
        target = next((i for i in range(start, min(end, len(walk) - 1) + 1)
                       if walk[i].changed and walk[i].location == walk[start].location),
                      start)
        attached.setdefault(target, []).append(cid)
    out = []
    for position, para in enumerate(walk):
        comment_ids = sorted(attached.get(position, []), key=_comment_order)
        if comment_ids:
            para = replace(para, comments=tuple(texts[cid] for cid in comment_ids))
        if para.location == "body" or para.changed or para.comments:
            out.append(para)
    claimed = {cid for ids in attached.values() for cid in ids}
    for cid in sorted(set(texts) - claimed, key=_comment_order):
        out.append(TrackedParagraph(index=0, runs=(), location=UNANCHORED,
                                    comments=(texts[cid],)))
    return out


def _comment_order(cid: str):
    return (_int(cid) is None, _int(cid) or 0, cid)
