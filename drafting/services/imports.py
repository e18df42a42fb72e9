"""Imports: a secretariat's zero draft (Word or pasted Markdown), a delegation's tracked changes.

Every uploaded file goes through `read_docx_upload` first: size, zip structure, zip-bomb and
Word-structure checks in one place. The splitting and mapping rules themselves are pure and
live in drafting/domain/draft_parsing.py; this module reads the Word XML, checks permissions
and state, and writes.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath

from lxml import etree
from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain.draft_parsing import (CurrentClause, ParsedDraft, PlannedProposal,
                                           SourceParagraph, TrackedParagraph, UnmappedChange,
                                           build_draft, draft_problems, map_tracked_paragraphs,
                                           parse_markdown)
from drafting.domain.errors import Conflict, DomainError, InvalidInput
from drafting.domain.states import (ClauseStatus, ProposalAction, ProposalStatus, SectionKind,
                                    Stage)
from drafting.exports.docx_reading import read_paragraphs
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document, Proposal, Section
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import ensure_accepts_proposals
from drafting.services.policy import Action, authorize
from drafting.services.proposals import submit_proposal
from drafting.services.reading import clause_rows, display_numbers

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a statement in Word is a few hundred kB
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # real Word parts compress 3–15×
RATIO_CHECK_MIN_BYTES = 64 * 1024  # tiny parts cannot hurt whatever their ratio
MAX_ARCHIVE_ENTRIES = 2_000
MAX_MARKDOWN_CHARS = 1_000_000

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


class UploadTooLarge(DomainError):
    status = 413
    code = "upload_too_large"


# --- the one gate for uploaded Word files ----------------------------------------------

@dataclass(frozen=True)
class DocxFile:
    """An uploaded file that passed `read_docx_upload`."""

    data: bytes
    filename: str
    parts: frozenset[str]


def safe_filename(filename: str | None) -> str:
    """The file's base name, fit to quote in a rationale ("Imported from AUS edits.docx")."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C").strip()
    return name[:120] or "upload.docx"


def read_docx_upload(data: bytes, filename: str | None = None, *,
                     max_bytes: int = MAX_UPLOAD_BYTES) -> DocxFile:
    """Check that `data` is a Word .docx file safe to open; return it, or raise saying why.

    Refuses (nothing is read further): an empty or oversized upload (413), a name that is
    not .docx, anything that is not a zip archive, a damaged archive, an archive without the
    parts every Word document has, a macro-enabled document, an encrypted part, and zip bombs
    (more than MAX_UNCOMPRESSED_BYTES unpacked, or a part compressed more than
    MAX_COMPRESSION_RATIO times).
    """
    name = safe_filename(filename)
    if not data:
        raise InvalidInput("The uploaded file is empty.", code="empty_upload")
    if len(data) > max_bytes:
        raise UploadTooLarge(f"The file is {len(data) / 1048576:.1f} MB; files up to "
                             f"{max_bytes / 1048576:.0f} MB can be imported.",
                             details={"max_bytes": max_bytes})
    if filename and not name.lower().endswith(".docx"):
        hint = " Open it in Word and save it as “Word Document (.docx)” first." \
            if name.lower().endswith((".doc", ".rtf", ".odt", ".docm")) else ""
        raise InvalidInput(f"“{name}” is not a Word .docx file: only .docx files can be "
                           f"imported.{hint}", code="not_docx")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data[:4] == b"PK\x03\x04":
            raise InvalidInput(f"“{name}” is damaged and cannot be opened (the archive is "
                               "truncated or corrupt).", code="corrupt_docx")
        raise InvalidInput(f"“{name}” is not a Word .docx file (its content is not a Word "
                           "document, whatever its name says).", code="not_docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _refuse_bombs(name, infos)
            parts = frozenset(info.filename for info in infos)
            missing = [p for p in ("[Content_Types].xml", "word/document.xml") if p not in parts]
            if missing:
                raise InvalidInput(f"“{name}” is a zip archive but not a Word document (it has "
                                   f"no {' and no '.join(missing)}).", code="not_docx")
            content_types = archive.read("[Content_Types].xml")
            if b"macroEnabled" in content_types:
                raise InvalidInput(f"“{name}” is a macro-enabled document; save it as a plain "
                                   "Word Document (.docx) first.", code="not_docx")
            broken = archive.testzip()  # reads every part: sizes are bounded above
            if broken is not None:
                raise InvalidInput(f"“{name}” is damaged (the part {broken} is corrupt).",
                                   code="corrupt_docx")
            _parse_xml(archive.read("word/document.xml"), name, "word/document.xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
            OSError, NotImplementedError, RuntimeError) as error:
        raise InvalidInput(f"“{name}” is damaged and cannot be opened ({error}).",
                           code="corrupt_docx") from None
    return DocxFile(data=data, filename=name, parts=parts)


def _refuse_bombs(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ARCHIVE_ENTRIES:
        raise InvalidInput(f"“{name}” holds {len(infos):,} parts; a Word document has a few "
                           "dozen. It was not opened.", code="suspicious_archive")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise InvalidInput(f"“{name}” would unpack to {total / 1048576:,.0f} MB (at most "
                           f"{MAX_UNCOMPRESSED_BYTES / 1048576:.0f} MB are accepted). It was "
                           "not opened.", code="suspicious_archive")
    for info in infos:
        if info.flag_bits & 0x1:
            raise InvalidInput(f"“{name}” is password-protected; remove the protection and "
                               "upload it again.", code="encrypted_docx")
        if info.file_size >= RATIO_CHECK_MIN_BYTES and \
                info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise InvalidInput(f"“{name}” looks like a zip bomb (its part {info.filename} is "
                               f"compressed {info.file_size // max(info.compress_size, 1):,} "
                               "times). It was not opened.", code="suspicious_archive")


_PARSER = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _parse_xml(xml: bytes, name: str, part: str):
    try:
        return etree.fromstring(xml, etree.XMLParser(**_PARSER))
    except etree.XMLSyntaxError as error:
        raise InvalidInput(f"“{name}” is damaged: {part} is not valid XML ({error}).",
                           code="corrupt_docx") from None


def _part(docx: DocxFile, part: str):
    if part not in docx.parts:
        return None
    with zipfile.ZipFile(io.BytesIO(docx.data)) as archive:
        return _parse_xml(archive.read(part), docx.filename, part)


# --- Word structure --------------------------------------------------------------------

def _style_levels(docx: DocxFile):
    """A function: paragraph style id → heading level (0 Title/Subtitle, 1… Heading n), or None.

    Follows the style's name, its outline level and the style it is based on, so a custom
    "Goal heading" based on "Heading 2" is a heading too.
    """
    root = _part(docx, "word/styles.xml")
    styles: dict[str, tuple[str, int | None, str | None]] = {}
    if root is not None:
        for style in root.iterfind(_q("style")):
            if style.get(_q("type")) != "paragraph":
                continue
            name_el = style.find(_q("name"))
            outline = style.find(f"{_q('pPr')}/{_q('outlineLvl')}")
            based = style.find(_q("basedOn"))
            styles[style.get(_q("styleId")) or ""] = (
                (name_el.get(_q("val")) if name_el is not None else "") or "",
                _int(outline.get(_q("val"))) if outline is not None else None,
                based.get(_q("val")) if based is not None else None,
            )

    def level(style_id: str | None, depth: int = 0) -> int | None:
        if not style_id:
            return None
        name, outline, based = styles.get(style_id, (style_id, None, None))
        for candidate in (name, style_id):
            lowered = candidate.lower().replace(" ", "")
            if lowered in ("title", "subtitle"):
                return 0
            match = re.fullmatch(r"heading(\d)", lowered)
            if match:
                return int(match.group(1))
        if outline is not None and outline < 9:
            return outline + 1
        if based and depth < 10:
            return level(based, depth + 1)
        return None

    return level


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _body(docx: DocxFile):
    body = _part(docx, "word/document.xml").find(_q("body"))
    if body is None:
        raise InvalidInput(f"“{docx.filename}” has no document body.", code="corrupt_docx")
    return body


def _heading_level(p, style_level, style: str | None) -> int | None:
    outline = p.find(f"{_q('pPr')}/{_q('outlineLvl')}")
    if outline is not None and (value := _int(outline.get(_q("val")))) is not None and value < 9:
        return value + 1
    return style_level(style)


def draft_from_docx(docx: DocxFile) -> ParsedDraft:
    """A zero draft's sections and clauses from its Word headings and paragraphs."""
    body = _body(docx)
    levels = _style_levels(docx)
    elements = list(body.iterfind(_q("p")))
    paragraphs = read_paragraphs(docx.data)
    sources = [SourceParagraph(para.text(accept=True),
                               _heading_level(p, levels, para.style))
               for p, para in zip(elements, paragraphs, strict=True)]
    draft = build_draft(sources)
    tables = len(body.findall(_q("tbl")))
    if tables:
        draft.notes.append(f"{tables} table{'s' if tables > 1 else ''} in the file "
                           f"{'were' if tables > 1 else 'was'} left out (clauses are paragraphs).")
    if any(op != "equal" or para.mark for para in paragraphs for op, _, _ in para.runs):
        draft.notes.append("The file has tracked changes: the text was read as if all of them "
                           "were accepted.")
    if "word/comments.xml" in docx.parts and _comment_texts(docx):
        draft.notes.append("Word comments in the file were not imported.")
    return draft


def _comment_texts(docx: DocxFile) -> dict[str, str]:
    root = _part(docx, "word/comments.xml")
    if root is None:
        return {}
    texts = {}
    for comment in root.iterfind(_q("comment")):
        paragraphs = ["".join(t.text or "" for t in p.iter(_q("t")))
                      for p in comment.iter(_q("p"))]
        texts[comment.get(_q("id")) or ""] = "\n".join(p for p in paragraphs if p.strip())
    return texts


def _comment_ids(element) -> list[str]:
    ids = []
    for el in element.iter(_q("commentRangeStart"), _q("commentReference")):
        cid = el.get(_q("id"))
        if cid is not None and cid not in ids:
            ids.append(cid)
    return ids


_INSERTED = ("ins", "moveTo")
_DELETED = ("del", "moveFrom")


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


def tracked_paragraphs(docx: DocxFile) -> list[TrackedParagraph]:
    """The file's paragraphs in order, with tracked runs, heading flag and anchored comments.

    Body paragraphs come from `read_paragraphs` (a tracked move is read as a deletion where the
    text left and an insertion where it arrived); paragraphs in tables, content controls,
    headers, footers and notes are included only when they carry a change or a comment, so
    that those can be reported.
    """
    body = _body(docx)
    levels = _style_levels(docx)
    comment_texts = _comment_texts(docx)
    claimed: set[str] = set()

    def comments_in(element) -> tuple[str, ...]:
        found = []
        for cid in _comment_ids(element):
            if cid in claimed or not comment_texts.get(cid, "").strip():
                continue
            claimed.add(cid)
            found.append(comment_texts[cid])
        return tuple(found)

    paragraphs = iter(read_paragraphs(docx.data))
    out: list[TrackedParagraph] = []
    index = 0
    for element in body:
        if element.tag == _q("p"):
            para = next(paragraphs)
            index += 1
            runs = _runs_of(element) if _has_move(element) else \
                tuple((op, text) for op, text, _ in para.runs)
            out.append(TrackedParagraph(
                index=index, runs=runs,
                mark=para.mark,
                heading=_heading_level(element, levels, para.style) is not None,
                comments=comments_in(element)))
        elif element.tag in (_q("tbl"), _q("sdt")):
            where = "table" if element.tag == _q("tbl") else "content control"
            for p in element.iter(_q("p")):
                runs = _runs_of(p)
                extra = TrackedParagraph(index=0, runs=runs, location=where,
                                         comments=comments_in(p))
                if extra.changed or extra.comments:
                    out.append(extra)
    for part in sorted(docx.parts):
        if not re.fullmatch(r"word/(header\d*|footer\d*|footnotes|endnotes)\.xml", part):
            continue
        where = "footnote" if "notes" in part else "header or footer"
        for p in _part(docx, part).iter(_q("p")):
            extra = TrackedParagraph(index=0, runs=_runs_of(p), location=where)
            if extra.changed:
                out.append(extra)
    return out


# --- zero draft ------------------------------------------------------------------------

def read_zero_draft(actor, *, docx: DocxFile | None = None,
                    markdown: str | None = None) -> ParsedDraft:
    """The split of a zero draft, for the preview (nothing is saved)."""
    authorize(actor, Action.ISSUE_REVISION)
    if docx is not None:
        return draft_from_docx(docx)
    if markdown is None or not markdown.strip():
        raise InvalidInput("Upload a Word .docx file or paste the text of the draft.",
                           code="no_source", details={"field": "markdown"})
    if len(markdown) > MAX_MARKDOWN_CHARS:
        raise UploadTooLarge(f"The pasted text has {len(markdown):,} characters; at most "
                             f"{MAX_MARKDOWN_CHARS:,} can be imported.")
    return parse_markdown(markdown)


def documents_with_symbol(symbol: str) -> list[Document]:
    symbol = " ".join((symbol or "").split())
    if not symbol:
        return []
    return list(db.session.execute(
        select(Document).where(Document.symbol == symbol).order_by(Document.id)).scalars())


def import_zero_draft(actor, draft: ParsedDraft, *, title: str, symbol: str,
                      classification: str = "", kinds: list | None = None, source: str = "",
                      filename: str = "", now: datetime | None = None) -> Document:
    """Create a document at the zero-draft stage from a parsed draft; return it.

    The host is the secretariat's economy. `kinds` (one per section) overrides the
    preambular/operative guess. Raises PermissionDenied unless the actor is the secretariat,
    InvalidInput (422) for a draft with no clause or a bad field.
    """
    authorize(actor, Action.ISSUE_REVISION)
    if actor.economy_id is None:
        raise InvalidInput("Your account belongs to no economy, so the document would have "
                           "no host economy.", code="no_host")
    title = text_rules.clean_text(title or draft.title or "", field="title", max_chars=300,
                                  single_paragraph=True)
    symbol = text_rules.clean_text(symbol, field="symbol", max_chars=120, single_paragraph=True)
    classification = text_rules.clean_text(classification, field="classification",
                                           max_chars=200, required=False,
                                           single_paragraph=True)
    if kinds is not None:
        if len(kinds) != len(draft.sections):
            raise InvalidInput("Give one kind (preamble or operative) per section.",
                               details={"field": "kind"})
        try:
            for section, kind in zip(draft.sections, kinds):
                section.kind = SectionKind(kind)
        except ValueError:
            raise InvalidInput("A section's kind must be preamble or operative.",
                               details={"field": "kind"}) from None
    if draft.clause_count == 0:
        raise InvalidInput(draft_problems(draft)[0], code="no_clauses")
    problems = draft_problems(draft)
    if problems:
        raise InvalidInput("The draft cannot be imported: " + " ".join(problems),
                           code="invalid_draft", details={"problems": problems})
    now = now or utcnow()
    document = Document(title=title, symbol=symbol, classification=classification,
                        stage=Stage.ZERO_DRAFT, host_economy_id=actor.economy_id,
                        created_at=now)
    db.session.add(document)
    db.session.flush()
    position = 0
    for section_position, spec in enumerate(draft.sections, start=1):
        section = Section(document_id=document.id, position=section_position, kind=spec.kind,
                          heading=text_rules.clean_text(spec.heading, field="heading",
                                                        max_chars=300, single_paragraph=True))
        db.session.add(section)
        db.session.flush()
        for clause_spec in spec.clauses:
            position += 1
            clause = Clause(document_id=document.id, section_id=section.id, position=position,
                            version=1, status=ClauseStatus.OPEN, created_at=now)
            db.session.add(clause)
            db.session.flush()
            db.session.add(ClauseVersion(clause_id=clause.id, number=1,
                                         text=text_rules.clause_text(clause_spec.text),
                                         created_by_id=actor.id, created_at=now,
                                         note="Zero draft"))
    db.session.flush()
    record_event("document.imported", actor, document_id=document.id, title=title,
                 symbol=symbol, source=source, filename=filename,
                 sections=len(draft.sections), clauses=position)
    return document


# --- a delegation's tracked changes ----------------------------------------------------

@dataclass
class ChangesPlan:
    """What an uploaded tracked-changes file would become. Nothing is saved."""

    filename: str
    proposals: list[PlannedProposal]
    unmapped: list[UnmappedChange]
    problems: dict[int, str] = field(default_factory=dict)  # proposal index → why refused


def _current_clauses(document: Document) -> list[CurrentClause]:
    rows = clause_rows(document)
    numbers = display_numbers(document, rows)
    return [CurrentClause(clause.id, numbers[clause.id], version.text, clause.version,
                          clause.issued_number)
            for clause, version in rows if not version.removed and clause.id in numbers]


def plan_tracked_changes(actor, document: Document, docx: DocxFile, *,
                         now: datetime | None = None) -> ChangesPlan:
    """Read a delegation's Word file and say which proposals its tracked changes make."""
    authorize(actor, Action.PROPOSE, document)
    ensure_accepts_proposals(document, now=now)
    planned, unmapped = map_tracked_paragraphs(tracked_paragraphs(docx),
                                               _current_clauses(document))
    for item in planned:
        if not item.rationale.strip():
            item.rationale = f"Imported from {docx.filename}."
    return ChangesPlan(docx.filename, planned, unmapped,
                       planned_problems(actor, document, planned))


def planned_problems(actor, document: Document, items: list[PlannedProposal]
                     ) -> dict[int, str]:
    """Why each planned proposal would be refused (index → reason); empty when all can go."""
    return {i: error.message for i, error in _planned_errors(actor, document, items).items()}


def _planned_errors(actor, document: Document, items: list[PlannedProposal]
                    ) -> dict[int, DomainError]:
    clauses = {c.id: (c, v) for c, v in clause_rows(document)}
    numbers = display_numbers(document, list(clauses.values()))
    errors: dict[int, DomainError] = {}
    seen: dict[tuple, int] = {}
    for index, item in enumerate(items):
        try:
            _check_item(actor, document, item, clauses, numbers)
            key = (item.action, item.clause_id, item.after_clause_id, " ".join(item.text.split()))
            if key in seen:
                raise InvalidInput(f"the same change is made by paragraph "
                                   f"{items[seen[key]].paragraph} of the file")
            seen[key] = index
        except DomainError as error:
            errors[index] = error
    return errors


def _check_item(actor, document, item: PlannedProposal, clauses, numbers) -> None:
    try:
        action = ProposalAction(item.action)
    except ValueError:
        raise InvalidInput("unknown action") from None
    target_id = item.after_clause_id if action is ProposalAction.INSERT else item.clause_id
    found = clauses.get(target_id)
    if found is None:
        raise InvalidInput("the clause is not in this document")
    clause, version = found
    number = numbers.get(clause.id, item.number)
    if version.removed:
        raise Conflict(f"{item.number} has been deleted since the file was read")
    if action is not ProposalAction.INSERT:
        if clause.version != item.base_version:
            raise Conflict(f"{number} has changed since the file was read (version "
                           f"{item.base_version} → {clause.version}); upload the file again")
        if clause.frozen:
            raise Conflict(f"the secretariat has frozen {number}: it takes no new proposals")
    if action is not ProposalAction.DELETE:
        text = text_rules.clause_text(item.text)
        if action is ProposalAction.AMEND and text == version.text:
            raise InvalidInput("the proposed text is identical to the current text")
    else:
        text = ""
    text_rules.rationale_text(item.rationale)
    same = db.session.execute(
        select(Proposal.id).where(
            Proposal.economy_id == actor.economy_id, Proposal.status == ProposalStatus.OPEN,
            Proposal.action == action,
            (Proposal.after_clause_id == clause.id) if action is ProposalAction.INSERT
            else (Proposal.clause_id == clause.id),
            Proposal.text == text)).scalar()
    if same:
        raise Conflict(f"your economy already has the same open proposal (#{same})")


def submit_tracked_changes(actor, document: Document, items: list[PlannedProposal], *,
                           now: datetime | None = None) -> list[Proposal]:
    """Submit the planned proposals for the actor's economy: all of them, or none.

    Every proposal is checked first; if any would be refused, nothing is written and the
    error lists each refusal (409 when the text moved on, else 422).
    """
    authorize(actor, Action.PROPOSE, document)
    ensure_accepts_proposals(document, now=now)
    if not items:
        raise InvalidInput("There is no proposal to submit: choose at least one.",
                           code="nothing_to_submit")
    errors = _planned_errors(actor, document, items)
    if errors:
        listed = [{"paragraph": items[i].paragraph, "proposal": items[i].label,
                   "message": error.message} for i, error in sorted(errors.items())]
        # 409 when the text moved on (or the proposal exists already), else 422.
        error_class = Conflict if any(isinstance(e, Conflict) for e in errors.values()) \
            else InvalidInput
        raise error_class(
            f"{len(errors)} of the {len(items)} proposals cannot be submitted, so none was: "
            + "; ".join(f"{p['proposal']} — {p['message']}" for p in listed) + ".",
            code="import_refused", details={"problems": listed})
    clauses = {c.id: c for c, _ in clause_rows(document)}
    created = []
    for item in items:
        if item.action == ProposalAction.INSERT.value:
            created.append(submit_proposal(actor, document, item.action,
                                           after_clause=clauses[item.after_clause_id],
                                           text=item.text, rationale=item.rationale))
        else:
            created.append(submit_proposal(actor, document, item.action,
                                           clause=clauses[item.clause_id],
                                           text=item.text, rationale=item.rationale))
    return created
