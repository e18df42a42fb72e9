"""Since your last visit: each user's reading point per document, and what changed after it.

The point (`DocumentVisit.seen_at`) moves only when the user says they have read the document:
the API's POST /visit, the page's "Mark as read" button or the POST its script sends once the
page has been read — never a GET (reads compute, writes persist). It only moves forward, and
never past the moment the page that was read was rendered (`until`), so a change made while
the page lay open is still news next time. Reading is the user's own bookkeeping, not a change
of the negotiation: it is not audited (as notifications being read).

What changed is taken from what the project already records — clause versions (amended,
inserted, deleted), clause status changes, proposals, comments and decisions — and every
proposal and comment is read through services/visibility.py with the viewer explicit: another
economy's draft or uncirculated proposal never appears and is never counted, and a proposal
counts from the moment *this viewer* could first see it (`visibility.visible_from`). The
viewer's own proposals and comments are not news to them and are left out.

A user who never acknowledged the document has no point: `since` is None and nothing is
listed (a first visit, not "everything changed").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from drafting.domain.digest import digest_parts, since_label
from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import (Clause, ClauseStatusChange, ClauseVersion, Comment, Cosponsorship,
                             Document, DocumentVisit, Proposal)
from drafting.models.types import utcnow
from drafting.services.policy import Action, authorize
from drafting.services.reading import clause_rows, display_numbers
from drafting.services.visibility import (visible_comments_clause, visible_from,
                                          visible_proposals_clause)

# What happened to a clause since the point, the strongest first when several did.
INSERTED, DELETED, AMENDED, STATUS_CHANGED = "inserted", "deleted", "amended", "status_changed"

# Decisions by the secretariat on a proposal (a withdrawal is its economy's own act).
DECIDED_STATUSES = (ProposalStatus.ACCEPTED, ProposalStatus.ACCEPTED_MODIFIED,
                    ProposalStatus.REJECTED, ProposalStatus.OPTION)


@dataclass
class ClauseChange:
    clause_id: int
    number: str | None
    change: str  # INSERTED | DELETED | AMENDED | STATUS_CHANGED
    version: int  # the clause's current version


@dataclass
class SinceLastVisit:
    since: datetime | None  # None: the user never acknowledged the document
    clauses: list[ClauseChange] = field(default_factory=list)
    proposals: list[int] = field(default_factory=list)  # new to the viewer
    comments: list[int] = field(default_factory=list)
    decisions: list[int] = field(default_factory=list)  # proposals decided since
    decisions_on_yours: list[int] = field(default_factory=list)  # of those, the viewer's economy's

    @property
    def first_visit(self) -> bool:
        return self.since is None

    @property
    def text_changes(self) -> list[ClauseChange]:
        return [c for c in self.clauses if c.change != STATUS_CHANGED]

    @property
    def empty(self) -> bool:
        return not (self.clauses or self.proposals or self.comments or self.decisions)

    @property
    def since_label(self) -> str:
        return since_label(self.since) if self.since else ""

    @property
    def summary(self) -> str:
        """"3 paragraphs changed, 5 new proposals, 2 decisions on your proposals"."""
        text = len(self.text_changes)
        return ", ".join(digest_parts(
            text_changes=text, status_changes=len(self.clauses) - text,
            proposals=len(self.proposals), comments=len(self.comments),
            decisions_on_yours=len(self.decisions_on_yours),
            other_decisions=len(self.decisions) - len(self.decisions_on_yours)))


def last_visit(user, document_id: int) -> datetime | None:
    """When `user` last acknowledged the document (None: never)."""
    return db.session.execute(
        select(DocumentVisit.seen_at).where(DocumentVisit.user_id == user.id,
                                            DocumentVisit.document_id == document_id)
    ).scalar()


def mark_visited(actor, document: Document, until: datetime | None = None,
                 now: datetime | None = None) -> datetime:
    """Move the actor's point on `document` to now (or to `until`, the moment the page that
    was read was rendered, when earlier); never backwards. Returns the point."""
    authorize(actor, Action.VIEW, document)
    now = now or utcnow()
    point = min(until, now) if until is not None else now
    visit = db.session.get(DocumentVisit, (actor.id, document.id))
    if visit is None:
        try:
            with db.session.begin_nested():  # two tabs of one user may race to create it
                db.session.add(DocumentVisit(user_id=actor.id, document_id=document.id,
                                             seen_at=point))
            return point
        except IntegrityError:
            visit = db.session.get(DocumentVisit, (actor.id, document.id), populate_existing=True)
    if visit.seen_at < point:
        visit.seen_at = point
        db.session.flush()
    return visit.seen_at


def since_last_visit(viewer, document: Document, since: datetime | None = ...
                     ) -> SinceLastVisit:
    """What changed in `document` since `viewer`'s point (read unless given), as `viewer` may
    see it."""
    authorize(viewer, Action.VIEW, document)
    if since is ...:
        since = last_visit(viewer, document.id)
    if since is None:
        return SinceLastVisit(since=None)
    proposals, decisions, yours = _proposals(viewer, document, since)
    return SinceLastVisit(since=since, clauses=_clause_changes(document, since),
                          proposals=proposals, comments=_comments(viewer, document, since),
                          decisions=decisions, decisions_on_yours=yours)


def _clause_changes(document: Document, since: datetime) -> list[ClauseChange]:
    versions = db.session.execute(
        select(ClauseVersion.clause_id, ClauseVersion.number, ClauseVersion.removed)
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .where(Clause.document_id == document.id, ClauseVersion.created_at > since)).all()
    statuses = set(db.session.execute(
        select(ClauseStatusChange.clause_id)
        .join(Clause, Clause.id == ClauseStatusChange.clause_id)
        .where(Clause.document_id == document.id, ClauseStatusChange.created_at > since)
    ).scalars())
    if not versions and not statuses:
        return []
    born = {clause_id for clause_id, number, _ in versions if number == 1}
    touched = {clause_id for clause_id, _, _ in versions}
    rows = clause_rows(document)
    numbers = display_numbers(document, rows, include_removed=True)
    changes = []
    for clause, version in rows:  # document order
        if clause.id in born:
            if version.removed:
                continue  # came and went between two visits: nothing to read
            change = INSERTED
        elif clause.id in touched:
            change = DELETED if version.removed else AMENDED
        elif clause.id in statuses and not version.removed:
            change = STATUS_CHANGED
        else:
            continue
        changes.append(ClauseChange(clause.id, numbers.get(clause.id), change, clause.version))
    return changes


def _proposals(viewer, document: Document, since: datetime
               ) -> tuple[list[int], list[int], list[int]]:
    """(new to the viewer, decided since, decided since and the viewer's economy's)."""
    candidates = db.session.execute(
        select(Proposal)
        .where(Proposal.document_id == document.id, visible_proposals_clause(viewer),
               Proposal.status != ProposalStatus.DRAFT,
               or_(Proposal.submitted_at > since, Proposal.circulated_at > since,
                   Proposal.decided_at > since))
        .order_by(Proposal.seq)).scalars().all()
    own_economy = getattr(viewer, "economy_id", None)
    new, decided = [], []
    for proposal in candidates:
        seen_from = visible_from(viewer, proposal)
        if seen_from is None:
            continue
        if seen_from > since and proposal.author_id != viewer.id:
            new.append(proposal.id)
        if (proposal.status in DECIDED_STATUSES and proposal.decided_at is not None
                and proposal.decided_at > since):
            decided.append(proposal)
    # "Yours": the viewer's economy sponsored or co-sponsored it.
    cosponsored = set(db.session.execute(
        select(Cosponsorship.proposal_id).where(
            Cosponsorship.economy_id == own_economy,
            Cosponsorship.proposal_id.in_([p.id for p in decided]))).scalars()) \
        if decided and own_economy is not None else set()
    yours = [p.id for p in decided if own_economy is not None
             and (p.economy_id == own_economy or p.id in cosponsored)]
    return new, [p.id for p in decided], yours


def _comments(viewer, document: Document, since: datetime) -> list[int]:
    return list(db.session.execute(
        select(Comment.id).outerjoin(Proposal, Proposal.id == Comment.proposal_id)
        .where(Comment.document_id == document.id, Comment.created_at > since,
               Comment.author_id != viewer.id, visible_comments_clause(viewer))
        .order_by(Comment.seq)).scalars())


__all__ = ["AMENDED", "DELETED", "INSERTED", "STATUS_CHANGED", "ClauseChange",
           "SinceLastVisit", "last_visit", "mark_visited", "since_last_visit"]
