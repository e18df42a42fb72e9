"""What a wide or irreversible action would do, computed before it is confirmed.

Each function here mirrors one use case (issue a revision, circulate, freeze a clause,
endorse, withdraw a silence procedure, withdraw a proposal, change the circulation setting):
it checks what the use case checks — permission for the viewer, the state, the input — and
raises the same errors, then returns the figures the confirmation names. They only read: no
lock, no settling, no audit event. The wording lives in templates/confirm/_wording.html.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain import workflow as wf
from drafting.domain.consensus import AGREED_STATUSES
from drafting.domain.errors import InvalidInput
from drafting.domain.numbering import NumberingInput, sequential_numbers
from drafting.domain.states import Stage
from drafting.extensions import db
from drafting.models import Clause, Document, Proposal, Revision, SilenceProcedure
from drafting.models.types import utcnow
from drafting.services import reading
from drafting.services.chair_statement import first_words
from drafting.services.drafts import proposals_to_circulate, uncirculated_proposals
from drafting.services.guards import check_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.positions import consensus_matrix
from drafting.services.proposals import ensure_open
from drafting.services.rounds import check_freeze
from drafting.services.silence import silence_in_force
from drafting.services.stages import document_fingerprint, move_note


@dataclass
class RevisionConsequence:
    label: str  # "Rev.3"
    previous_label: str | None
    live_paragraphs: int
    changed_paragraphs: int  # text changed, inserted or deleted since the previous revision
    renumber: bool
    renumbered_paragraphs: int  # whose number the renumbering changes
    open_proposals: int  # stay open; negotiated against the new revision from now on


def revision_consequence(viewer, document: Document, renumber: bool = True, note: str = ""
                         ) -> RevisionConsequence:
    """What `revisions.issue_revision` would issue. Raises as it does."""
    authorize(viewer, Action.ISSUE_REVISION, document)
    if not isinstance(renumber, bool):
        raise InvalidInput("renumber must be true or false.", details={"field": "renumber"})
    text_rules.note_text(note, required=False)
    check_not_frozen(document, "revisions")
    rows = reading.clause_rows(document)
    live = [(c, v) for c, v in rows if not v.removed]
    previous = db.session.execute(
        select(Revision).where(Revision.document_id == document.id)
        .order_by(Revision.number.desc()).limit(1)).scalar()
    if previous is None:
        changed = len(live)
    else:
        before = {e.clause_id: e.version_number for e in previous.entries}
        now = {c.id: v.number for c, v in live}
        changed = sum(1 for cid, number in now.items() if before.get(cid) != number) \
            + sum(1 for cid in before if cid not in now)
    renumbered = 0
    if renumber:
        kinds = {s.id: s.kind for s in document.sections}
        fresh = sequential_numbers(
            [NumberingInput(c.id, kinds[c.section_id], v.removed) for c, v in rows])
        current = reading.display_numbers(document, rows)
        renumbered = sum(1 for c, _ in live if fresh.get(c.id) != current.get(c.id))
    return RevisionConsequence(
        label=f"Rev.{(previous.number if previous else 0) + 1}",
        previous_label=previous.label if previous else None, live_paragraphs=len(live),
        changed_paragraphs=changed, renumber=renumber, renumbered_paragraphs=renumbered,
        open_proposals=len(reading.open_proposals(document, viewer)))


@dataclass
class CirculationConsequence:
    proposals: list[Proposal]
    economies: list[str] = field(default_factory=list)  # proposing economies, sorted codes

    @property
    def listing(self) -> str:
        """Each proposal by its economy and submission time ("AUS, submitted 7 Dec 14:05 UTC"):
        none has a number yet, circulation gives it one."""
        return "; ".join(f"{p.economy.code}, {p.short_name[:1].lower()}{p.short_name[1:]}"
                         for p in self.proposals)


def circulation_consequence(viewer, document: Document, proposals: list[Proposal] | None
                            ) -> CirculationConsequence:
    """What `drafts.circulate_proposals` would make visible to every economy."""
    authorize(viewer, Action.CIRCULATE, document)
    check_not_frozen(document, "circulation")
    chosen = proposals_to_circulate(viewer, document, proposals)
    return CirculationConsequence(chosen, sorted({p.economy.code for p in chosen}))


@dataclass
class CirculationModeConsequence:
    immediately: bool
    changes: bool  # False: already set that way, nothing to confirm
    waiting: int  # proposals waiting for circulation (switching does not circulate them)


def circulation_mode_consequence(viewer, document: Document, immediately: bool
                                 ) -> CirculationModeConsequence:
    authorize(viewer, Action.CIRCULATE, document)
    check_not_frozen(document, "circulation settings")
    return CirculationModeConsequence(immediately,
                                      document.circulate_immediately != bool(immediately),
                                      len(uncirculated_proposals(document)))


@dataclass
class FreezeConsequence:
    number: str
    first_words: str
    open_proposals: int  # stay as they are; only new ones are refused


def freeze_consequence(viewer, clause: Clause, reason: str, number: str | None = None
                       ) -> FreezeConsequence:
    """What `rounds.freeze_clause(…, frozen=True, …)` would do to `clause`. A page listing
    many clauses passes the `number` it already has (else it is looked up)."""
    authorize(viewer, Action.MANAGE_ROUNDS, clause.document)
    check_not_frozen(clause.document, "clause freezes")
    check_freeze(clause, True, reason)
    return FreezeConsequence(number or reading.number_of(clause) or "the unnumbered clause",
                             first_words(clause.text),
                             sum(1 for p in reading.proposals_for_clause(clause, viewer)
                                 if p.is_open))


@dataclass
class EndorseConsequence:
    live_paragraphs: int
    without_consensus: int
    not_agreed: int  # status neither agreed nor agreed ad ref
    open_proposals: int  # can no longer be decided once the text is frozen
    fingerprint: str  # SHA-256 of the text as it stands: what will be recorded


def endorse_consequence(viewer, document: Document, note: str = "",
                        now: datetime | None = None) -> EndorseConsequence:
    """What `stages.endorse_by_leaders` would freeze."""
    authorize(viewer, Action.CHANGE_STAGE, document)
    move = wf.require_move(document.stage, Stage.ENDORSED_LEADERS, wf.Via.ENDORSE)
    check_not_frozen(document, "stage changes")
    move_note(move, note)
    matrix = consensus_matrix(document)
    return EndorseConsequence(
        live_paragraphs=matrix.live_clauses, without_consensus=matrix.without_consensus,
        not_agreed=sum(1 for r in matrix.rows if r.clause.status not in AGREED_STATUSES),
        open_proposals=len(reading.open_proposals(document, viewer)),
        fingerprint=document_fingerprint(document))


@dataclass
class SilenceCancelConsequence:
    procedure: SilenceProcedure
    revision_label: str | None  # the revision under silence


def silence_cancel_consequence(viewer, document: Document, reason: str,
                               now: datetime | None = None) -> SilenceCancelConsequence:
    """What `silence.cancel_silence` would end."""
    authorize(viewer, Action.START_SILENCE, document)
    now = now or utcnow()
    check_not_frozen(document, "stage changes")
    procedure = silence_in_force(document, now)
    wf.require_move(document.stage, Stage.NEGOTIATION, wf.Via.CANCEL_SILENCE)
    text_rules.note_text(reason, required=True, field="reason")
    revision = db.session.get(Revision, procedure.revision_id) \
        if procedure.revision_id is not None else None
    return SilenceCancelConsequence(procedure, revision.label if revision else None)


@dataclass
class WithdrawConsequence:
    proposal: Proposal
    number: str | None  # the clause it amends, deletes, or follows
    cosponsors: list[str]
    decided_elsewhere: bool = False


def withdraw_consequence(viewer, proposal: Proposal) -> WithdrawConsequence:
    """What `proposals.withdraw_proposal` would close."""
    authorize(viewer, Action.WITHDRAW, proposal)
    ensure_open(proposal)
    clause = proposal.clause or proposal.after_clause
    return WithdrawConsequence(proposal, reading.number_of(clause) if clause else None,
                               [c.economy.code for c in proposal.cosponsors])
