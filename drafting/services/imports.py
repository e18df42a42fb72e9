"""Imports: a secretariat's zero draft (Word or pasted Markdown), a delegation's tracked changes.

Every uploaded file goes through `read_docx_upload` first (infrastructure/word_upload.py): size,
zip structure, zip-bomb and Word-structure checks in one place. services/word_structure.py
reads the Word XML; the splitting and mapping rules are pure and live in
drafting/domain/draft_parsing.py and drafting/domain/tracked_import.py. This module checks
permissions and state, and writes.

Reading an upload or a pasted draft is CPU work in proportion to its size, done by the pure
functions of services/upload_reading.py through `run` — the request's isolation
(drafting/isolation.py: a child process under gevent), or a plain call by default.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain.draft_parsing import ParsedDraft, draft_problems
from drafting.domain.markdown_draft import parse_markdown
from drafting.domain.errors import Conflict, DomainError, InvalidInput
from drafting.domain.states import (ClauseStatus, ProposalAction, ProposalStatus, SectionKind,
                                    Stage)
from drafting.domain.tracked_import import (CurrentClause, CurrentSection, PlannedProposal,
                                            ReportEntry, TrackedImport, UnmappedChange)
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document, Proposal, Section
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import ensure_accepts_proposals
from drafting.services.policy import Action, authorize
from drafting.services.proposals import submit_proposal
from drafting.services.reading import clause_rows, display_numbers
from drafting.services.upload_reading import (tracked_changes_from_upload,
                                              zero_draft_from_upload)
from drafting.infrastructure.word_upload import (MAX_UPLOAD_BYTES, DocxFile,  # noqa: F401 (API)
                                           Upload, UploadTooLarge, read_docx_upload,
                                           safe_filename)

MAX_MARKDOWN_CHARS = 1_000_000
MAX_IMPORTED_PROPOSALS = 500  # one file's tracked changes submitted at once (docs/api.md)
IMPORT_FLUSH_BATCH = 200  # clauses written per round trip when a zero draft is imported
T = TypeVar("T")


def call_here(function: Callable[..., T], *args) -> T:
    """Run the reading in the calling process (the default `run`)."""
    return function(*args)


# --- zero draft ------------------------------------------------------------------------

def read_zero_draft(actor, *, upload: Upload | None = None, markdown: str | None = None,
                    run: Callable[..., ParsedDraft] = call_here) -> ParsedDraft:
    """The split of a zero draft, for the preview (nothing is saved)."""
    authorize(actor, Action.ISSUE_REVISION)
    if upload is not None:
        return run(zero_draft_from_upload, upload)
    if markdown is None or not markdown.strip():
        raise InvalidInput("Upload a Word .docx file or paste the text of the draft.",
                           code="no_source", details={"field": "markdown"})
    if len(markdown) > MAX_MARKDOWN_CHARS:
        raise UploadTooLarge(f"The pasted text has {len(markdown):,} characters; at most "
                             f"{MAX_MARKDOWN_CHARS:,} can be imported.")
    return run(parse_markdown, markdown)


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
    # Lines set aside as "not a clause" are imported only when the secretariat included them;
    # a section left with none is not created.
    kept = [(spec, [c for c in spec.clauses if c.included]) for spec in draft.sections]
    kept = [(spec, clauses) for spec, clauses in kept if clauses]
    # Linked by relationship and flushed in batches: the rows go in as multi-row INSERTs, not
    # two round trips per clause (2,000 clauses cost seconds of a worker's CPU that way), and
    # the database's answer to each batch lets a gevent worker serve its other requests.
    for section_position, (spec, clause_specs) in enumerate(kept, start=1):
        section = Section(document_id=document.id, position=section_position, kind=spec.kind,
                          heading=text_rules.clean_text(spec.heading, field="heading",
                                                        max_chars=300, single_paragraph=True))
        db.session.add(section)
        for clause_spec in clause_specs:
            position += 1
            clause = Clause(document_id=document.id, section=section, position=position,
                            version=1, status=ClauseStatus.OPEN, created_at=now)
            db.session.add(clause)
            db.session.add(ClauseVersion(clause=clause, number=1,
                                         text=text_rules.clause_text(clause_spec.text),
                                         created_by_id=actor.id, created_at=now,
                                         note="Zero draft"))
            if position % IMPORT_FLUSH_BATCH == 0:
                db.session.flush()
    db.session.flush()
    record_event("document.imported", actor, document_id=document.id, title=title,
                 symbol=symbol, source=source, filename=filename,
                 sections=len(kept), clauses=position,
                 set_aside=sum(not c.included for s in draft.sections for c in s.clauses))
    return document


# --- a delegation's tracked changes ----------------------------------------------------

@dataclass
class ChangesPlan:
    """What an uploaded tracked-changes file would become. Nothing is saved."""

    filename: str
    proposals: list[PlannedProposal]
    unmapped: list[UnmappedChange]
    problems: dict[int, str] = field(default_factory=dict)  # proposal index → why refused
    # Every tracked change and comment of the file, and what became of it.
    report: list[ReportEntry] = field(default_factory=list)


def _current_text(document: Document) -> tuple[list[CurrentClause], list[CurrentSection]]:
    """The live clauses in reading order, and the sections with what precedes each."""
    rows = clause_rows(document)
    numbers = display_numbers(document, rows)
    clauses = [CurrentClause(clause.id, numbers[clause.id], version.text, clause.version,
                             clause.issued_number, clause.section_id)
               for clause, version in rows if not version.removed and clause.id in numbers]
    order = {s.id: s.position for s in document.sections}
    clauses.sort(key=lambda c: order.get(c.section_id, 0))  # stable: position within
    sections = []
    for section in sorted(document.sections, key=lambda s: s.position):
        inside = [c for c in clauses if c.section_id == section.id]
        before = [c for c in clauses if order.get(c.section_id, 0) < section.position]
        sections.append(CurrentSection(section.id, section.heading,
                                       inside[0].id if inside else None,
                                       before[-1] if before else None))
    return clauses, sections


def plan_tracked_changes(actor, document: Document, upload: Upload, *,
                         now: datetime | None = None,
                         run: Callable[..., TrackedImport] = call_here) -> ChangesPlan:
    """Read a delegation's Word file and say which proposals its tracked changes make."""
    authorize(actor, Action.PROPOSE, document)
    ensure_accepts_proposals(document, now=now)
    clauses, sections = _current_text(document)
    mapped = run(tracked_changes_from_upload, upload, clauses, sections)
    filename = safe_filename(upload.filename)
    for item in mapped.proposals:
        if not item.rationale.strip():
            item.rationale = f"Imported from {filename}."
    return ChangesPlan(filename, mapped.proposals, mapped.unmapped,
                       planned_problems(actor, document, mapped.proposals), mapped.report)


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
            key = (item.action, item.clause_id, item.after_clause_id, item.section_id,
                   " ".join(item.text.split()))
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
    if action is ProposalAction.INSERT and item.section_id is not None and \
            item.section_id not in {s.id for s in document.sections}:
        raise InvalidInput("the section is not in this document")
    opens_text = action is ProposalAction.INSERT and item.after_clause_id is None \
        and item.section_id is not None
    if opens_text:
        clause, version = None, None
        if _clause_before(item.section_id, document, clauses):
            raise Conflict("a clause now comes before the section it would open; upload the "
                           "file again")
    else:
        target_id = item.after_clause_id if action is ProposalAction.INSERT else item.clause_id
        found = clauses.get(target_id)
        if found is None:
            raise InvalidInput("the clause is not in this document")
        clause, version = found
        if version.removed:
            raise Conflict(f"{item.number} has been deleted since the file was read")
    number = numbers.get(clause.id, item.number) if clause is not None else item.number
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
            ((Proposal.after_clause_id.is_(None) if opens_text
              else Proposal.after_clause_id == clause.id) & _same_section(item.section_id))
            if action is ProposalAction.INSERT else (Proposal.clause_id == clause.id),
            Proposal.text == text)).scalar()
    if same:
        raise Conflict("your economy already has the same open proposal: "
                       f"{db.session.get(Proposal, same).name}")


def _clause_before(section_id: int, document: Document, clauses) -> bool:
    """Whether a live clause comes before the section (`clauses`: id → (clause, version))."""
    place = {s.id: s.position for s in document.sections}
    return any(place.get(clause.section_id, 0) < place.get(section_id, 0)
               for clause, version in clauses.values() if not version.removed)


def _same_section(section_id: int | None):
    return Proposal.section_id.is_(None) if section_id is None \
        else Proposal.section_id == section_id


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
    if len(items) > MAX_IMPORTED_PROPOSALS:
        raise InvalidInput(f"The file makes {len(items):,} proposals; at most "
                           f"{MAX_IMPORTED_PROPOSALS:,} can be submitted from one file. Split "
                           "the changes over several files.", code="too_many_proposals",
                           details={"max_items": MAX_IMPORTED_PROPOSALS})
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
    sections = {s.id: s for s in document.sections}
    created = []
    for item in items:
        if item.action == ProposalAction.INSERT.value:
            created.append(submit_proposal(actor, document, item.action,
                                           after_clause=clauses.get(item.after_clause_id),
                                           section=sections.get(item.section_id),
                                           text=item.text, rationale=item.rationale))
        else:
            created.append(submit_proposal(actor, document, item.action,
                                           clause=clauses[item.clause_id],
                                           text=item.text, rationale=item.rationale))
    return created
