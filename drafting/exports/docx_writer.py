"""Word documents: clean text, redlines with real tracked changes, disposition tables.

Tracked changes are written as OOXML `w:ins` / `w:del` elements whose `w:author` is the
economy (or "Secretariat") and whose `w:date` is the decision time, so Word's Review pane lists
every change by economy and Accept all / Reject all work. Whole inserted or deleted clauses
also mark their paragraph mark as inserted or deleted, so accepting or rejecting removes the
paragraph itself.

Right-to-left text: a paragraph whose text starts (first strong character) in Arabic or Hebrew
gets `w:bidi`, so Word lays it out right to left, and every run whose text starts right to left
gets `w:rtl`, so Word orders its digits and punctuation the Arabic/Hebrew way. Word, unlike a
browser, works out neither on its own.
"""
from __future__ import annotations

import io
from copy import deepcopy
from datetime import datetime, timezone
from itertools import count

from docx import Document as new_word_document
from docx.comments import Comment
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.run import Run as WordRun

from drafting.domain.bidi import is_right_to_left
from drafting.exports.docx_elements import (COMMENT_REFERENCE, COMMENT_SKELETON, RANGE_END,
                                            RANGE_START, W_AUTHOR, W_DATE, W_ID, W_INITIALS,
                                            iso_date, mark_right_to_left, plain_run,
                                            set_direction)
from drafting.exports.model import ExportDocument, Paragraph, Run, unchanged_note

MODE_TITLES = {
    "clean": "Clean text",
    "redline": "Redline",
    "compilation": "Compilation text",
    "disposition": "Disposition table",
}


# Style name → style id in python-docx's default template, found on first use: python-docx
# looks a style up by name among all styles (an XPath search) every time one is applied,
# a fifth of a short document's export.
_STYLE_IDS: dict[str, str | None] = {}


class _Writer:
    def __init__(self, export: ExportDocument, inline_whole_clause_comments: bool = False):
        self.export = export
        self.inline_whole_clause_comments = inline_whole_clause_comments
        self.word = new_word_document()
        self.ids = count(1)
        self.comment_ids: count | None = None  # running w:comment ids, from the first comment
        self.comment_stamp = ""
        # Redlines: comments of whole added/deleted clauses waiting for a kept clause.
        self.orphan_comments: list[tuple[str, str | None]] = []
        self.last_kept_number: WordRun | None = None
        self.blank = self.title_run = None  # set by cover()
        self._style()

    # --- document frame ---------------------------------------------------------------

    def _style(self) -> None:
        normal = self.word.styles["Normal"]
        normal.font.name = "Times New Roman"
        normal.font.size = Pt(12)
        section = self.word.sections[0]
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run(f"{self.export.symbol} · {self.export.revision} · Page ")
        self._field(footer, "PAGE")
        footer.add_run(" of ")
        self._field(footer, "NUMPAGES")
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = header.add_run(self.export.classification.upper())
        run.bold = True
        run.font.size = Pt(9)
        if self.export.mode == "redline" and self.export.compared:
            label = header.add_run(f"  Redline: {self.export.compared[0]} → "
                                   f"{self.export.compared[1]}")
            label.font.size = Pt(9)

    @staticmethod
    def _field(paragraph, instruction: str) -> None:
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), instruction)
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        paragraph._p.append(field)

    def cover(self) -> None:
        """Marking, title and the table of particulars, then one empty paragraph.

        A redline's cover is the clean cover of its target with the source's revision and date
        as tracked changes, so Accept all gives the target's clean cover and Reject all the
        source's. What the redline compares and its summary of changes are a Word comment on
        the title (and the page header), never body text that would outlive Accept all.
        """
        e = self.export
        marking = self.word.add_paragraph()
        marking.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = marking.add_run(e.classification.upper())
        r.bold = True
        r.font.color.rgb = RGBColor(0xA4, 0x16, 0x1A)
        title = self._heading(e.title, level=0)
        redline = e.mode == "redline"
        date = e.date.strftime("%d %B %Y")
        source_date = e.source_date.strftime("%d %B %Y") if e.source_date else date
        rows = [("Document symbol", e.symbol, e.symbol), ("Stage", e.stage, e.stage),
                ("Revision", e.source_revision or e.revision, e.revision),
                ("Date", source_date, date)]
        if e.mode not in ("clean", "redline"):
            rows.append(("Text", *[MODE_TITLES.get(e.mode, e.mode)] * 2))
            if e.compared:
                rows.append(("Compared", *[f"{e.compared[0]} → {e.compared[1]}"] * 2))
        if e.fingerprint:
            rows.append(("SHA-256 fingerprint of the endorsed text", e.fingerprint, e.fingerprint))
        table = self._table(rows=0, cols=2)
        for label, before, after in rows:
            cells = table.add_row().cells
            cells[0].text = label
            cells[0].paragraphs[0].runs[0].bold = True
            if not redline or before == after:
                cells[1].text = after
            else:
                self._append_run(cells[1].paragraphs[0], Run("delete", before), None, e.date)
                self._append_run(cells[1].paragraphs[0], Run("insert", after), None, e.date)
        self.blank = self.word.add_paragraph()
        self.title_run = title.runs[0]
        if redline and (e.compared or e.summary):
            self._summary_comment(self.title_run)

    def _summary_comment(self, anchor: WordRun) -> None:
        lines = [f"Redline: {self.export.compared[0]} → {self.export.compared[1]}."
                 if self.export.compared else "Redline."]
        summary = self.export.summary or {}
        if summary:
            lines.append("Summary of changes")
            lines += [f"{label}: {value}" for label, value in summary.get("totals", {}).items()]
            by_economy = summary.get("by_economy", {})
            if by_economy:
                lines.append("Changes by economy: " + "; ".join(
                    f"{name}: {n}" for name, n in by_economy.items()))
        lines.append("Each tracked change is attributed in Word's Review pane to the economy "
                     "whose proposal made it, or to the Secretariat.")
        comment = self._comment(anchor, lines[0], "Secretariat", "S")
        for line in lines[1:]:
            comment.add_paragraph(line)

    def _heading(self, text: str, level: int = 1):
        """`add_heading(text, level)`, with the style id looked up once per process (see
        `_style_id`)."""
        name = "Title" if level == 0 else f"Heading {level}"
        style_id = _STYLE_IDS.get(name)
        if style_id is None:
            paragraph = self.word.add_heading(text, level)
            _STYLE_IDS[name] = paragraph._p.style
            return paragraph
        paragraph = self.word.add_paragraph(text)
        paragraph._p.style = style_id
        return paragraph

    def _table(self, rows: int, cols: int):
        """`add_table` in the "Table Grid" style, its id looked up once per process."""
        table = self.word.add_table(rows=rows, cols=cols)
        style_id = _STYLE_IDS.get("Table Grid")
        if style_id is None:
            table.style = "Table Grid"
            _STYLE_IDS["Table Grid"] = table._tbl.tblStyle_val
        else:
            table._tbl.tblStyle_val = style_id
        return table

    def _comment(self, anchor: WordRun, text: str, author: str, initials: str) -> Comment:
        """What `Document.add_comment([anchor], text=…, author=…, initials=…)` writes, built
        from copies of ready elements with a running comment id: python-docx finds the next
        id by reading every comment's id (quadratic over a redline's hundreds of comments)
        and builds each element through its generic machinery."""
        comments = self.word.comments  # creates the comments part on first use
        elements = comments._comments_elm
        if self.comment_ids is None:
            self.comment_ids = count(elements._next_available_comment_id())
            self.comment_stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        comment_id = str(next(self.comment_ids))
        element = deepcopy(COMMENT_SKELETON)
        element.set(W_ID, comment_id)
        element.set(W_AUTHOR, author)
        element.set(W_INITIALS, initials)
        element.set(W_DATE, self.comment_stamp)
        elements.append(element)
        comment = Comment(element, comments._comments_part)
        first, *rest = text.split("\n")
        if first or rest:
            plain_run(comment.paragraphs[0], first)
            for line in rest:
                comment.add_paragraph(text=line)
        start, end, reference = deepcopy(RANGE_START), deepcopy(RANGE_END), deepcopy(COMMENT_REFERENCE)
        start.set(W_ID, comment_id)
        end.set(W_ID, comment_id)
        reference[-1].set(W_ID, comment_id)
        anchor._r.addprevious(start)
        anchor._r.addnext(reference)
        anchor._r.addnext(end)
        return comment

    # --- tracked changes ----------------------------------------------------------------

    def _text_run(self, text: str, deleted: bool = False):
        run = OxmlElement("w:r")
        element = OxmlElement("w:delText" if deleted else "w:t")
        element.set(qn("xml:space"), "preserve")
        element.text = text
        run.append(element)
        return run

    def _change(self, tag: str, author: str, date: datetime | None):
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(next(self.ids)))
        element.set(qn("w:author"), author)
        element.set(qn("w:date"), iso_date(date))
        return element

    def _mark_paragraph(self, paragraph, tag: str, author: str, date) -> None:
        """Track the paragraph mark itself, so a whole clause comes or goes with its change."""
        p_pr = paragraph._p.get_or_add_pPr()
        r_pr = p_pr.find(qn("w:rPr"))
        if r_pr is None:
            r_pr = OxmlElement("w:rPr")
            p_pr.append(r_pr)
        r_pr.append(self._change(tag, author, date))

    def tracked_heading(self, heading: str, change: str, author: str, date):
        """A section heading; one that comes or goes with its clauses is tracked whole."""
        if change == "unchanged":
            return self._heading(heading)
        paragraph = self._heading("")
        self._mark_paragraph(paragraph, "w:ins" if change == "added" else "w:del", author, date)
        self._append_run(paragraph, Run("insert" if change == "added" else "delete", heading),
                         author, date)
        return paragraph

    def _append_run(self, paragraph, run: Run, default_author: str | None, default_date,
                    bold: bool = False):
        if not run.text:
            return None
        right_to_left = is_right_to_left(run.text)
        if run.op == "equal":
            word_run = plain_run(paragraph, run.text)
            if bold:
                word_run.bold = True
            if right_to_left:
                word_run.font.rtl = True
            return None
        author = run.author or default_author or "Secretariat"
        wrapper = self._change("w:ins" if run.op == "insert" else "w:del", author,
                               run.date or default_date)
        r = self._text_run(run.text, deleted=run.op == "delete")
        wrapper.append(r)
        paragraph._p.append(wrapper)
        word_run = WordRun(r, paragraph)
        if bold:
            word_run.bold = True
        if right_to_left:
            word_run.font.rtl = True
        return word_run

    def clause(self, para: Paragraph):
        paragraph = self.word.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(8)
        if is_right_to_left("".join(run.text for run in para.runs)):
            mark_right_to_left(paragraph)
        whole = para.change in ("added", "deleted")
        tag_op = "insert" if para.change == "added" else "delete"
        if whole:
            self._mark_paragraph(paragraph, "w:ins" if para.change == "added" else "w:del",
                                 para.author or "Secretariat", para.date)
        # The number: tracked when the clause comes or goes, or when renumbering changed it.
        if whole:
            number = self._append_run(paragraph, Run(tag_op, f"{para.number}\t", para.author),
                                      para.author, para.date, bold=True)
        elif para.old_number and para.old_number != para.number:
            self._append_run(paragraph, Run("delete", f"{para.old_number}\t", "Secretariat"),
                             None, para.date, bold=True)
            number = self._append_run(paragraph, Run("insert", f"{para.number}\t",
                                                     "Secretariat"), None, para.date, bold=True)
        else:
            number = paragraph.add_run(f"{para.number}\t")
            number.bold = True
        if para.formerly:
            formerly = paragraph.add_run(f"(formerly {para.formerly}) ")
            formerly.italic = True
        commented: list[tuple[WordRun, Run]] = []
        for run in para.runs:
            if whole and run.op == "equal":
                run = Run(tag_op, run.text, para.author, para.author_name, para.date, para.comment)
            word_run = self._append_run(paragraph, run, para.author, para.date)
            if word_run is not None and run.comment:
                commented.append((word_run, run))
        if whole and self.export.mode == "redline" and not self.inline_whole_clause_comments:
            # A comment anchored in a clause that Accept all (Reject all) removes keeps the
            # paragraph alive in LibreOffice, which then joins the next one into it (a heading
            # loses its style): the comment goes on the next clause kept in both texts.
            label = "added" if para.change == "added" else "deleted"
            self.orphan_comments += [(f"{para.number} ({label}): {run.comment}", run.author)
                                     for _word_run, run in commented]
            commented = []
        elif self.orphan_comments:
            commented = [(number, Run("equal", "", author, comment=text))
                         for text, author in self.orphan_comments] + commented
            self.orphan_comments = []
        if not whole:
            self.last_kept_number = number
        seen: set[str] = set()
        for word_run, run in commented:
            # One comment per proposal and clause, on its first change.
            key = f"{run.author}:{run.comment}"
            if key in seen:
                continue
            seen.add(key)
            self._comment(word_run, run.comment, run.author or "Secretariat",
                          (run.author or "S")[:3])
        if para.note:
            note = self.word.add_paragraph()
            note_run = note.add_run(para.note)
            note_run.italic = True
            note_run.font.size = Pt(9)
            set_direction(note, para.note)
        return paragraph

    # --- bodies -------------------------------------------------------------------------

    def body(self) -> None:
        if self.export.mode == "redline":
            settle_redline_tail(self, [(self.blank, "unchanged")] + [
                (paragraph, change) for paragraph, change in self._redline_paragraphs()])
            anchor = self.last_kept_number or self.title_run
            seen: set[str] = set()
            for text, author in self.orphan_comments:  # no kept clause after them
                if text not in seen:
                    seen.add(text)
                    self._comment(anchor, text, author or "Secretariat", (author or "S")[:3])
            return
        for section in self.export.sections:
            self._heading(section.heading)
            for para in section.paragraphs:
                self.clause(para)

    def _redline_paragraphs(self):
        """(Word paragraph, change) for every heading and clause of a redline, in order."""
        for section in self.export.sections:
            first = section.paragraphs[0]
            yield self.tracked_heading(section.heading, section.change,
                                       first.author or "Secretariat", first.date), section.change
            for para in section.paragraphs:
                yield self.clause(para), para.change

    def disposition(self) -> None:
        # Four columns of running text read better across the page: landscape.
        section = self.word.sections[0]
        if section.page_width < section.page_height:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = section.page_height, section.page_width
        if self.export.unchanged_left_out:
            self.word.add_paragraph(unchanged_note(self.export.unchanged_left_out)).runs[0] \
                .italic = True
        table = self._table(rows=1, cols=4)
        for cell, label in zip(table.rows[0].cells,
                               ("Para.", "Text in the base revision", "Proposals and their "
                                "disposition", "Resulting text")):
            cell.text = label
            cell.paragraphs[0].runs[0].bold = True
        for row in self.export.disposition:
            cells = table.add_row().cells
            cells[0].text = row.number
            cells[1].text = row.base_text
            set_direction(cells[1].paragraphs[0], row.base_text)
            cells[2].text = ""
            first = True
            for p in row.proposals:
                paragraph = cells[2].paragraphs[0] if first else cells[2].add_paragraph()
                first = False
                head = paragraph.add_run(f"{p['economy']} ({p['action']}): ")
                head.bold = True
                proposed = paragraph.add_run(p["text"] or "—")
                if is_right_to_left(proposed.text):
                    proposed.font.rtl = True
                outcome = cells[2].add_paragraph()
                outcome.add_run(f"→ {p['outcome']}").italic = True
                if p.get("reason"):
                    outcome.add_run(f" — {p['reason']}")
            if first:
                cells[2].text = "No proposals."
            cells[3].text = row.result_text
            set_direction(cells[3].paragraphs[0], row.result_text)

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.word.save(buffer)
        return buffer.getvalue()


def _tracked_mark(paragraph):
    """The w:ins / w:del element tracking a paragraph's mark, or None."""
    r_pr = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:rPr')}")
    if r_pr is None:
        return None
    return next((el for el in r_pr if el.tag in (qn("w:ins"), qn("w:del"))), None)


def settle_redline_tail(writer: _Writer, paragraphs: list) -> None:
    """Make the last paragraphs of a redline resolve without a stray empty paragraph.

    `paragraphs` is [(Word paragraph, change)], the cover's empty paragraph first. A whole
    added or deleted paragraph is tracked with its mark, and when its mark goes, Word and
    LibreOffice join what is left to the following paragraph, which keeps its own style. The
    last paragraph of a document has no following one and its mark cannot go, so after the
    last paragraph present in both texts (`kept`):
    - only deleted (or only added) paragraphs: `kept` gives up its mark instead of the last
      paragraph, so on Accept (Reject) its text joins the last paragraph's mark;
    - both: the last deleted and the last added clause become one paragraph (deleted text,
      inserted text, an untracked mark), like a changed clause; each side keeps its order.
    """
    kept = max(i for i, (_p, change) in enumerate(paragraphs) if change in ("unchanged",
                                                                            "changed"))
    tail = paragraphs[kept + 1:]
    if not tail:
        return
    last = tail[-1][0]
    mark = _tracked_mark(last)
    author, date = mark.get(qn("w:author")), mark.get(qn("w:date"))
    mark.getparent().remove(mark)
    added = [p for p, change in tail if change == "added"]
    deleted = [p for p, change in tail if change == "deleted"]
    if added and deleted:
        other = deleted[-1] if last is added[-1] else added[-1]
        moved = [child for child in other._p if child.tag != qn("w:pPr")]
        if other is deleted[-1]:  # deleted text first, as in a changed clause
            first_run = next((i for i, child in enumerate(last._p) if child.tag != qn("w:pPr")),
                             len(last._p))
            for offset, child in enumerate(moved):
                last._p.insert(first_run + offset, child)
        else:
            last._p.extend(moved)
        other._p.getparent().remove(other._p)
        return
    keeper = paragraphs[kept][0]
    tag = "w:ins" if added else "w:del"
    p_pr = keeper._p.get_or_add_pPr()
    r_pr = p_pr.find(qn("w:rPr"))
    if r_pr is None:
        r_pr = OxmlElement("w:rPr")
        p_pr.append(r_pr)
    change = writer._change(tag, author, None)
    change.set(qn("w:date"), date)  # the moved mark's own author and date
    r_pr.append(change)


def write_docx(export: ExportDocument, *, track_changes_on: bool = False,
               inline_whole_clause_comments: bool = False) -> bytes:
    """The export as a .docx file. Redlines turn Track Changes on for the reader.

    `inline_whole_clause_comments` anchors a comment on a whole added or deleted clause inside
    that clause, as Word does when a delegate comments on a clause they delete (the import
    tests model edited files so); our redlines put it on the next kept clause instead, which
    keeps Accept all / Reject all exact in LibreOffice.
    """
    writer = _Writer(export, inline_whole_clause_comments)
    writer.cover()
    if export.mode == "disposition":
        writer.disposition()
    else:
        writer.body()
    if track_changes_on or export.mode == "redline":
        settings = writer.word.settings.element
        settings.append(OxmlElement("w:trackRevisions"))
    return writer.bytes()
