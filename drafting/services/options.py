"""Options: competing wordings the secretariat keeps side by side instead of choosing.

A kept proposal has the status OPTION. The clause then reads "Option 1 (current text) /
Option 2 [AUS, NZ: …] / …", each option with the economies backing it (proposer first, then
co-sponsors). Options follow their clause like open proposals (decisions.carry_open_proposals
rebases them). Choosing one accepts it through the merge desk's own decision and closes every
other option of the clause; keeping the current text closes them all.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from drafting.domain import text_rules
from drafting.domain.consensus import (OptionEntry, OptionInput, label_options,
                                       not_chosen_note, options_text)
from drafting.domain.errors import Conflict, InvalidInput, StaleVersion
from drafting.domain.proposal_names import capitalised
from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document, Proposal
from drafting.models.types import utcnow
from drafting.services import decisions
from drafting.services.audit import record_event
from drafting.services.guards import ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.reading import display_numbers
from drafting.services.locking import lock_row


def _options_query(clause_ids):
    return (select(Proposal)
            .options(joinedload(Proposal.cosponsors), joinedload(Proposal.base_version))
            .where(Proposal.clause_id.in_(clause_ids), Proposal.status == ProposalStatus.OPTION)
            .order_by(Proposal.seq, Proposal.id))


def kept_options(clause: Clause) -> list[Proposal]:
    """The clause's kept options, in the order they are numbered (option 2, 3 …)."""
    return list(db.session.execute(_options_query([clause.id])).unique().scalars())


@dataclass
class OptionSet:
    """A clause's alternatives as the pages show them."""

    clause: Clause
    entries: list[OptionEntry]
    proposals: dict[int, Proposal] = field(default_factory=dict)
    number: str | None = None  # the clause's display number, when known

    @property
    def text(self) -> str:
        return options_text(self.entries)

    def proposal_of(self, entry: OptionEntry) -> Proposal | None:
        return self.proposals.get(entry.proposal_id) if entry.proposal_id else None


def _option_set(clause: Clause, current_text: str, options: list[Proposal]) -> OptionSet:
    entries = label_options(current_text, [
        OptionInput(proposal_id=p.id, text=p.text, sponsors=tuple(p.sponsor_codes),
                    in_conflict=p.in_conflict) for p in options])
    return OptionSet(clause, entries, {p.id: p for p in options})


def clause_options(clause: Clause) -> OptionSet | None:
    """The clause's options, or None when nothing is kept as an option on it."""
    options = kept_options(clause)
    return _option_set(clause, clause.text, options) if options else None


def document_options(document: Document) -> dict[int, OptionSet]:
    """clause id → OptionSet for every clause of the document with kept options (2 queries)."""
    options = list(db.session.execute(
        _options_query(select(Clause.id).where(Clause.document_id == document.id))
    ).unique().scalars())
    if not options:
        return {}
    grouped: dict[int, list[Proposal]] = defaultdict(list)
    for proposal in options:
        grouped[proposal.clause_id].append(proposal)
    clauses = db.session.execute(
        select(Clause).options(joinedload(Clause.current)).where(Clause.id.in_(list(grouped)))
        .order_by(Clause.position)
    ).unique().scalars()
    numbers = display_numbers(document)
    sets = {}
    for clause in clauses:
        sets[clause.id] = _option_set(clause, clause.text, grouped[clause.id])
        sets[clause.id].number = numbers.get(clause.id)
    return sets


def keep_as_option(actor, proposal: Proposal, note: str = "",
                   now: datetime | None = None) -> Proposal:
    """Keep an open amendment as one of its clause's options instead of deciding on it.

    Raises PermissionDenied (not secretariat), Conflict (document frozen, proposal not open,
    not an amendment, in conflict, not yet circulated, clause deleted), InvalidInput (note
    too long).
    """
    authorize(actor, Action.MANAGE_OPTIONS, proposal)
    ensure_not_frozen(lock_row(Document, proposal.document_id), "options")
    lock_row(Proposal, proposal.id)
    if proposal.status is not ProposalStatus.OPEN:
        raise Conflict(f"{capitalised(proposal.name)} is {proposal.status.label.lower()}: only an "
                       "open proposal can be kept as an option.", code="proposal_closed")
    if proposal.action is not ProposalAction.AMEND:
        raise Conflict("Only an amendment can be kept as an option of its clause; an insertion "
                       "or a deletion must be accepted or rejected.", code="not_an_amendment")
    if proposal.in_conflict:
        raise Conflict("This proposal is in conflict with the current text; its economy must "
                       "update it before it can be kept as an option.",
                       code="proposal_in_conflict")
    if proposal.circulated_at is None:
        raise Conflict("This proposal has not been circulated to the economies yet; circulate "
                       "it before keeping it as an option.", code="not_circulated")
    clause = proposal.clause
    if clause is None or clause.removed:
        raise Conflict("The clause of this proposal has been deleted.", code="clause_deleted")
    note = text_rules.note_text(note, required=False, field="note")
    proposal.status = ProposalStatus.OPTION
    proposal.decision_note = note
    proposal.updated_at = now or utcnow()
    db.session.flush()
    number = next(e.number for e in clause_options(clause).entries
                  if e.proposal_id == proposal.id)
    record_event("proposal.kept_as_option", actor, document_id=proposal.document_id,
                 clause_id=proposal.clause_id, proposal_id=proposal.id, option=number,
                 note=note, sponsors=proposal.sponsor_codes)
    return proposal


def return_to_desk(actor, proposal: Proposal, now: datetime | None = None) -> Proposal:
    """Undo "keep as option": the proposal is open again (e.g. so its economy can update it)."""
    authorize(actor, Action.MANAGE_OPTIONS, proposal)
    ensure_not_frozen(lock_row(Document, proposal.document_id), "options")
    lock_row(Proposal, proposal.id)
    if proposal.status is not ProposalStatus.OPTION:
        raise Conflict(f"{capitalised(proposal.name)} is not kept as an option.",
                       code="not_an_option")
    proposal.status = ProposalStatus.OPEN
    proposal.updated_at = now or utcnow()
    db.session.flush()
    record_event("proposal.option_returned", actor, document_id=proposal.document_id,
                 clause_id=proposal.clause_id, proposal_id=proposal.id)
    return proposal


@dataclass
class OptionChoice:
    clause: Clause
    chosen: OptionEntry
    proposal: Proposal | None  # the accepted proposal, None when the current text was kept
    rejected: list[Proposal]
    version: ClauseVersion


def choose_option(actor, clause: Clause, proposal: Proposal | None, *,
                  expected_version: int | None, note: str = "",
                  now: datetime | None = None) -> OptionChoice:
    """Settle a clause's options, as decided on clause version `expected_version`.

    Choosing a proposal accepts it (services.decisions makes the new version and rebases the
    clause's other open proposals); every other option is closed as rejected with the reason
    "Option not chosen: option N (AUS) was chosen". Choosing None keeps the current text
    (option 1) and closes every option.

    Raises PermissionDenied, InvalidInput (no expected_version, note too long), StaleVersion
    (the clause moved on), Conflict (frozen, clause deleted, no options, the proposal is not
    an option of this clause or is in conflict).
    """
    authorize(actor, Action.MANAGE_OPTIONS, clause)
    ensure_not_frozen(lock_row(Document, clause.document_id), "options")
    lock_row(Clause, clause.id)
    if expected_version is None:
        raise InvalidInput("expected_version is required: name the clause version you chose on.",
                           details={"field": "expected_version"})
    if clause.version != expected_version:
        raise StaleVersion(
            f"The clause changed since you looked at it: you chose on version "
            f"{expected_version}, the current version is {clause.version}. Reload and choose "
            "again.", details={"expected_version": expected_version,
                               "current_version": clause.version})
    if clause.removed:
        raise Conflict("The clause has been deleted.", code="clause_deleted")
    note = text_rules.note_text(note, required=False, field="note")
    options = kept_options(clause)
    if not options:
        raise Conflict("This clause has no options to choose between.", code="no_options")
    current = _option_set(clause, clause.text, options)
    if proposal is None:
        chosen = current.entries[0]
    else:
        chosen = next((e for e in current.entries if e.proposal_id == proposal.id), None)
        if chosen is None:
            raise Conflict(f"{capitalised(proposal.name)} is not an option of this clause.",
                           code="not_an_option")
        if proposal.in_conflict:
            raise Conflict(f"{chosen.label} is in conflict with the current text: return it to "
                           "the desk so its economy can update it, or choose another option.",
                           code="proposal_in_conflict")
        if proposal.base_version_id != clause.current.id:
            raise Conflict(f"{chosen.label} was written against an older version of the clause.",
                           code="proposal_outdated")
    now = now or utcnow()
    reason = not_chosen_note(chosen)
    rejected = []
    # The others are closed first, so the acceptance below does not rebase them for nothing.
    for other in options:
        if proposal is not None and other.id == proposal.id:
            continue
        other.status = ProposalStatus.REJECTED
        other.decision_note = f"{reason}. {note}" if note else reason
        other.decided_at = other.updated_at = now
        other.decided_by_id = actor.id
        rejected.append(other)
        record_event("proposal.rejected", actor, document_id=other.document_id,
                     clause_id=clause.id, proposal_id=other.id, note=other.decision_note,
                     reason="option_not_chosen")
    db.session.flush()
    if proposal is not None:
        proposal.status = ProposalStatus.OPEN
        db.session.flush()
        decisions.decide_proposal(actor, proposal, "accept", expected_version=expected_version,
                                  note=note or f"Chosen as {chosen.label.lower()}")
    db.session.expire(clause, ["current"])
    version = clause.current
    record_event("clause.option_chosen", actor, document_id=clause.document_id,
                 clause_id=clause.id, proposal_id=proposal.id if proposal else None,
                 option=chosen.number, sponsors=list(chosen.sponsors),
                 rejected=[p.id for p in rejected], version=version.number, note=note)
    return OptionChoice(clause, chosen, proposal, rejected, version)
