"""Drafts, batch submission and circulation: how a proposal goes from private to public.

A delegation saves proposals as drafts (``proposals.submit_proposal(..., draft=True)``), edits
or deletes them, then submits several together (``submit_drafts``), all or none. Submitted
proposals are seen by their economy and the secretariat until the secretariat circulates them
(``circulate_proposals``), unless the document circulates at submission
(``Document.circulate_immediately``, switched by ``set_circulation``). Who sees what is
decided in services/visibility.py.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from drafting.domain import text_rules
from drafting.domain.errors import Conflict, InvalidInput
from drafting.domain.proposal_names import capitalised
from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.extensions import db
from drafting.models import Clause, Document, Notification, Proposal, ProposalUpdate, Section
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import ensure_accepts_proposals, ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.proposal_numbers import number_if_public
from drafting.services.proposals import _refuse_duplicate, submit_proposal
from drafting.services.visibility import ensure_visible, visible_proposals_clause


def save_draft(actor, document: Document, action: ProposalAction | str, *,
               clause: Clause | None = None, after_clause: Clause | None = None,
               text: str = "", rationale: str = "", section: Section | None = None
               ) -> Proposal:
    """Save a proposal of the actor's economy as a draft (see proposals.submit_proposal)."""
    return submit_proposal(actor, document, action, clause=clause, after_clause=after_clause,
                           text=text, rationale=rationale, draft=True, section=section)


def economy_drafts(actor, document: Document | None = None) -> list[Proposal]:
    """The drafts of the actor's economy (all documents, or one), oldest first."""
    authorize(actor, Action.PROPOSE, document)
    query = select(Proposal).where(Proposal.economy_id == actor.economy_id,
                                   Proposal.status == ProposalStatus.DRAFT,
                                   visible_proposals_clause(actor))
    if document is not None:
        query = query.where(Proposal.document_id == document.id)
    return list(db.session.execute(
        query.order_by(Proposal.document_id, Proposal.seq, Proposal.id)).scalars())


def _own_draft(actor, proposal: Proposal) -> Proposal:
    ensure_visible(actor, proposal)  # another economy's draft does not exist for the actor
    authorize(actor, Action.REVISE, proposal)
    if proposal.status is not ProposalStatus.DRAFT:
        raise Conflict(f"{capitalised(proposal.name)} is not a draft: it was submitted and is "
                       f"{proposal.status.label.lower()}.", code="not_a_draft")
    return proposal


def _live_clause(clause: Clause | None, what: str) -> Clause:
    if clause is None or clause.removed:
        raise Conflict(f"The clause this draft {what} has been deleted; delete the draft or "
                       "write a new one.", code="clause_deleted")
    return clause


def update_draft(actor, proposal: Proposal, *, text: str | None,
                 rationale: str | None) -> Proposal:
    """Rewrite a draft's wording and rationale, against the clause's current text.

    `text` or `rationale` None keeps the draft's own.
    """
    _own_draft(actor, proposal)
    ensure_not_frozen(proposal.document, "drafts")
    rationale = proposal.rationale if rationale is None else text_rules.rationale_text(rationale)
    text = proposal.text if text is None else text
    before = proposal.wording()
    base_changed = False
    if proposal.action is ProposalAction.DELETE:
        new_text = ""
    else:
        new_text = text_rules.clause_text(text)
    if proposal.action is ProposalAction.AMEND:
        clause = _live_clause(proposal.clause, "amends")
        if new_text == clause.text:
            raise InvalidInput("The proposed text is identical to the current text.",
                               code="no_change")
        base_changed = proposal.base_version_id != clause.current.id
        proposal.base_version = clause.current
    elif proposal.action is ProposalAction.DELETE:
        clause = _live_clause(proposal.clause, "deletes")
        base_changed = proposal.base_version_id != clause.current.id
        proposal.base_version = clause.current
    if (new_text == proposal.text and rationale == proposal.rationale and not base_changed
            and not proposal.in_conflict):
        raise InvalidInput("Nothing changed in the draft.", code="no_change")
    proposal.text = new_text
    proposal.rationale = rationale
    proposal.in_conflict = False
    proposal.note_wording_change(before)
    proposal.updated_at = utcnow()
    db.session.flush()
    record_event("proposal.draft_updated", actor, document_id=proposal.document_id,
                 clause_id=proposal.clause_id or proposal.after_clause_id,
                 proposal_id=proposal.id)
    return proposal


def delete_draft(actor, proposal: Proposal) -> int:
    """Delete a draft for good (it was never submitted: nobody else ever saw it). Returns its id.

    Its reminders of automatic rebases (and the notifications pointing at it) go with it; the
    audit trail keeps the fact that it existed and was deleted.
    """
    _own_draft(actor, proposal)
    ensure_not_frozen(proposal.document, "drafts")
    proposal_id, document_id = proposal.id, proposal.document_id
    clause_id = proposal.clause_id or proposal.after_clause_id
    db.session.execute(delete(ProposalUpdate).where(ProposalUpdate.proposal_id == proposal_id))
    db.session.execute(delete(Notification).where(Notification.url == f"/proposals/{proposal_id}"))
    db.session.delete(proposal)
    db.session.flush()
    record_event("proposal.draft_deleted", actor, document_id=document_id, clause_id=clause_id,
                 proposal_id=proposal_id)
    return proposal_id


def _check_submittable(proposal: Proposal, document: Document, now: datetime) -> None:
    """Everything submit_proposal checks, for a draft, at the moment of submission."""
    label = capitalised(proposal.name)
    if proposal.action is ProposalAction.INSERT:
        anchor = proposal.after_clause
        if (anchor is None and not proposal.opens_text) or (anchor is not None and anchor.removed):
            raise Conflict(f"{label}: the clause it follows has been deleted.",
                           code="clause_deleted")
        ensure_accepts_proposals(document, None, now=now)
        return
    clause = proposal.clause
    if clause is None or clause.removed:
        raise Conflict(f"{label}: its clause has been deleted.", code="clause_deleted")
    ensure_accepts_proposals(document, clause, now=now)
    if proposal.in_conflict or proposal.base_version_id != clause.current.id:
        raise Conflict(f"{label} is in conflict with a change accepted since it was written; "
                       "update it against the current text first.", code="proposal_in_conflict")
    if proposal.action is ProposalAction.AMEND and proposal.text == clause.text:
        raise InvalidInput(f"{label} proposes the text the clause already has.",
                           code="no_change")


def submit_drafts(actor, proposals: list[Proposal], now: datetime | None = None
                  ) -> list[Proposal]:
    """Submit several drafts of the actor's economy together: all of them, or none.

    Every draft is checked first (own economy, still a draft, one document, stage and round
    open, clause live and not frozen, not in conflict, no duplicate); only then does each
    become open with its submission time (and circulation time, when the document circulates
    at submission). Audited per proposal ("proposal.submitted") and as one batch.
    """
    now = now or utcnow()
    proposals = list(dict.fromkeys(proposals))  # the same draft ticked twice counts once
    if not proposals:
        raise InvalidInput("Choose at least one draft to submit.", details={"field": "proposal_id"})
    for proposal in proposals:
        _own_draft(actor, proposal)
    documents = {p.document_id for p in proposals}
    if len(documents) > 1:
        raise InvalidInput("Drafts are submitted one document at a time; these belong to "
                           f"{len(documents)} documents.", details={"field": "proposal_id"})
    document = proposals[0].document
    authorize(actor, Action.PROPOSE, document)
    seen: dict[tuple, int] = {}
    for proposal in sorted(proposals, key=lambda p: (p.seq, p.id)):
        _check_submittable(proposal, document, now)
        _refuse_duplicate(proposal)
        key = (proposal.action, proposal.clause_id, proposal.after_clause_id,
               proposal.section_id, proposal.text)
        if key in seen:
            raise Conflict(f"{capitalised(seen[key])} and {proposal.name} propose the same change; "
                           "submit only one of them.", code="duplicate")
        seen[key] = proposal.name
    submitted = sorted(proposals, key=lambda p: (p.seq, p.id))
    for proposal in submitted:
        proposal.status = ProposalStatus.OPEN
        proposal.submitted_at = proposal.updated_at = now
        if document.circulate_immediately:
            proposal.circulated_at = now
    number_if_public(submitted)
    db.session.flush()
    for proposal in submitted:
        record_event("proposal.submitted", actor, document_id=document.id,
                     clause_id=proposal.clause_id or proposal.after_clause_id,
                     proposal_id=proposal.id, action=proposal.action.value, text=proposal.text,
                     rationale=proposal.rationale, from_draft=True)
    record_event("proposals.batch_submitted", actor, document_id=document.id,
                 proposal_ids=[p.id for p in submitted], count=len(submitted))
    return submitted


# --- circulation (the secretariat) -------------------------------------------------------------

def uncirculated_proposals(document: Document) -> list[Proposal]:
    """Open proposals submitted but not yet circulated to all economies, oldest first."""
    return list(db.session.execute(
        select(Proposal).where(Proposal.document_id == document.id,
                               Proposal.status == ProposalStatus.OPEN,
                               Proposal.circulated_at.is_(None))
        .order_by(Proposal.seq, Proposal.id)
    ).scalars())


def circulate_proposals(actor, document: Document, proposals: list[Proposal] | None = None,
                        now: datetime | None = None) -> list[Proposal]:
    """Make submitted proposals visible to every economy and observer.

    `proposals` None circulates every open proposal still waiting. Only open proposals are
    circulated: one withdrawn or rejected before circulation stays between its economy and
    the secretariat. Raises Conflict when there is nothing to circulate.
    """
    authorize(actor, Action.CIRCULATE, document)
    ensure_not_frozen(document, "circulation")
    now = now or utcnow()
    chosen = proposals_to_circulate(actor, document, proposals)
    for proposal in chosen:
        proposal.circulated_at = now
    number_if_public(chosen)
    db.session.flush()
    for proposal in chosen:
        record_event("proposal.circulated", actor, document_id=document.id,
                     clause_id=proposal.clause_id or proposal.after_clause_id,
                     proposal_id=proposal.id, economy=proposal.economy.code)
    return chosen


def proposals_to_circulate(actor, document: Document, proposals: list[Proposal] | None
                           ) -> list[Proposal]:
    """The proposals `circulate_proposals` would circulate (every waiting one for None), or
    the error it would raise; reads only, so a confirmation page can ask it too."""
    if proposals is None:
        chosen = uncirculated_proposals(document)
        if not chosen:
            raise Conflict("Nothing to circulate: every open proposal has been circulated.",
                           code="nothing_to_circulate")
    else:
        chosen = list(dict.fromkeys(proposals))
        if not chosen:
            raise InvalidInput("Choose at least one proposal to circulate.",
                               details={"field": "proposal_id"})
        for proposal in chosen:
            ensure_visible(actor, proposal)
            if proposal.document_id != document.id:
                raise InvalidInput(f"{capitalised(proposal.name)} belongs to another document.",
                                   details={"field": "proposal_id"})
            if proposal.circulated_at is not None:
                raise Conflict(f"{capitalised(proposal.name)} was already circulated on "
                               f"{proposal.circulated_at:%d %B %Y at %H:%M} UTC.",
                               code="already_circulated")
            if proposal.status is not ProposalStatus.OPEN:
                raise Conflict(f"{capitalised(proposal.name)} is {proposal.status.label.lower()}; "
                               "only open proposals are circulated.", code="proposal_closed")
    return chosen


def set_circulation(actor, document: Document, immediately: bool) -> bool:
    """Choose whether submitted proposals reach every economy at once, or on circulation.

    Returns False (and records nothing) when the document is already set that way. Switching
    to immediate circulation does not circulate proposals already waiting: the desk lists them.
    """
    authorize(actor, Action.CIRCULATE, document)
    ensure_not_frozen(document, "circulation settings")
    if document.circulate_immediately == bool(immediately):
        return False
    document.circulate_immediately = bool(immediately)
    db.session.flush()
    record_event("document.circulation_changed", actor, document_id=document.id,
                 circulate_immediately=bool(immediately))
    return True
