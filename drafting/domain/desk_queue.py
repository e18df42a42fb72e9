"""The merge desk's work queue: its filters, their reading from a query string, and ages.

Pure rules over plain facts (no Flask, no database): `services/desk_queue.py` gathers the
facts of each open proposal, this module says which proposals a filter keeps and in which
order the queue lists them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime

# Ways to order the queue. Groups stay grouped by clause whatever the order: "document" lists
# the clauses in the order of the text, the others by their oldest / newest open proposal.
SORTS = {"document": "Document order", "oldest": "Oldest first", "newest": "Newest first"}

# The yes/no filters, in the order the page offers them, with their labels.
FLAGS = {
    "in_conflict": "In conflict",
    "new": "New since you last looked",
    "cosponsored": "With co-sponsors",
    "no_reactions": "Without reactions",
}


@dataclass(frozen=True)
class ProposalFacts:
    """What the filters of one open proposal look at."""

    clause_id: int  # the clause the proposal is grouped under (an insertion: its anchor)
    economy_codes: frozenset[str]  # the proposing economy and its co-sponsors
    in_conflict: bool
    cosponsored: bool
    is_new: bool
    # Reactions: comments on the proposal, co-sponsors, positions on its clause recorded
    # since it was submitted.
    reactions: int
    submitted_at: datetime | None
    seq: int


@dataclass(frozen=True)
class QueueFilters:
    clause_id: int | None = None
    economy: str | None = None  # an economy code: proposals it tabled or co-sponsors
    in_conflict: bool = False
    new: bool = False
    cosponsored: bool = False
    no_reactions: bool = False
    sort: str = "document"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> QueueFilters:
        """The filters a GET form sent; a value that makes no sense is ignored, not refused
        (an old bookmark still opens the desk)."""
        clause = (args.get("clause") or "").strip()
        economy = (args.get("economy") or "").strip().upper()
        sort = (args.get("sort") or "").strip()
        return cls(
            clause_id=int(clause) if clause.isdigit() and len(clause) < 12 else None,
            economy=economy if economy.isalnum() and len(economy) <= 8 else None,
            sort=sort if sort in SORTS else "document",
            **{flag: (args.get(flag) or "") in ("1", "on", "true") for flag in FLAGS},
        )

    @property
    def active(self) -> bool:
        """Whether any filter narrows the queue (the order is not a filter)."""
        return self != replace(QueueFilters(), sort=self.sort)

    @property
    def shows_every_new(self) -> bool:
        """Whether every new proposal is listed (no filter, or "new" alone): only then may
        "mark as seen" move the mark up to the newest of them."""
        return not self.active or self == QueueFilters(new=True, sort=self.sort)

    def query(self, **changes) -> dict[str, str]:
        """The query string of these filters with `changes`, for links and counts."""
        merged = replace(self, **changes)
        out: dict[str, str] = {}
        if merged.clause_id is not None:
            out["clause"] = str(merged.clause_id)
        if merged.economy:
            out["economy"] = merged.economy
        for f in fields(merged):
            if f.name in FLAGS and getattr(merged, f.name):
                out[f.name] = "1"
        if merged.sort != "document":
            out["sort"] = merged.sort
        return out

    def keeps(self, facts: ProposalFacts, *, ignore: str | None = None) -> bool:
        """Whether the queue lists a proposal with these facts. `ignore` names one filter
        to leave out: the count beside a choice is of the queue as the other filters leave it."""
        checks = {
            "clause_id": self.clause_id is None or facts.clause_id == self.clause_id,
            "economy": not self.economy or self.economy in facts.economy_codes,
            "in_conflict": not self.in_conflict or facts.in_conflict,
            "new": not self.new or facts.is_new,
            "cosponsored": not self.cosponsored or facts.cosponsored,
            "no_reactions": not self.no_reactions or facts.reactions == 0,
        }
        return all(ok for name, ok in checks.items() if name != ignore)


def group_order_key(sort: str, position: int, members: list[ProposalFacts]):
    """Where a clause's group goes in the queue: `position` is the clause's place in the text."""
    if sort == "document" or not members:
        return (position,)
    moments = [(m.submitted_at.timestamp() if m.submitted_at else 0.0, m.seq) for m in members]
    if sort == "oldest":
        return (min(moments), position)
    newest = max(moments)
    return (-newest[0], -newest[1], position)


def member_order_key(sort: str, facts: ProposalFacts):
    """The order of proposals inside a group: submission order, or newest first."""
    moment = facts.submitted_at.timestamp() if facts.submitted_at else 0.0
    if sort == "newest":
        return (-moment, -facts.seq)
    return (moment, facts.seq)


def age_text(then: datetime | None, now: datetime) -> str:
    """How long ago, in the words of a meeting room: "just now", "12 min", "3 h", "2 days"."""
    if then is None:
        return "—"
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"
