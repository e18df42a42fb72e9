"""Word files made at test time: zero drafts (python-docx), exports edited with tracked
changes (docx_writer in redline mode), hand-written WordprocessingML, and broken uploads."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from docx import Document as WordDocument

from drafting.exports.docx_writer import write_docx
from drafting.exports.model import ExportDocument, ExportSection, Paragraph, Run
from drafting.services import reading

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def zero_draft_docx() -> bytes:
    """A zero draft as a secretariat writes it: a classification line, a title, headings,
    numbered paragraphs, an empty paragraph and a cover table."""
    word = WordDocument()
    word.add_paragraph("APEC RESTRICTED")
    word.add_heading("Bangkok Goals on Bio-Circular-Green Economy", level=0)
    table = word.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Symbol"
    table.rows[0].cells[1].text = "2022/SOM3/BCG/DRAFT/001"
    word.add_heading("Preamble", level=1)
    word.add_paragraph("PP1.\tRecognising that climate change poses serious risks to the region;")
    word.add_paragraph("")
    word.add_paragraph("PP2. Recalling the Putrajaya Vision 2040;")
    word.add_heading("Goal 1: Climate action", level=1)
    word.add_paragraph("OP1.\tWe will reduce emissions by 2030 and promote clean energy.")
    word.add_paragraph("OP1bis. We will cooperate on:")
    word.add_paragraph("(a) early warning systems;")
    word.add_heading("Goal 2: Trade", level=2)
    word.add_paragraph("3) We will keep markets open.")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def export_paragraphs(document) -> list[tuple[str, str, str]]:
    """(section heading, display number, text) of the live clauses of a document."""
    view = reading.document_view(document, viewer=None)
    return [(block.section.heading, row.number, row.version.text)
            for block in view.sections for row in block.rows]


def redline_export(document, edits: dict[str, list[Run] | str], *,
                   added_after: dict[str, tuple[str, str, str | None]] | None = None,
                   comments: dict[str, str] | None = None, extra_sections=()) -> bytes:
    """Our own Word export of `document`, as a delegation returns it edited with Track
    Changes: `edits` maps a display number to its tracked runs ("deleted" deletes the
    whole clause); `added_after` maps a number to (new number, text, comment) of a new
    paragraph after it; `comments` puts a comment on a clause's first change."""
    added_after = added_after or {}
    comments = comments or {}
    sections: dict[str, list[Paragraph]] = {}
    for heading, number, text in export_paragraphs(document):
        paras = sections.setdefault(heading, [])
        edit = edits.get(number)
        comment = comments.get(number)
        if edit == "deleted":
            paras.append(Paragraph(number, [Run("equal", text)], change="deleted",
                                   author="AUS", comment=comment))
        elif edit:
            runs = [Run(r.op, r.text, r.author or ("AUS" if r.op != "equal" else None),
                        comment=comment if r.op != "equal" else None) for r in edit]
            paras.append(Paragraph(number, runs, change="changed"))
        else:
            paras.append(Paragraph(number, [Run("equal", text)]))
        if number in added_after:
            new_number, new_text, new_comment = added_after[number]
            paras.append(Paragraph(new_number, [Run("equal", new_text)], change="added",
                                   author="AUS", comment=new_comment))
    export = ExportDocument(
        title=document.title, symbol=document.symbol, stage="Negotiation",
        revision="Current text", date=datetime(2022, 8, 1, tzinfo=timezone.utc),
        classification=document.classification, mode="redline",
        sections=[ExportSection(h, p) for h, p in sections.items()] + list(extra_sections))
    # A delegate's comment on a clause they delete sits in that clause, as Word puts it.
    return write_docx(export, inline_whole_clause_comments=True)


# --- hand-written WordprocessingML ------------------------------------------------------

def p(*parts: str, style: str | None = None, mark: str | None = None) -> str:
    """A w:p: parts are XML fragments made by r()/ins()/dele()/comment_start()/small()."""
    ppr = ""
    if style or mark:
        inner = f'<w:pStyle w:val="{style}"/>' if style else ""
        if mark:
            tag = "w:ins" if mark == "insert" else "w:del"
            inner += f'<w:rPr><{tag} w:id="900" w:author="AUS" w:date="2022-08-01T00:00:00Z"/></w:rPr>'
        ppr = f"<w:pPr>{inner}</w:pPr>"
    return f"<w:p>{ppr}{''.join(parts)}</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def small(text: str, half_points: int = 16) -> str:
    """A run in a given font size (half-points: 16 is 8 pt)."""
    return (f'<w:r><w:rPr><w:sz w:val="{half_points}"/></w:rPr>'
            f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')


def footnote_ref(note_id: int) -> str:
    return (f'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
            f'<w:footnoteReference w:id="{note_id}"/></w:r>')


def tab() -> str:
    return "<w:r><w:tab/></w:r>"


def ins(text: str, author: str = "AUS delegate") -> str:
    return (f'<w:ins w:id="1" w:author="{author}" w:date="2022-08-01T00:00:00Z">'
            f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:ins>')


def dele(text: str, author: str = "AUS delegate") -> str:
    return (f'<w:del w:id="2" w:author="{author}" w:date="2022-08-01T00:00:00Z">'
            f'<w:r><w:delText xml:space="preserve">{escape(text)}</w:delText></w:r></w:del>')


def move(text: str, direction: str) -> str:
    """Word's tracked move: direction "from" (where the text left) or "to"."""
    tag, text_tag = ("w:moveFrom", "w:delText") if direction == "from" else ("w:moveTo", "w:t")
    return (f'<{tag} w:id="3" w:author="AUS delegate" w:date="2022-08-01T00:00:00Z">'
            f'<w:r><{text_tag} xml:space="preserve">{escape(text)}</{text_tag}></w:r></{tag}>')


def comment_start(cid: int) -> str:
    return f'<w:commentRangeStart w:id="{cid}"/>'


def comment_end(cid: int) -> str:
    return (f'<w:commentRangeEnd w:id="{cid}"/>'
            f'<w:r><w:commentReference w:id="{cid}"/></w:r>')


def table(*paragraphs: str) -> str:
    return f"<w:tbl><w:tr><w:tc>{''.join(paragraphs)}</w:tc></w:tr></w:tbl>"


STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="GoalHeading"><w:name w:val="Goal heading"/><w:basedOn w:val="Heading1"/></w:style>
<w:style w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/><w:basedOn w:val="Normal"/><w:rPr><w:sz w:val="20"/></w:rPr></w:style>
</w:styles>"""

# Body text in 11 pt by default (Word's docDefaults), so a run in 8 pt is small.
SIZED_STYLES = STYLES.replace(
    '<w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/></w:style>',
    '<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="22"/></w:rPr></w:rPrDefault>'
    '</w:docDefaults><w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/>'
    '</w:style>')


def notes_part(kind: str, notes: dict[int, str]) -> str:
    """word/footnotes.xml (kind "footnote") or endnotes.xml, with Word's two separators."""
    separators = "".join(
        f'<w:{kind} w:type="{t}" w:id="{i}"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        for i, t in ((-1, "separator"), (0, "continuationSeparator")))
    body = "".join(
        f'<w:{kind} w:id="{nid}">{text if text.startswith("<w:p") else p(r(text))}</w:{kind}>'
        for nid, text in notes.items())
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:{kind}s xmlns:w="{W_NS}">{separators}{body}</w:{kind}s>')


def raw_docx(body: str, comments: dict[int, str] | None = None, *,
             content_types_extra: str = "", styles: str = STYLES,
             extra_parts: dict[str, str] | None = None) -> bytes:
    """A minimal, valid .docx with the given body XML and comments (and `extra_parts`, e.g.
    word/footnotes.xml from `notes_part`)."""
    comments = comments or {}
    content_types = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml{content_types_extra}"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/>
</Types>"""
    rels = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""
    doc_rels = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/>
</Relationships>"""
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>')
    comment_xml = "".join(
        f'<w:comment w:id="{cid}" w:author="AUS delegate" w:initials="AUS">'
        f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:comment>'
        for cid, text in comments.items())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/_rels/document.xml.rels", doc_rels)
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", styles)
        for name, xml in (extra_parts or {}).items():
            archive.writestr(name, xml)
        archive.writestr("word/comments.xml",
                         f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                         f'<w:comments xmlns:w="{W_NS}">{comment_xml}</w:comments>')
    return buffer.getvalue()


# --- bad uploads -----------------------------------------------------------------------

def zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(size: int) -> bytes:
    """A .docx-shaped archive whose document part unpacks to `size` bytes of zeros."""
    return zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * size})


def corrupt_docx() -> bytes:
    """A real .docx with bytes in its document part overwritten (CRC no longer matches)."""
    data = bytearray(raw_docx(p(r("PP1. Recognising the risks;"))))
    offset = data.index(b"word/document.xml") + len("word/document.xml") + 10
    for i in range(offset, offset + 20):
        data[i] ^= 0xFF
    return bytes(data)
