"""Submitting, withdrawing, co-sponsoring and revising proposals (the delegations' side)."""
from __future__ import annotations

from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain.errors import Conflict, InvalidInput
from drafting.domain.proposal_names import capitalised
from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.extensions import db
from drafting.models import (Clause, ClauseVersion, Cosponsorship, Document, Proposal,
                             ProposalUpdate, Section)
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import (ensure_accepts_proposals, ensure_not_chair_text,
                                      ensure_not_frozen)
from drafting.services.locking import lock_row
from drafting.services.policy import Action, authorize
from drafting.services.proposal_numbers import number_if_public

_CLAUSE_ROLES = {"clause": "the clause to change", "after_clause": "the clause to insert after"}


def _live_clause_of(document: Document, clause: Clause | None, field: str) -> Clause:
    """`clause` if it is a live clause of `document`; `field` names the input it came from."""
    role = _CLAUSE_ROLES[field]
    if clause is None:
        raise InvalidInput(f"Choose {role}.", details={"field": f"{field}_id"})
    if clause.document_id != document.id:
        raise InvalidInput(f"{role.capitalize()} does not belong to this document.",
                           details={"field": f"{field}_id"})
    if clause.removed:
        raise Conflict(f"{role.capitalize()} has been deleted.", code="clause_deleted")
    return clause


def submit_proposal(actor, document: Document, action: ProposalAction | str, *,
                    clause: Clause | None = None, after_clause: Clause | None = None,
                    text: str = "", rationale: str = "", draft: bool = False,
                    section: Section | None = None) -> Proposal:
    """Record a proposal of the actor's economy; return it (status open).

    An insertion names the clause it follows (`after_clause`); with `section`, it opens that
    section instead, and `after_clause` is the clause just before the section in the
    document (the last clause of the sections above it) — or None when no clause comes
    before the section: the new clause then opens the whole text.

    With `draft`, it is saved as a draft instead (status draft, not submitted, seen only by
    its own economy: services/visibility.py); drafts are submitted later with
    services.drafts.submit_drafts, which applies the checks of submission (stage, round,
    frozen clause, duplicates) at that moment. A draft can be saved whenever the document is
    not frozen, e.g. to prepare the next round while this one is closed.

    Raises PermissionDenied (not a delegate), Conflict (stage closed, clause deleted,
    identical open proposal) or InvalidInput (empty/unchanged/too long text).
    """
    authorize(actor, Action.PROPOSE, document)
    if draft:
        ensure_not_chair_text(document)
        ensure_not_frozen(document, "drafts")
    else:
        ensure_accepts_proposals(document, clause if action != "insert" else None)
    try:
        action = ProposalAction(action)
    except ValueError:
        raise InvalidInput("action must be one of amend, insert, delete.",
                           details={"field": "action"}) from None
    rationale = text_rules.rationale_text(rationale)
    # Empty collections set now, so that answering with the new proposal loads nothing.
    proposal = Proposal(document_id=document.id, economy_id=actor.economy_id, author_id=actor.id,
                        action=action, rationale=rationale, text="", cosponsors=[], updates=[])
    if action is ProposalAction.INSERT:
        if after_clause is None and section is not None:
            proposal.section_id = _section_opening_the_text(document, section).id
        else:
            anchor = _live_clause_of(document, after_clause, "after_clause")
            proposal.after_clause_id = anchor.id
            if section is not None:
                proposal.section_id = _opened_section(document, anchor, section).id
        proposal.text = text_rules.clause_text(text)
    else:
        target = _live_clause_of(document, _settled(clause), "clause")
        proposal.clause_id = target.id
        proposal.base_version = target.current
        if action is ProposalAction.AMEND:
            proposal.text = text_rules.clause_text(text)
            if proposal.text == target.text:
                raise InvalidInput("The proposed text is identical to the current text.",
                                   code="no_change")
    if draft:
        # A draft is its economy's private work: the audit trail records that it exists,
        # never its wording (which is recorded when it is submitted).
        proposal.status = ProposalStatus.DRAFT
        db.session.add(proposal)
        db.session.flush()
        record_event("proposal.draft_saved", actor, document_id=document.id,
                     clause_id=proposal.clause_id or proposal.after_clause_id,
                     proposal_id=proposal.id, action=action.value)
        return proposal
    _refuse_duplicate(proposal)
    proposal.submitted_at = utcnow()
    if document.circulate_immediately:
        proposal.circulated_at = proposal.submitted_at
    number_if_public([proposal])
    db.session.add(proposal)
    db.session.flush()
    record_event("proposal.submitted", actor, document_id=document.id,
                 clause_id=proposal.clause_id or proposal.after_clause_id,
                 proposal_id=proposal.id, action=action.value, text=proposal.text,
                 rationale=rationale)
    return proposal


def _opened_section(document: Document, anchor: Clause, section: Section) -> Section:
    """`section`, when an insertion after `anchor` can open it: a later section of the
    same document."""
    if section.document_id != document.id:
        raise InvalidInput("The section does not belong to this document.",
                           details={"field": "section_id"})
    if section.position <= anchor.section.position:
        raise InvalidInput("A new clause can open only a section that comes after the clause "
                           "it follows.", details={"field": "section_id"})
    return section


def _section_opening_the_text(document: Document, section: Section) -> Section:
    """`section`, when a new clause placed first in it would open the text: no live clause
    comes before it. Anywhere later, the insertion names the clause it follows."""
    if section.document_id != document.id:
        raise InvalidInput("The section does not belong to this document.",
                           details={"field": "section_id"})
    earlier = db.session.execute(
        select(Clause.id).join(Section, Clause.section_id == Section.id)
        .join(ClauseVersion, (ClauseVersion.clause_id == Clause.id)
              & (ClauseVersion.number == Clause.version))
        .where(Clause.document_id == document.id, Section.position < section.position,
               ClauseVersion.removed.is_(False)).limit(1)).scalar()
    if earlier is not None:
        raise InvalidInput(f"Clauses come before “{section.heading}”: name the clause the new "
                           "one follows (after_clause_id) as well.",
                           details={"field": "after_clause_id"})
    return section


def _refuse_duplicate(proposal: Proposal) -> None:
    same = db.session.execute(
        select(Proposal.id).where(
            Proposal.economy_id == proposal.economy_id,
            Proposal.status == ProposalStatus.OPEN,
            Proposal.action == proposal.action,
            Proposal.clause_id == proposal.clause_id
            if proposal.clause_id else (
                (Proposal.after_clause_id == proposal.after_clause_id)
                & (Proposal.section_id.is_(None) if proposal.section_id is None
                   else Proposal.section_id == proposal.section_id)),
            Proposal.text == proposal.text,
        )
    ).scalar()
    if same:
        raise Conflict(f"Your economy already has the same open proposal: "
                       f"{db.session.get(Proposal, same).name}.", code="duplicate")


def _settled(clause: Clause | None) -> Clause | None:
    """The clause re-read under a share lock, with its current version.

    A decision on the clause (which holds its write lock) finishes first, and none can start
    until this transaction ends; so the version read here is the current one, and a decision
    made right after sees this proposal and rebases it. Without the lock a proposal
    submitted during a decision was based on the version just replaced and missed by the
    rebase: neither on the current text nor marked in conflict.
    """
    if clause is None:
        return None
    clause = lock_row(Clause, clause.id, shared=True)
    db.session.expire(clause, ["current"])
    return clause


def _locked_open(proposal: Proposal) -> Proposal:
    """Lock the document's row then the proposal's (the order decisions take them in), then
    check the proposal is still open: a decision racing with a withdrawal or a revision is
    then seen, never overwritten, and the two cannot wait for each other in a cycle."""
    lock_row(Document, proposal.document_id)
    lock_row(Proposal, proposal.id)
    ensure_open(proposal)
    return proposal


def ensure_open(proposal: Proposal) -> None:
    if not proposal.is_open:
        raise Conflict(f"{capitalised(proposal.name)} is {proposal.status.label.lower()}, "
                       "no longer open.", code="proposal_closed")


def withdraw_proposal(actor, proposal: Proposal) -> Proposal:
    authorize(actor, Action.WITHDRAW, proposal)
    _locked_open(proposal)
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.updated_at = proposal.decided_at = utcnow()
    record_event("proposal.withdrawn", actor, document_id=proposal.document_id,
                 clause_id=proposal.clause_id, proposal_id=proposal.id)
    return proposal


def cosponsor_proposal(actor, proposal: Proposal) -> Cosponsorship:
    authorize(actor, Action.COSPONSOR, proposal)
    ensure_open(proposal)
    if any(c.economy_id == actor.economy_id for c in proposal.cosponsors):
        raise Conflict("Your economy already co-sponsors this proposal.", code="duplicate")
    sponsorship = Cosponsorship(economy_id=actor.economy_id, user_id=actor.id)
    proposal.cosponsors.append(sponsorship)
    db.session.flush()
    record_event("proposal.cosponsored", actor, document_id=proposal.document_id,
                 clause_id=proposal.clause_id, proposal_id=proposal.id)
    return sponsorship


def withdraw_cosponsorship(actor, proposal: Proposal) -> None:
    authorize(actor, Action.COSPONSOR, proposal)
    ensure_open(proposal)
    mine = next((c for c in proposal.cosponsors if c.economy_id == actor.economy_id), None)
    if mine is None:
        raise Conflict("Your economy does not co-sponsor this proposal.", code="not_cosponsor")
    proposal.cosponsors.remove(mine)
    db.session.flush()
    record_event("proposal.cosponsorship_withdrawn", actor, document_id=proposal.document_id,
                 clause_id=proposal.clause_id, proposal_id=proposal.id)


def revise_proposal(actor, proposal: Proposal, *, text: str, rationale: str | None = None
                    ) -> Proposal:
    """The proposing economy rewrites its open proposal against the clause's current text.

    This is how a proposal in conflict is brought up to date; it clears the conflict.
    """
    authorize(actor, Action.REVISE, proposal)
    _locked_open(proposal)
    ensure_accepts_proposals(proposal.document, proposal.clause)
    if proposal.action is ProposalAction.DELETE:
        raise Conflict("A deletion has no wording to revise.", code="nothing_to_revise")
    new_text = text_rules.clause_text(text)
    before = proposal.wording()
    from_version = to_version = None
    if proposal.action is ProposalAction.AMEND:
        clause = _live_clause_of(proposal.document, _settled(proposal.clause), "clause")
        if new_text == clause.text:
            raise InvalidInput("The proposed text is identical to the current text.",
                               code="no_change")
        from_version = proposal.base_version.number
        to_version = clause.version
        proposal.base_version = clause.current
    if new_text == proposal.text and not proposal.in_conflict and rationale is None:
        raise InvalidInput("Nothing changed in the proposal.", code="no_change")
    db.session.add(ProposalUpdate(
        proposal=proposal, kind="revised", from_version=from_version, to_version=to_version,
        previous_text=proposal.text, new_text=new_text, user_id=actor.id,
    ))
    proposal.text = new_text
    if rationale is not None:
        proposal.rationale = text_rules.rationale_text(rationale)
    proposal.in_conflict = False
    proposal.note_wording_change(before)
    proposal.updated_at = utcnow()
    db.session.flush()
    record_event("proposal.revised", actor, document_id=proposal.document_id,
                 clause_id=proposal.clause_id, proposal_id=proposal.id, text=new_text)
    return proposal
