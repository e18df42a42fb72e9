"""Comment threads on clauses and proposals."""
from __future__ import annotations

from drafting.domain import text_rules
from drafting.domain.errors import Conflict, InvalidInput
from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import Clause, Comment, Proposal
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.visibility import ensure_visible


def add_comment(actor, *, clause: Clause | None = None, proposal: Proposal | None = None,
                body: str, parent: Comment | None = None) -> Comment:
    """Post a comment on a clause or a proposal, optionally as a reply to `parent`.

    A reply joins its parent's thread whatever subject was given, so threads never straddle
    two subjects.
    """
    # python-markdown and nh3 load with the first comment, not with every process start.
    from drafting.domain.markup import render_markdown

    authorize(actor, Action.COMMENT, clause or proposal)
    subject_document = (clause or proposal or parent).document if (clause or proposal or parent) \
        else None
    if subject_document is not None:
        ensure_not_frozen(subject_document, "comments")
    body = text_rules.comment_text(body)
    if parent is not None:
        if (clause is not None and parent.clause_id != clause.id) \
                or (proposal is not None and parent.proposal_id != proposal.id):
            raise InvalidInput("parent_id belongs to another thread.",
                               details={"field": "parent_id"})
        clause_id, proposal_id = parent.clause_id, parent.proposal_id
        document_id = parent.document_id
    elif proposal is not None:
        clause_id, proposal_id, document_id = proposal.clause_id, proposal.id, proposal.document_id
    elif clause is not None:
        clause_id, proposal_id, document_id = clause.id, None, clause.document_id
    else:
        raise InvalidInput("A comment needs a clause or a proposal.")
    if proposal_id is not None:
        _ensure_discussable(actor, db.session.get(Proposal, proposal_id))
    comment = Comment(document_id=document_id, clause_id=clause_id, proposal_id=proposal_id,
                      parent_id=parent.id if parent else None, author_id=actor.id,
                      economy_id=actor.economy_id, body=body, body_html=render_markdown(body))
    db.session.add(comment)
    db.session.flush()
    record_event("comment.posted", actor, document_id=document_id, clause_id=clause_id,
                 proposal_id=proposal_id, comment_id=comment.id, parent_id=comment.parent_id,
                 body=body)
    return comment


def _ensure_discussable(actor, proposal: Proposal) -> None:
    """A proposal the actor cannot see is not found; a draft is not discussed until submitted."""

    ensure_visible(actor, proposal)
    if proposal.status is ProposalStatus.DRAFT:
        raise Conflict("A draft is discussed once it is submitted.", code="proposal_is_draft")


def _thread_root(comment: Comment) -> Comment:
    while comment.parent is not None:
        comment = comment.parent
    return comment


def resolve_comment(actor, comment: Comment) -> Comment:
    """Mark the thread the comment belongs to as resolved (threads resolve as a whole)."""
    root = _thread_root(comment)
    authorize(actor, Action.RESOLVE_COMMENT, root)
    if root.is_resolved:
        raise Conflict("This thread is already resolved.", code="already_resolved")
    root.resolved_at = utcnow()
    root.resolved_by_id = actor.id
    record_event("comment.resolved", actor, document_id=root.document_id,
                 clause_id=root.clause_id, proposal_id=root.proposal_id, comment_id=root.id)
    return root


def reopen_comment(actor, comment: Comment) -> Comment:
    root = _thread_root(comment)
    authorize(actor, Action.RESOLVE_COMMENT, root)
    if not root.is_resolved:
        raise Conflict("This thread is not resolved.", code="not_resolved")
    root.resolved_at = None
    root.resolved_by_id = None
    record_event("comment.reopened", actor, document_id=root.document_id,
                 clause_id=root.clause_id, proposal_id=root.proposal_id, comment_id=root.id)
    return root
