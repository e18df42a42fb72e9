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
from datetime import datetime, timezone
from itertools import count

from docx import Document as new_word_document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.run import Run as WordRun

from drafting.domain.bidi import is_right_to_left
from drafting.exports.model import ExportDocument, Paragraph, Run

MODE_TITLES = {
    "clean": "Clean text",
    "redline": "Redline",
    "compilation": "Compilation text",
    "disposition": "Disposition table",
}


# What may follow w:bidi inside w:pPr (ECMA-376 CT_PPrBase order), so it goes in the right place.
_AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
               "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _mark_right_to_left(paragraph) -> None:
    """Lay `paragraph` out right to left (w:bidi), once."""
    p_pr = paragraph._p.get_or_add_pPr()
    if p_pr.find(qn("w:bidi")) is None:
        p_pr.insert_element_before(OxmlElement("w:bidi"), *_AFTER_BIDI)


def _set_direction(paragraph, text: str) -> None:
    """Mark a plain paragraph (no tracked changes) and its runs when `text` reads right to left."""
    if is_right_to_left(text):
        _mark_right_to_left(paragraph)
    for run in paragraph.runs:
        if is_right_to_left(run.text):
            run.font.rtl = True


def _iso(moment: datetime | None) -> str:
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Writer:
    def __init__(self, export: ExportDocument):
        self.export = export
        self.word = new_word_document()
        self.ids = count(1)
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
        e = self.export
        marking = self.word.add_paragraph()
        marking.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = marking.add_run(e.classification.upper())
        r.bold = True
        r.font.color.rgb = RGBColor(0xA4, 0x16, 0x1A)
        self.word.add_heading(e.title, level=0)
        rows = [("Document symbol", e.symbol), ("Stage", e.stage), ("Revision", e.revision),
                ("Date", e.date.strftime("%d %B %Y")), ("Text", MODE_TITLES.get(e.mode, e.mode))]
        if e.compared:
            rows.append(("Compared", f"{e.compared[0]} → {e.compared[1]}"))
        if e.fingerprint:
            rows.append(("SHA-256 fingerprint of the endorsed text", e.fingerprint))
        table = self.word.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text = label
            cells[1].text = value
            cells[0].paragraphs[0].runs[0].bold = True
        self.word.add_paragraph()

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
        element.set(qn("w:date"), _iso(date))
        return element

    def _mark_paragraph(self, paragraph, tag: str, author: str, date) -> None:
        """Track the paragraph mark itself, so a whole clause comes or goes with its change."""
        p_pr = paragraph._p.get_or_add_pPr()
        r_pr = p_pr.find(qn("w:rPr"))
        if r_pr is None:
            r_pr = OxmlElement("w:rPr")
            p_pr.append(r_pr)
        r_pr.append(self._change(tag, author, date))

    def _append_run(self, paragraph, run: Run, default_author: str | None, default_date,
                    bold: bool = False):
        if not run.text:
            return None
        right_to_left = is_right_to_left(run.text)
        if run.op == "equal":
            word_run = paragraph.add_run(run.text)
            word_run.bold = bold or None
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

    def clause(self, para: Paragraph) -> None:
        paragraph = self.word.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(8)
        if is_right_to_left("".join(run.text for run in para.runs)):
            _mark_right_to_left(paragraph)
        whole = para.change in ("added", "deleted")
        tag_op = "insert" if para.change == "added" else "delete"
        if whole:
            self._mark_paragraph(paragraph, "w:ins" if para.change == "added" else "w:del",
                                 para.author or "Secretariat", para.date)
        # The number: tracked when the clause comes or goes, or when renumbering changed it.
        if whole:
            self._append_run(paragraph, Run(tag_op, f"{para.number}\t", para.author),
                             para.author, para.date, bold=True)
        elif para.old_number and para.old_number != para.number:
            self._append_run(paragraph, Run("delete", f"{para.old_number}\t", "Secretariat"),
                             None, para.date, bold=True)
            self._append_run(paragraph, Run("insert", f"{para.number}\t", "Secretariat"),
                             None, para.date, bold=True)
        else:
            number = paragraph.add_run(f"{para.number}\t")
            number.bold = True
        commented: list[tuple[WordRun, Run]] = []
        for run in para.runs:
            if whole and run.op == "equal":
                run = Run(tag_op, run.text, para.author, para.author_name, para.date, para.comment)
            word_run = self._append_run(paragraph, run, para.author, para.date)
            if word_run is not None and run.comment:
                commented.append((word_run, run))
        seen: set[str] = set()
        for word_run, run in commented:
            # One comment per proposal and clause, on its first change.
            key = f"{run.author}:{run.comment}"
            if key in seen:
                continue
            seen.add(key)
            self.word.add_comment([word_run], text=run.comment, author=run.author or "Secretariat",
                                  initials=(run.author or "S")[:3])
        if para.note:
            note = self.word.add_paragraph()
            note_run = note.add_run(para.note)
            note_run.italic = True
            note_run.font.size = Pt(9)
            _set_direction(note, para.note)

    # --- bodies -------------------------------------------------------------------------

    def body(self) -> None:
        for section in self.export.sections:
            self.word.add_heading(section.heading, level=1)
            for para in section.paragraphs:
                self.clause(para)

    def summary(self) -> None:
        summary = self.export.summary
        if not summary:
            return
        self.word.add_heading("Summary of changes", level=1)
        for label, value in summary.get("totals", {}).items():
            self.word.add_paragraph(f"{label}: {value}", style="List Bullet")
        by_economy = summary.get("by_economy", {})
        if by_economy:
            table = self.word.add_table(rows=1, cols=2)
            table.style = "Table Grid"
            table.rows[0].cells[0].text = "Economy"
            table.rows[0].cells[1].text = "Changes"
            for name, n in by_economy.items():
                cells = table.add_row().cells
                cells[0].text = name
                cells[1].text = str(n)
        if self.export.legend:
            self.word.add_paragraph("Each tracked change is attributed in Word's Review pane to "
                                    "the economy whose proposal made it, or to the Secretariat.")

    def disposition(self) -> None:
        table = self.word.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, label in zip(table.rows[0].cells,
                               ("Para.", "Text in the base revision", "Proposals and their "
                                "disposition", "Resulting text")):
            cell.text = label
            cell.paragraphs[0].runs[0].bold = True
        for row in self.export.disposition:
            cells = table.add_row().cells
            cells[0].text = row.number
            cells[1].text = row.base_text
            _set_direction(cells[1].paragraphs[0], row.base_text)
            cells[2].text = ""
            first = True
            for p in row.proposals:
                paragraph = cells[2].paragraphs[0] if first else cells[2].add_paragraph()
                first = False
                head = paragraph.add_run(f"{p['economy']} (#{p['id']}, {p['action']}): ")
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
            _set_direction(cells[3].paragraphs[0], row.result_text)

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.word.save(buffer)
        return buffer.getvalue()


def write_docx(export: ExportDocument, *, track_changes_on: bool = False) -> bytes:
    """The export as a .docx file. Redlines turn Track Changes on for the reader."""
    writer = _Writer(export)
    writer.cover()
    if export.mode == "disposition":
        writer.disposition()
    else:
        if export.mode == "redline":
            writer.summary()
        writer.body()
    if track_changes_on or export.mode == "redline":
        settings = writer.word.settings.element
        settings.append(OxmlElement("w:trackRevisions"))
    return writer.bytes()
