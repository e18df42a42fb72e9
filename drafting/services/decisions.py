"""The secretariat's merge desk: accepting and rejecting proposals, and what follows."""
from __future__ import annotations

from sqlalchemy import func, select, update

from drafting.domain import text_rules
from drafting.domain.errors import Conflict, InvalidInput, StaleVersion
from drafting.domain.rebase import rebase
from drafting.domain.proposal_names import capitalised
from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document, Proposal, ProposalUpdate
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.reading import proposal_diff
from drafting.services.locking import lock_row
from drafting.services.proposal_numbers import number_if_public

# "accept" applies the economy's proposal exactly as it stands; "modify" applies the
# secretariat's own wording instead (an acceptance with modifications); "reject" applies nothing.
DECISIONS = ("accept", "modify", "reject")


def decide_proposal(actor, proposal: Proposal, decision: str, *,
                    expected_version: int | None, expected_text_version: int | None = None,
                    text: str | None = None, note: str = "") -> Proposal:
    """Accept, accept with modifications, or reject an open proposal, as decided on clause
    version `expected_version`.

    `expected_text_version` is the proposal's `text_version` the decider read; a rebase,
    revision or conflict since then refuses the decision (None skips the check, except for
    "modify", which requires it: modified wording is only ever written against a known one).

    "accept" writes the proposal's own text as a new ClauseVersion (or a new clause, for an
    insertion); it never applies other wording: a `text` that differs from the proposal's is
    refused (code modify_required) rather than applied or dropped. "modify" writes `text`,
    which is required and must differ from the proposal's, and records an acceptance with
    modifications (audited with both wordings). Either rebases or marks in conflict every
    other open proposal on that clause.

    Raises PermissionDenied (not secretariat), InvalidInput (unknown decision, missing reason,
    missing or unchanged modified text, missing expected_text_version for "modify", bad text),
    StaleVersion (the clause moved on since `expected_version`), Conflict (the
    proposal is no longer open, its wording changed since `expected_text_version` (code
    proposal_changed, with the current wording and redline in its details), or it is in
    conflict and so cannot be accepted as it stands).
    """
    authorize(actor, Action.DECIDE, proposal)
    if decision not in DECISIONS:
        raise InvalidInput("decision must be “accept”, “modify” or “reject”.",
                           details={"field": "decision"})
    if decision == "modify" and expected_text_version is None:
        raise InvalidInput("expected_text_version is required to accept with modifications: "
                           "name the wording of the proposal you modified.",
                           details={"field": "expected_text_version"})
    ensure_not_frozen(lock_row(Document, proposal.document_id), "decisions")
    lock_row(Proposal, proposal.id)
    if not proposal.is_open:
        raise Conflict(f"{capitalised(proposal.name)} is already "
                       f"{proposal.status.label.lower()}.",
                       code="proposal_closed")
    clause = lock_row(Clause, proposal.clause_id) if proposal.clause_id else None
    _check_expected_version(proposal, clause, expected_version)
    _check_expected_text_version(proposal, expected_text_version)
    now = utcnow()
    proposal.decided_at = proposal.updated_at = now
    proposal.decided_by_id = actor.id
    if decision == "reject":
        proposal.decision_note = text_rules.note_text(note, required=True, field="note")
        proposal.status = ProposalStatus.REJECTED
        record_event("proposal.rejected", actor, document_id=proposal.document_id,
                     clause_id=proposal.clause_id, proposal_id=proposal.id,
                     note=proposal.decision_note)
        return proposal

    proposal.decision_note = text_rules.note_text(note, required=False, field="note")
    if proposal.in_conflict:
        raise Conflict("This proposal is in conflict with a change already accepted; its economy "
                       "must update it before it can be accepted (it can still be rejected).",
                       code="proposal_in_conflict")
    if clause is not None and proposal.base_version_id != clause.current.id:
        # Never expected (proposals follow their clause); refusing beats overwriting a change.
        raise Conflict("This proposal was written against an older version of the clause; its "
                       "economy must update it first.", code="proposal_outdated")
    if decision == "modify":
        final_text = _modified_text(proposal, text)
        proposal.status = ProposalStatus.ACCEPTED_MODIFIED
        proposal.decided_text = final_text
    else:
        final_text = _accepted_text(proposal, text)
        proposal.status = ProposalStatus.ACCEPTED
    if proposal.action is ProposalAction.INSERT:
        version = _insert_clause(actor, proposal, final_text)
        number_if_public([proposal])  # in the text now: everyone sees it
    else:
        version = _new_version(actor, proposal, clause, final_text)
        number_if_public([proposal])  # before carry_open_proposals names it
        carry_open_proposals(actor, clause, proposal, version)
    proposal.result_version_id = version.id
    record_event("proposal.accepted", actor, document_id=proposal.document_id,
                 clause_id=version.clause_id, proposal_id=proposal.id,
                 modified=proposal.status is ProposalStatus.ACCEPTED_MODIFIED,
                 version=version.number, text=version.text, note=proposal.decision_note,
                 **({"proposed_text": proposal.text, "text_version": proposal.text_version}
                    if proposal.status is ProposalStatus.ACCEPTED_MODIFIED else {}))
    return proposal


def _check_expected_version(proposal: Proposal, clause: Clause | None,
                            expected_version: int | None) -> None:
    if proposal.action is ProposalAction.INSERT:
        # A new clause has no version yet; 0 or nothing is the only consistent claim.
        if expected_version not in (None, 0):
            raise InvalidInput("expected_version must be 0 or omitted for an insertion.",
                               details={"field": "expected_version"})
        return
    if expected_version is None:
        raise InvalidInput("expected_version is required: name the clause version you decided on.",
                           details={"field": "expected_version"})
    if clause.version != expected_version:
        raise StaleVersion(
            f"The clause changed since you looked at it: you decided on version "
            f"{expected_version}, the current version is {clause.version}. Reload and decide again.",
            details={"expected_version": expected_version, "current_version": clause.version},
        )
    if clause.removed:
        raise Conflict("The clause has been deleted.", code="clause_deleted")


def _check_expected_text_version(proposal: Proposal, expected: int | None) -> None:
    # Checked under the proposal's row lock: a rebase or revision that committed before it
    # shows here, one that comes after waits for this decision.
    if expected is None or expected == proposal.text_version:
        return
    raise Conflict(
        f"{capitalised(proposal.name)} changed since you read it (you decided on wording "
        f"{expected}, it is now at {proposal.text_version}): read it again and decide again.",
        code="proposal_changed",
        details={"text_version": proposal.text_version, "text": proposal.text,
                 "in_conflict": proposal.in_conflict,
                 "redline": [{"op": s.op, "text": s.text} for s in proposal_diff(proposal)]},
    )


def _accepted_text(proposal: Proposal, text: str | None) -> str | None:
    """The proposal's own text; a different `text` is refused, never applied nor dropped."""
    if proposal.action is ProposalAction.DELETE:
        if text not in (None, ""):
            raise InvalidInput("A deletion cannot be accepted with modified text; reject it or "
                               "accept it as it is.", details={"field": "text"})
        return None
    if text is not None and text != "" and text_rules.clause_text(text) != proposal.text:
        raise InvalidInput("“accept” applies the proposal exactly as its economy wrote it; to "
                           "apply other wording, accept it with modifications (decision "
                           "“modify”).", code="modify_required", details={"field": "text"})
    return proposal.text


def _modified_text(proposal: Proposal, text: str | None) -> str:
    if proposal.action is ProposalAction.DELETE:
        raise InvalidInput("A deletion cannot be accepted with modified text; reject it or "
                           "accept it as it is.", details={"field": "text"})
    if text is None or not text.strip():
        raise InvalidInput("Accepting with modifications needs the wording to apply.",
                           details={"field": "text"})
    final_text = text_rules.clause_text(text)
    if final_text == proposal.text:
        raise InvalidInput("This wording is the proposal's own: accept it as it is instead.",
                           code="no_modification", details={"field": "text"})
    return final_text


def _new_version(actor, proposal: Proposal, clause: Clause, final_text: str | None
                 ) -> ClauseVersion:
    removing = proposal.action is ProposalAction.DELETE
    if not removing and final_text == clause.text:
        raise InvalidInput("The accepted text is identical to the current text.", code="no_change")
    version = ClauseVersion(
        clause_id=clause.id, number=clause.version + 1,
        text=clause.text if removing else final_text, removed=removing,
        created_by_id=actor.id, proposal_id=proposal.id, note=proposal.decision_note,
    )
    db.session.add(version)
    clause.version = version.number
    db.session.flush()
    db.session.expire(clause, ["current"])
    return version


def _insert_clause(actor, proposal: Proposal, final_text: str) -> ClauseVersion:
    document_id, section_id, position = _place_of_new_clause(proposal)
    db.session.execute(
        update(Clause).where(Clause.document_id == document_id, Clause.position >= position)
        .values(position=Clause.position + 1)
    )
    clause = Clause(document_id=document_id, section_id=section_id,
                    position=position, version=1)
    db.session.add(clause)
    db.session.flush()
    version = ClauseVersion(clause_id=clause.id, number=1, text=final_text,
                            created_by_id=actor.id, proposal_id=proposal.id,
                            note=proposal.decision_note)
    db.session.add(version)
    proposal.clause_id = clause.id
    db.session.flush()
    return version


def _place_of_new_clause(proposal: Proposal) -> tuple[int, int, int]:
    """(document id, section id, position) the accepted insertion's clause takes."""
    anchor = proposal.after_clause
    if not proposal.opens_section:
        return anchor.document_id, anchor.section_id, anchor.position + 1
    # Opening a section: before its first clause (deleted ones included, which keep their
    # place), whatever was inserted at the end of the section above meanwhile. In a section
    # with no clause: after the clause it follows, or opening the text, before every clause.
    first = db.session.execute(
        select(func.min(Clause.position)).where(Clause.section_id == proposal.section_id)
    ).scalar()
    if first is None and anchor is not None:
        first = anchor.position + 1
    if first is None:
        first = db.session.execute(select(func.min(Clause.position)).where(
            Clause.document_id == proposal.document_id)).scalar() or 1
    return proposal.document_id, proposal.section_id, first


def carry_open_proposals(actor, clause: Clause, accepted: Proposal | None,
                          version: ClauseVersion) -> None:
    """Bring every other open proposal (or kept option) on the clause onto its new version.

    `accepted` is the proposal that made the new version, or None for the secretariat's own
    edit.
    Amendments are rebased by the three-way word check; when their change touches the
    accepted one they are marked in conflict and keep their old base, so their redline
    still shows what they asked for. Deletions still mean "delete this clause" and move on.
    When the clause itself was deleted, the others are superseded.
    """
    # Locked together, before the first audit event: appending to the audit chain holds its
    # lock to the end of the transaction, so waiting for a proposal's row after that (held by
    # an economy updating its draft, itself waiting for the chain) would be a deadlock.
    others = db.session.execute(
        select(Proposal).where(Proposal.clause_id == clause.id,
                               Proposal.id != (accepted.id if accepted else -1),
                               Proposal.status.in_([ProposalStatus.OPEN, ProposalStatus.OPTION,
                                                    ProposalStatus.DRAFT]))
        .order_by(Proposal.seq, Proposal.id)
        .with_for_update(of=Proposal, key_share=True)
        .execution_options(populate_existing=True)
    ).scalars().all()
    for other in others:
        base = other.base_version
        before = other.wording()
        update_row = ProposalUpdate(proposal=other, from_version=base.number,
                                    to_version=version.number, previous_text=other.text,
                                    caused_by_proposal_id=accepted.id if accepted else None,
                                    user_id=actor.id)
        if version.removed:
            other.status = ProposalStatus.SUPERSEDED
            other.decided_at = utcnow()
            other.decision_note = (f"Clause deleted by {accepted.name}." if accepted
                                   else "Clause deleted by the secretariat.")
            update_row.kind, update_row.new_text = "superseded", other.text
            event = "proposal.superseded"
        elif other.action is ProposalAction.DELETE:
            other.base_version = version
            update_row.kind, update_row.new_text = "rebased", other.text
            event = "proposal.rebased"
        else:
            outcome = rebase(base.text, other.text, version.text)
            if outcome.clean:
                other.text = outcome.text
                other.base_version = version
                other.in_conflict = False
                update_row.kind, update_row.new_text = "rebased", outcome.text
                event = "proposal.rebased"
            else:
                other.in_conflict = True
                update_row.kind, update_row.new_text = "conflict", other.text
                event = "proposal.conflicted"
        other.note_wording_change(before)
        other.updated_at = utcnow()
        db.session.add(update_row)
        record_event(event, actor, document_id=other.document_id, clause_id=clause.id,
                     proposal_id=other.id, caused_by=accepted.id if accepted else None,
                     to_version=version.number)
    db.session.flush()
