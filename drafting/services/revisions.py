"""Revisions (Rev.1, Rev.2 …), comparing two states of the text, and the negotiating text.

A revision is an immutable snapshot: which version of each live clause, in which order, under
which number, plus the bracket and option counts of the negotiating text at that moment.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from drafting.domain import text_rules
from drafting.domain.errors import InvalidInput, NotFound
from drafting.domain.input_rules import ascii_id
from drafting.domain.negotiating_text import (ClauseInput, NegotiatingClause, ProposalInput,
                                              Totals, negotiating_clause, pieces_html, totals)
from drafting.domain.numbering import NumberingInput, sequential_numbers
from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.extensions import db
from drafting.models import (AuditEvent, Clause, ClauseStatusChange, ClauseVersion, Document,
                             Proposal, Revision, RevisionClause, Section)
from drafting.models.types import utcnow
from drafting.services import reading
from drafting.services.audit import record_event
from drafting.services.guards import ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.locking import lock_row
from drafting.services.visibility import EVERYONE, public_since, visible_proposals_clause

SECRETARIAT = "Secretariat"
# Audit events that move a proposal into and out of the options (services/options.py).
OPTION_EVENTS = ("proposal.kept_as_option", "proposal.option_returned")
MAX_REVISION_NUMBER = 2**31 - 1  # an integer column: larger numbers name nothing

__all__ = [
    "NegotiatingView", "SECRETARIAT", "get_revision", "issue_revision", "latest_revision", "negotiating_view", "parse_revision_number",
    "revision_view", "revisions_of", "sponsors_of",
]


# --- reading revisions -----------------------------------------------------------------------

def revisions_of(document: Document) -> list[Revision]:
    """The document's revisions, oldest first."""
    return list(db.session.execute(
        select(Revision).where(Revision.document_id == document.id).order_by(Revision.number)
    ).scalars())


def latest_revision(document: Document) -> Revision | None:
    return db.session.execute(
        select(Revision).where(Revision.document_id == document.id)
        .order_by(Revision.number.desc()).limit(1)
    ).scalar()


def parse_revision_number(value, field: str = "rev") -> int:
    """A revision number from a query string: 422 unless a positive whole number."""
    if isinstance(value, bool):
        raise InvalidInput(f"{field} must be a revision number such as 1 or 2.",
                           details={"field": field})
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if text.lower().startswith("rev."):
            text = text[4:]
        if ascii_id(text) is None:  # "１" and "²" pass isdigit() but are no revision
            raise InvalidInput(f"{field} must be a revision number such as 1 or 2, "
                               f"not {value!r}.", details={"field": field})
        number = int(text)
    if number < 1:
        raise InvalidInput(f"{field} must be a revision number such as 1 or 2.",
                           details={"field": field})
    return number


def get_revision(document: Document, number) -> Revision:
    """Rev.`number` of the document; NotFound when there is none."""
    number = parse_revision_number(number) if not isinstance(number, int) else number
    revision = None
    if 0 < number <= MAX_REVISION_NUMBER:
        revision = db.session.execute(
            select(Revision).where(Revision.document_id == document.id,
                                   Revision.number == number)
        ).scalar()
    if revision is None:
        raise NotFound(f"{document.symbol} has no Rev.{number}.")
    return revision


def revision_entries(revision: Revision) -> list[tuple[RevisionClause, Clause, ClauseVersion]]:
    """The revision's clauses in order, each with the version it holds (one query)."""
    return db.session.execute(
        select(RevisionClause, Clause, ClauseVersion)
        .join(Clause, Clause.id == RevisionClause.clause_id)
        .join(ClauseVersion, and_(ClauseVersion.clause_id == RevisionClause.clause_id,
                                  ClauseVersion.number == RevisionClause.version_number))
        .where(RevisionClause.revision_id == revision.id)
        .order_by(RevisionClause.position)
    ).all()


def revision_view(document: Document, revision: Revision) -> reading.DocumentView:
    """The document as Rev.N held it: its clause versions, order and numbers."""
    grouped: dict[int, list[reading.ClauseRow]] = defaultdict(list)
    for entry, clause, version in revision_entries(revision):
        grouped[entry.section_id].append(
            reading.ClauseRow(clause=clause, version=version, number=entry.display_number))
    sections = [reading.SectionRows(s, grouped.get(s.id, [])) for s in document.sections]
    return reading.DocumentView(document, sections, reading.economies_by_code())


# --- issuing ---------------------------------------------------------------------------------


def issue_revision(actor, document: Document, note: str = "", renumber: bool = True,
                   now: datetime | None = None) -> Revision:
    """Issue the next revision of the document (Rev.1, Rev.2 …) as an immutable snapshot.

    With `renumber`, every live clause is given a fresh sequential number (PP1…, OP1…) that
    it keeps until the next renumbering; clauses inserted afterwards read "OP3bis" and so on.
    Without it, numbers stay as they are. Raises PermissionDenied (not the secretariat),
    Conflict (document frozen), InvalidInput (bad note or renumber flag).
    """
    authorize(actor, Action.ISSUE_REVISION, document)
    if not isinstance(renumber, bool):
        raise InvalidInput("renumber must be true or false.", details={"field": "renumber"})
    note = text_rules.note_text(note, required=False)
    document = lock_row(Document, document.id)
    ensure_not_frozen(document, "revisions")
    now = now or utcnow()

    rows = reading.clause_rows(document)
    kinds = {s.id: s.kind for s in document.sections}
    if renumber:
        numbers = sequential_numbers(
            [NumberingInput(c.id, kinds[c.section_id], v.removed) for c, v in rows])
        for clause, version in rows:
            # A clause deleted by now is retired (""): it no longer holds a number.
            clause.issued_number = numbers.get(clause.id, "") if not version.removed else ""
        db.session.flush()
    else:
        numbers = reading.display_numbers(document, rows)

    previous = db.session.execute(
        select(func.max(Revision.number)).where(Revision.document_id == document.id)
    ).scalar() or 0
    counts = totals(_current_negotiating_clauses(document, rows, numbers))
    revision = Revision(document_id=document.id, number=previous + 1, note=note,
                        renumbered=renumber, bracket_count=counts.brackets,
                        option_count=counts.options, created_at=now, created_by_id=actor.id)
    db.session.add(revision)
    db.session.flush()
    live = [(c, v) for c, v in rows if not v.removed]
    for position, (clause, version) in enumerate(live, start=1):
        db.session.add(RevisionClause(
            revision_id=revision.id, clause_id=clause.id, version_number=version.number,
            position=position, display_number=numbers[clause.id], section_id=clause.section_id))
    db.session.flush()
    record_event("revision.issued", actor, document_id=document.id, revision=revision.number,
                 label=revision.label, note=note, renumbered=renumber, clauses=len(live),
                 bracket_count=revision.bracket_count, option_count=revision.option_count)
    return revision


# --- negotiating text ------------------------------------------------------------------------

def sponsors_of(proposal: Proposal) -> tuple[str, ...]:
    return tuple(proposal.sponsor_codes)


def _excepted(value: str) -> tuple[str, ...]:
    return tuple(code for code in value.replace(";", ",").replace(" ", ",").split(",") if code)


def _tabled(document: Document) -> list[Proposal]:
    """Open proposals every economy can see, and kept options."""
    return list(db.session.execute(
        select(Proposal)
        .options(joinedload(Proposal.cosponsors))
        .where(Proposal.document_id == document.id,
               Proposal.status.in_([ProposalStatus.OPEN, ProposalStatus.OPTION]),
               visible_proposals_clause(EVERYONE))
        .order_by(Proposal.seq, Proposal.id)
    ).unique().scalars())


def _proposal_input(proposal: Proposal, *, text: str, status: str,
                    on_current_text: bool) -> ProposalInput:
    return ProposalInput(id=proposal.id, action=proposal.action.value, text=text,
                         economies=sponsors_of(proposal), status=status,
                         on_current_text=on_current_text)


def _current_negotiating_clauses(document: Document, rows, numbers) -> list[NegotiatingClause]:
    by_clause: dict[int, list[ProposalInput]] = defaultdict(list)
    after: dict[int, list[ProposalInput]] = defaultdict(list)
    openings: list[tuple[int, ProposalInput]] = []
    current_version = {c.id: v for c, v in rows}
    for p in _tabled(document):
        status = "option" if p.status is ProposalStatus.OPTION else "open"
        if p.action is ProposalAction.INSERT:
            made = _proposal_input(p, text=p.text, status=status, on_current_text=True)
            if p.after_clause_id:
                after[p.after_clause_id].append(made)
            else:
                openings.append((p.section_id, made))
            continue
        version = current_version.get(p.clause_id)
        on_current = version is not None and not p.in_conflict \
            and p.base_version_id == version.id
        by_clause[p.clause_id].append(
            _proposal_input(p, text=p.text, status=status, on_current_text=on_current))
    live = [(clause, version) for clause, version in rows if not version.removed]
    before = reading.opening_insertions_by_clause(
        document, [(clause.id, clause.section_id) for clause, _ in live], openings)
    result = []
    for clause, version in live:
        result.append(negotiating_clause(ClauseInput(
            clause_id=clause.id, number=numbers.get(clause.id), text=version.text,
            status=clause.status.value, excepted=_excepted(clause.excepted_economies or ""),
            proposals=tuple(by_clause.get(clause.id, ())),
            inserts_after=tuple(after.get(clause.id, ())),
            inserts_before=tuple(before.get(clause.id, ())),
        )))
    return result


def _status_at(changes: list[ClauseStatusChange], when: datetime, clause: Clause
               ) -> tuple[str, tuple[str, ...]]:
    """A clause's status at `when`, from its status history (oldest first)."""
    before = [c for c in changes if c.created_at <= when]
    if before:
        return before[-1].to_status, _excepted(before[-1].excepted or "")
    if changes:
        return changes[0].from_status, ()
    return clause.status.value, _excepted(clause.excepted_economies or "")


def _proposal_at(proposal: Proposal, when: datetime) -> tuple[str, int | None] | None:
    """(text, base version number) of a proposal as it stood at `when`; None if not tabled."""
    visible_since = public_since(proposal)
    if visible_since is None or visible_since > when:
        return None
    if proposal.status.is_final and (proposal.decided_at is None or proposal.decided_at <= when):
        return None
    later = [u for u in proposal.updates if u.created_at > when]
    if later:
        return later[0].previous_text, later[0].from_version
    return proposal.text, proposal.base_version.number if proposal.base_version else None


def _option_events(document: Document) -> dict[int, list[tuple[datetime, str]]]:
    """When each proposal was kept as an option or returned to open, from the audit trail."""
    events: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for proposal_id, kind, at in db.session.execute(
            select(AuditEvent.proposal_id, AuditEvent.kind, AuditEvent.occurred_at)
            .where(AuditEvent.document_id == document.id,
                   AuditEvent.kind.in_(OPTION_EVENTS), AuditEvent.proposal_id.is_not(None))
            .order_by(AuditEvent.id)).all():
        events[proposal_id].append((at, kind))
    return events


def _option_status_at(proposal: Proposal, events: list[tuple[datetime, str]],
                      when: datetime) -> str:
    """"option" if the proposal was a kept option at `when`, else "open"."""
    if not events:  # no recorded history: only its present status can tell
        return "option" if proposal.status is ProposalStatus.OPTION else "open"
    before = [kind for at, kind in events if at <= when]
    return "option" if before and before[-1] == OPTION_EVENTS[0] else "open"


def _revision_negotiating_clauses(document: Document, revision: Revision
                                  ) -> list[NegotiatingClause]:
    """The negotiating text as it stood when the revision was issued.

    Rebuilt from history: clause statuses from their status changes, proposals from when they
    were circulated and decided, from their recorded updates (rebases, revisions), and from
    the audit trail for when they were kept as options.
    """
    when = revision.created_at
    entries = revision_entries(revision)
    ids = [clause.id for _, clause, _ in entries]
    history: dict[int, list[ClauseStatusChange]] = defaultdict(list)
    for change in db.session.execute(
            select(ClauseStatusChange).where(ClauseStatusChange.clause_id.in_(ids))
            .order_by(ClauseStatusChange.created_at, ClauseStatusChange.id)).scalars():
        history[change.clause_id].append(change)
    snapshot_version = {entry.clause_id: entry.version_number for entry, _, _ in entries}
    by_clause: dict[int, list[ProposalInput]] = defaultdict(list)
    after: dict[int, list[ProposalInput]] = defaultdict(list)
    openings: list[tuple[int, ProposalInput]] = []
    proposals = db.session.execute(
        select(Proposal)
        .options(joinedload(Proposal.cosponsors), joinedload(Proposal.updates),
                 joinedload(Proposal.base_version))
        .where(Proposal.document_id == document.id, visible_proposals_clause(EVERYONE))
        .order_by(Proposal.seq, Proposal.id)
    ).unique().scalars()
    option_events = _option_events(document)
    for p in proposals:
        state = _proposal_at(p, when)
        if state is None:
            continue
        text, base_number = state
        status = _option_status_at(p, option_events.get(p.id, []), when)
        if p.action is ProposalAction.INSERT:
            if p.after_clause_id in snapshot_version:
                after[p.after_clause_id].append(
                    _proposal_input(p, text=text, status=status, on_current_text=True))
            elif p.after_clause_id is None:
                openings.append((p.section_id, _proposal_input(
                    p, text=text, status=status, on_current_text=True)))
            continue
        if p.clause_id not in snapshot_version:
            continue
        by_clause[p.clause_id].append(_proposal_input(
            p, text=text, status=status,
            on_current_text=base_number == snapshot_version[p.clause_id]))
    before = reading.opening_insertions_by_clause(
        document, [(clause.id, entry.section_id) for entry, clause, _ in entries], openings)
    result = []
    for entry, clause, version in entries:
        status, excepted = _status_at(history.get(clause.id, []), when, clause)
        result.append(negotiating_clause(ClauseInput(
            clause_id=clause.id, number=entry.display_number, text=version.text,
            status=status, excepted=excepted, proposals=tuple(by_clause.get(clause.id, ())),
            inserts_after=tuple(after.get(clause.id, ())),
            inserts_before=tuple(before.get(clause.id, ())),
        )))
    return result


@dataclass
class NegotiatingSection:
    section: Section
    clauses: list[NegotiatingClause]


@dataclass
class NegotiatingView:
    document: Document
    revision: Revision | None  # None: the current text
    sections: list[NegotiatingSection]
    totals: Totals
    progression: list[dict] = field(default_factory=list)
    economies: dict = field(default_factory=dict)

    @property
    def clauses(self) -> list[NegotiatingClause]:
        return [c for s in self.sections for c in s.clauses]

    def html(self, pieces) -> str:
        names = {code: e.name for code, e in self.economies.items()}
        return pieces_html(pieces, names)


def negotiating_view(document: Document, revision: Revision | None = None) -> NegotiatingView:
    """The negotiating text of the current text, or of a revision, with counts and progression."""
    if revision is None:
        rows = reading.clause_rows(document)
        clauses = _current_negotiating_clauses(document, rows,
                                               reading.display_numbers(document, rows))
        section_of = {c.id: c.section_id for c, _ in rows}
    else:
        clauses = _revision_negotiating_clauses(document, revision)
        section_of = {entry.clause_id: entry.section_id
                      for entry, _, _ in revision_entries(revision)}
    grouped: dict[int, list[NegotiatingClause]] = defaultdict(list)
    for clause in clauses:
        grouped[section_of[clause.clause_id]].append(clause)
    sections = [NegotiatingSection(s, grouped.get(s.id, [])) for s in document.sections]
    counts = totals(clauses)
    progression = [{"number": r.number, "label": r.label, "brackets": r.bracket_count,
                    "options": r.option_count, "created_at": r.created_at}
                   for r in revisions_of(document)]
    if revision is None:
        progression.append({"number": None, "label": "Current text",
                            "brackets": counts.brackets, "options": counts.options,
                            "created_at": None})
    return NegotiatingView(document, revision, sections, counts, progression,
                           reading.economies_by_code())


def progression_summary(progression: list[dict]) -> str:
    """ "42 brackets in Rev.1 → 9 in Rev.4" (first and last point), or "" with fewer than two."""
    if len(progression) < 2:
        return ""
    first, last = progression[0], progression[-1]
    unit = "bracket" if first["brackets"] == 1 else "brackets"
    last_label = last["label"] if last.get("number", True) else "the current text"
    return f"{first['brackets']} {unit} in {first['label']} → {last['brackets']} in {last_label}"
