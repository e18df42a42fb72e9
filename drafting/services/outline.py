"""The document page's outline and its filter: which paragraphs to show, and with what marks.

The filter narrows the text to paragraphs of some statuses, with open proposals, where the
viewer's economy is involved, or changed since the viewer's last visit. Every test reads only
what the viewer may see: open proposals come from the viewer's own read model
(`reading.document_view(viewer=…)`, through services/visibility.py), the "changed" set from
the viewer's own digest (`visits.since_last_visit`), and the economy's positions and comments
are the economy's own. A filter never tells a viewer about a proposal they may not see — not
even by a paragraph appearing under "has open proposals".
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from drafting.domain.states import ClauseStatus
from drafting.extensions import db
from drafting.models import Comment, Position, Proposal
from drafting.services.reading import DocumentView
from drafting.services.visibility import visible_comments_clause
from drafting.services.visits import SinceLastVisit

STATUS_VALUES = tuple(s.value for s in ClauseStatus)


@dataclass(frozen=True)
class OutlineFilter:
    """What the reader asked to see (all false/empty: the whole text)."""

    statuses: frozenset[str] = field(default_factory=frozenset)
    open_proposals: bool = False
    mine: bool = False  # my economy involved
    changed: bool = False  # changed since my last visit

    @property
    def active(self) -> bool:
        return bool(self.statuses or self.open_proposals or self.mine or self.changed)

    @property
    def description(self) -> str:
        """"agreed or bracketed, with open proposals, my economy involved"."""
        parts = []
        if self.statuses:
            labels = [s.label.lower() if s is not ClauseStatus.AGREED_AD_REF else "agreed ad ref"
                      for s in ClauseStatus if s.value in self.statuses]
            parts.append(" or ".join(labels))
        if self.open_proposals:
            parts.append("with open proposals")
        if self.mine:
            parts.append("my economy involved")
        if self.changed:
            parts.append("changed since my last visit")
        return ", ".join(parts)

    def key(self) -> tuple:
        return (tuple(sorted(self.statuses)), self.open_proposals, self.mine, self.changed)

    def query_args(self) -> dict[str, object]:
        """The filter as the document page's query parameters."""
        args: dict[str, object] = {}
        if self.statuses:
            args["status"] = sorted(self.statuses)
        for name in ("open_proposals", "mine", "changed"):
            if getattr(self, name):
                args[name] = "1"
        return args


def parse_filter(args: Mapping[str, object], getlist=None) -> OutlineFilter:
    """The filter from query parameters: `status` (repeatable: open, bracketed, agreed_ad_ref,
    agreed), `open_proposals=1`, `mine=1`, `changed=1`. Unknown values are ignored — a filter
    is a way of looking, and a stale bookmark should still open the document."""
    statuses = getlist("status") if getlist else []
    return OutlineFilter(
        statuses=frozenset(s for s in statuses if s in STATUS_VALUES),
        open_proposals=_flag(args.get("open_proposals")),
        mine=_flag(args.get("mine")),
        changed=_flag(args.get("changed")),
    )


def _flag(value: object) -> bool:
    return str(value or "").strip().lower() in ("1", "on", "true", "yes")


def economy_clause_ids(viewer, view: DocumentView) -> set[int]:
    """Paragraphs where the viewer's economy is involved: it sponsors or co-sponsors an open
    proposal on it (as the viewer sees them), recorded a position on it, or one of its
    delegates commented on it. Empty for a viewer without an economy."""
    own = getattr(viewer, "economy_id", None)
    if own is None:
        return set()
    found = set()
    for row in view.rows:
        for proposal in (*row.open_proposals, *row.inserts_after, *row.inserts_before):
            if proposal.economy_id == own or any(c.economy_id == own
                                                  for c in proposal.cosponsors):
                found.add(row.clause.id)
    clause_ids = [row.clause.id for row in view.rows]
    if not clause_ids:
        return found
    found.update(db.session.execute(
        select(Position.clause_id).where(Position.economy_id == own,
                                         Position.clause_id.in_(clause_ids))).scalars())
    found.update(db.session.execute(
        select(Comment.clause_id).outerjoin(Proposal, Proposal.id == Comment.proposal_id)
        .where(Comment.document_id == view.document.id, Comment.economy_id == own,
               Comment.clause_id.in_(clause_ids), visible_comments_clause(viewer))
    ).scalars())
    return found


def changed_clause_ids(digest: SinceLastVisit | None) -> set[int]:
    """Paragraphs changed since the viewer's last visit (text or status), from their digest.
    A first visit (no point yet) has nothing "changed"."""
    if digest is None or digest.first_visit:
        return set()
    return {change.clause_id for change in digest.clauses}


def shown_clause_ids(view: DocumentView, chosen: OutlineFilter, *,
                     mine: Iterable[int] = (), changed: Iterable[int] = ()) -> set[int] | None:
    """The paragraphs the filter keeps (None: no filter, everything)."""
    if not chosen.active:
        return None
    mine, changed = set(mine), set(changed)
    kept = set()
    for row in view.rows:
        if chosen.statuses and row.clause.status.value not in chosen.statuses:
            continue
        if chosen.open_proposals and not row.open_count:
            continue
        if chosen.mine and row.clause.id not in mine:
            continue
        if chosen.changed and row.clause.id not in changed:
            continue
        kept.add(row.clause.id)
    return kept


__all__ = ["OutlineFilter", "STATUS_VALUES", "changed_clause_ids", "economy_clause_ids",
           "parse_filter", "shown_clause_ids"]
