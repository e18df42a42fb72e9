"""The merge desk's work queue, and the "seen" mark behind its "new since I last looked".

Every list and count here is read through the visibility module with the viewer given
explicitly (`reading.document_view` / `open_proposals` for proposals, `visible_comments_clause`
for comments), and the whole queue is behind the DECIDE permission: the secretariat sees
uncirculated proposals on it, so no other role may read it, whatever the page does.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from drafting.domain.consensus import ConsensusReport
from drafting.domain.desk_queue import (
    FLAGS, ProposalFacts, QueueFilters, group_order_key, member_order_key,
)
from drafting.extensions import db
from drafting.models import Comment, DeskMark, Document, Position, Proposal
from drafting.models.types import utcnow
from drafting.services import reading
from drafting.services.policy import Action, authorize
from drafting.services.positions import all_economies, report_for
from drafting.services.reading import ClauseRow
from drafting.services.visibility import visible_comments_clause


@dataclass
class QueueCard:
    proposal: Proposal
    facts: ProposalFacts
    comment_count: int
    # Positions on the proposal's clause recorded since it was submitted: stance value → count.
    positions_since: dict[str, int]

    @property
    def is_new(self) -> bool:
        return self.facts.is_new


@dataclass
class QueueGroup:
    row: ClauseRow
    report: ConsensusReport  # the clause's consensus row
    cards: list[QueueCard]

    @property
    def proposals(self) -> list[Proposal]:
        return [card.proposal for card in self.cards]


@dataclass
class DeskQueue:
    filters: QueueFilters
    groups: list[QueueGroup]  # what the filters keep, in the chosen order
    total: int  # every open proposal on the desk
    seen_at: datetime | None  # the viewer's mark (None: never marked)
    newest_shown: datetime | None  # the latest submission among every open proposal
    waiting: list[Proposal] = field(default_factory=list)  # not circulated yet, unfiltered
    flag_counts: dict[str, int] = field(default_factory=dict)  # flag → count with it on
    clause_choices: list[tuple[int, str, int]] = field(default_factory=list)  # id, number, n
    economy_choices: list[tuple[str, str, int]] = field(default_factory=list)  # code, name, n

    @property
    def shown(self) -> int:
        return sum(len(g.cards) for g in self.groups)


def desk_mark(viewer, document: Document) -> DeskMark | None:
    return db.session.get(DeskMark, (viewer.id, document.id))


def mark_desk_seen(actor, document: Document, up_to: datetime | None,
                   now: datetime | None = None) -> DeskMark:
    """Record that `actor` has seen the desk's proposals submitted up to `up_to` (the newest
    the page showed; never later than now, never moving the mark back).

    Personal reading state, like a notification read: no audit event. Raises Forbidden for
    anyone who may not decide on the document.
    """
    authorize(actor, Action.DECIDE, document)
    now = now or utcnow()
    moment = min(up_to, now) if up_to is not None else now
    mark = desk_mark(actor, document)
    if mark is None:
        mark = DeskMark(user_id=actor.id, document_id=document.id, seen_at=moment)
        db.session.add(mark)
    elif moment > mark.seen_at:
        mark.seen_at = moment
    db.session.flush()
    return mark


def _comment_counts(document: Document, viewer, proposal_ids: list[int]) -> dict[int, int]:
    if not proposal_ids:
        return {}
    return dict(db.session.execute(
        select(Comment.proposal_id, func.count(Comment.id))
        .outerjoin(Proposal, Proposal.id == Comment.proposal_id)
        .where(Comment.document_id == document.id, Comment.proposal_id.in_(proposal_ids),
               visible_comments_clause(viewer))
        .group_by(Comment.proposal_id)).all())


def _positions(clause_ids: list[int]) -> dict[int, list[Position]]:
    out: dict[int, list[Position]] = defaultdict(list)
    if clause_ids:
        for position in db.session.execute(
                select(Position).where(Position.clause_id.in_(clause_ids))).scalars():
            out[position.clause_id].append(position)
    return out


def build_queue(viewer, document: Document, filters: QueueFilters) -> DeskQueue:
    """The queue as `viewer` may see it, filtered and ordered by `filters`, with the count of
    each filter choice (counted with the other filters applied, as a faceted search does)."""
    authorize(viewer, Action.DECIDE, document)
    mark = desk_mark(viewer, document)
    seen_at = mark.seen_at if mark is not None else None
    view = reading.document_view(document, viewer=viewer)
    rows = [row for row in view.rows if row.open_count]
    economies = all_economies()
    positions = _positions([row.clause.id for row in rows])
    all_proposals = [p for row in rows
                     for p in row.inserts_before + row.open_proposals + row.inserts_after]
    comments = _comment_counts(document, viewer, [p.id for p in all_proposals])

    cards_by_row: list[tuple[int, ClauseRow, list[QueueCard]]] = []
    for index, row in enumerate(rows):
        cards = []
        for p in row.inserts_before + row.open_proposals + row.inserts_after:
            since = Counter(
                pos.stance.value for pos in positions.get(p.clause_id or -1, [])
                if p.submitted_at is None or pos.updated_at > p.submitted_at)
            codes = frozenset({p.economy.code, *(c.economy.code for c in p.cosponsors)})
            facts = ProposalFacts(
                clause_id=row.clause.id, economy_codes=codes, in_conflict=p.in_conflict,
                cosponsored=bool(p.cosponsors),
                is_new=seen_at is None or (p.submitted_at is not None
                                           and p.submitted_at > seen_at),
                reactions=comments.get(p.id, 0) + len(p.cosponsors) + sum(since.values()),
                submitted_at=p.submitted_at, seq=p.seq)
            cards.append(QueueCard(p, facts, comments.get(p.id, 0), dict(since)))
        cards_by_row.append((index, row, cards))

    every = [card.facts for _, _, cards in cards_by_row for card in cards]
    flag_counts = {flag: sum(1 for f in every if filters.keeps(f, ignore=flag)
                             and QueueFilters(**{flag: True}).keeps(f)) for flag in FLAGS}
    per_clause = Counter(f.clause_id for f in every if filters.keeps(f, ignore="clause_id"))
    per_economy = Counter(code for f in every if filters.keeps(f, ignore="economy")
                          for code in f.economy_codes)

    groups = []
    for index, row, cards in cards_by_row:
        kept = sorted((c for c in cards if filters.keeps(c.facts)),
                      key=lambda c: member_order_key(filters.sort, c.facts))
        if kept:
            report = report_for(economies, {p.economy.code: p for p in positions.get(
                row.clause.id, [])}, row.clause)
            groups.append((group_order_key(filters.sort, index, [c.facts for c in kept]),
                           QueueGroup(row, report, kept)))
    groups.sort(key=lambda item: item[0])
    submitted = [p.submitted_at for p in all_proposals if p.submitted_at is not None]
    return DeskQueue(
        filters=filters, groups=[g for _, g in groups], total=len(every), seen_at=seen_at,
        newest_shown=max(submitted) if submitted else None,
        waiting=[p for p in all_proposals if p.circulated_at is None], flag_counts=flag_counts,
        clause_choices=[(row.clause.id, row.number or "", per_clause.get(row.clause.id, 0))
                        for _, row, _ in cards_by_row],
        economy_choices=[(e.code, e.name, per_economy[e.code]) for e in economies
                         if per_economy.get(e.code)] + (
            [(filters.economy, filters.economy, 0)] if filters.economy
            and not per_economy.get(filters.economy) else []),
    )
