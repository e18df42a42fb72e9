"""Read models for pages and the API: whole documents in a fixed number of queries."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from drafting.domain.compare import Step, attributed_changes
from drafting.domain.diff import word_diff
from drafting.domain.numbering import NumberingInput, number_clauses
from drafting.domain.overlay import overlay
from drafting.domain.render import render_changes, render_overlay
from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Comment, Document, Economy, Proposal, Section
# Every proposal and comment query below keeps only what its viewer may see (drafts,
# uncirculated proposals): the viewer is a required argument of each read.
from drafting.services.visibility import visible_comments_clause, visible_proposals_clause

T = TypeVar("T")


@dataclass
class ClauseRow:
    clause: Clause
    version: ClauseVersion
    number: str | None
    open_proposals: list[Proposal] = field(default_factory=list)
    inserts_after: list[Proposal] = field(default_factory=list)
    # New clauses proposed to open the text, shown with the clause they would come before.
    inserts_before: list[Proposal] = field(default_factory=list)
    comment_count: int = 0

    @property
    def open_count(self) -> int:
        return len(self.open_proposals) + len(self.inserts_after) + len(self.inserts_before)


@dataclass
class SectionRows:
    section: Section
    rows: list[ClauseRow]


@dataclass
class DocumentView:
    document: Document
    sections: list[SectionRows]
    economies: dict[str, Economy]

    @property
    def rows(self) -> list[ClauseRow]:
        return [row for s in self.sections for row in s.rows]


def clause_rows(document: Document) -> list[tuple[Clause, ClauseVersion]]:
    """Every clause of the document in order, with its current version (one query)."""
    return db.session.execute(
        select(Clause, ClauseVersion)
        .join(ClauseVersion, and_(ClauseVersion.clause_id == Clause.id,
                                  ClauseVersion.number == Clause.version))
        .where(Clause.document_id == document.id)
        .order_by(Clause.position)
    ).all()


def display_numbers(document: Document,
                    rows: list[tuple[Clause, ClauseVersion]] | None = None, *,
                    include_removed: bool = False) -> dict[int, str]:
    """Clause id → display number: issued numbers once a renumbering revision exists
    (inserted clauses read "OP3bis"), draft sequential numbers before (domain/numbering.py).
    `include_removed` adds the numbers deleted clauses hold in reserve."""
    rows = rows if rows is not None else clause_rows(document)
    kinds = {s.id: s.kind for s in document.sections}
    return number_clauses(
        [NumberingInput(c.id, kinds[c.section_id], v.removed, c.issued_number or None,
                        retired=c.issued_number == "") for c, v in rows],
        include_removed=include_removed)


def clause_number(document_id: int, clause_id: int) -> str | None:
    """The display number of one clause, as `display_numbers` gives it, from one query over
    the clauses of its kind (id, removed, issued number: plain tuples, no objects loaded).

    Numbers of one kind (PP, OP) never depend on the other kind's clauses, so a write that
    names one clause does not reload the whole document for it."""
    kind_of_target = (select(Section.kind).join(Clause, Clause.section_id == Section.id)
                      .where(Clause.id == clause_id).scalar_subquery())
    rows = db.session.execute(
        select(Clause.id, Section.kind, ClauseVersion.removed, Clause.issued_number)
        .join(Section, Clause.section_id == Section.id)
        .join(ClauseVersion, and_(ClauseVersion.clause_id == Clause.id,
                                  ClauseVersion.number == Clause.version))
        .where(Clause.document_id == document_id, Section.kind == kind_of_target)
        .order_by(Clause.position)).all()
    return number_clauses(
        [NumberingInput(id_, kind, removed, issued or None, retired=issued == "")
         for id_, kind, removed, issued in rows]).get(clause_id)


class ClauseNumbers:
    """Display numbers of clauses for messages ("OP3", "a deleted clause"), each looked up at
    most once, by `clause_number`'s one query over the clauses of its kind."""

    def __init__(self) -> None:
        self._by_clause: dict[int, str] = {}

    def of(self, clause_id: int | None) -> str:
        if clause_id is None:
            return "a clause"
        if clause_id not in self._by_clause:
            clause = db.session.get(Clause, clause_id)
            self._by_clause[clause_id] = "a clause" if clause is None else (
                clause_number(clause.document_id, clause_id) or "a deleted clause")
        return self._by_clause[clause_id]


def economies_by_code() -> dict[str, Economy]:
    return {e.code: e for e in db.session.execute(
        select(Economy).order_by(Economy.sort_order)).scalars()}


def open_proposals(document: Document, viewer) -> list[Proposal]:
    return list(db.session.execute(
        select(Proposal)
        .options(joinedload(Proposal.base_version), joinedload(Proposal.cosponsors))
        .where(Proposal.document_id == document.id, Proposal.status == ProposalStatus.OPEN,
               visible_proposals_clause(viewer))
        .order_by(Proposal.seq, Proposal.id)
    ).unique().scalars())


def _visible_comments(query, viewer):
    """Leave out comments on proposals the viewer cannot see."""
    return query.outerjoin(Proposal, Proposal.id == Comment.proposal_id).where(
        visible_comments_clause(viewer))


def document_view(document: Document, *, viewer,
                  include_removed: bool = False) -> DocumentView:
    """The document as the document page shows it: sections, numbered clauses, counts."""
    rows = clause_rows(document)
    numbers = display_numbers(document, rows)
    comment_counts = dict(db.session.execute(_visible_comments(
        select(Comment.clause_id, func.count(Comment.id))
        .where(Comment.document_id == document.id, Comment.clause_id.is_not(None),
               Comment.proposal_id.is_(None)), viewer)
        .group_by(Comment.clause_id)
    ).all())
    by_clause: dict[int, list[Proposal]] = defaultdict(list)
    after_clause: dict[int, list[Proposal]] = defaultdict(list)
    openings: list[Proposal] = []
    for proposal in open_proposals(document, viewer):
        if proposal.action is not ProposalAction.INSERT:
            by_clause[proposal.clause_id].append(proposal)
        elif proposal.after_clause_id is None:
            openings.append((proposal.section_id, proposal))
        else:
            after_clause[proposal.after_clause_id].append(proposal)
    live = [(clause, version) for clause, version in rows
            if include_removed or not version.removed]
    before_clause = opening_insertions_by_clause(
        document, [(clause.id, clause.section_id) for clause, _version in live], openings)
    grouped: dict[int, list[ClauseRow]] = defaultdict(list)
    for clause, version in live:
        grouped[clause.section_id].append(ClauseRow(
            clause=clause, version=version, number=numbers.get(clause.id),
            open_proposals=by_clause.get(clause.id, []),
            inserts_after=after_clause.get(clause.id, []),
            inserts_before=before_clause.get(clause.id, []),
            comment_count=comment_counts.get(clause.id, 0),
        ))
    sections = [SectionRows(s, grouped.get(s.id, [])) for s in document.sections]
    return DocumentView(document, sections, economies_by_code())


def opening_insertions_by_clause(document: Document, placed: list[tuple[int, int]],
                                 openings: list[tuple[int, T]]) -> dict[int, list[T]]:
    """Clause id → the insertions that open the text (no clause before them), to be shown
    with the clause they would come before: the first of `placed` — (clause id, section id)
    in document order — in the opened section or a later one. `openings` are pairs of the
    opened section's id and whatever stands for the insertion."""
    if not openings or not placed:
        return {}
    place = {section.id: section.position for section in document.sections}
    found: dict[int, list[T]] = defaultdict(list)
    for section_id, opening in openings:
        at = place.get(section_id, 0)
        following = next((clause_id for clause_id, placed_section in placed
                          if place.get(placed_section, 0) >= at), placed[-1][0])
        found[following].append(opening)
    return found


def clause_before_section(document: Document, section: Section) -> int | None:
    """The id of the last live clause before `section` in the document, or None."""
    place = {s.id: s.position for s in document.sections}
    before = [clause.id for clause, version in clause_rows(document)
              if not version.removed and place.get(clause.section_id, 0) < section.position]
    return before[-1] if before else None


def proposal_diff(proposal: Proposal):
    """Word diff of the proposal against its base ("" for an insertion, so all inserted)."""
    if proposal.action is ProposalAction.DELETE:
        return word_diff(proposal.base_text, "")
    return word_diff(proposal.base_text, proposal.text)


def proposal_redline_html(proposal: Proposal) -> str:
    return render_changes(proposal_diff(proposal), author=proposal.economy.code,
                          author_name=proposal.economy.name)


def accepted_change_html(proposal: Proposal) -> str:
    """The change an accepted proposal made to its clause, as the secretariat applied it."""
    before = proposal.base_text
    after = proposal.result_version.text if proposal.result_version else proposal.text
    if proposal.result_version is not None and proposal.result_version.removed:
        after = ""
    return render_changes(word_diff(before, after), author=proposal.economy.code,
                          author_name=proposal.economy.name)


def decision_diff(proposal: Proposal):
    """What the secretariat changed in the proposal's wording when accepting with modifications."""
    if proposal.decided_text is None:
        return None
    return word_diff(proposal.text, proposal.decided_text)


# The author label of the secretariat's own words, as in the compare view and the exports
# (economy codes are at most a few letters, so it never clashes with one).
SECRETARIAT_LABEL = "Secretariat"


def modification_redline_html(base_text: str, proposal: Proposal, final_text: str) -> str:
    """The change from `base_text` to `final_text` as two steps, the economy's proposal then
    the secretariat's modification, each change attributed to the step that made it: the same
    replay (domain/compare.py) the compare view and the redline exports use for the version
    such an acceptance writes."""
    economy = proposal.economy
    proposed = "" if proposal.action is ProposalAction.DELETE else proposal.text
    segments = attributed_changes(base_text, [Step(proposed, (economy.code,)),
                                              Step(final_text, (SECRETARIAT_LABEL,))])
    return render_overlay(segments, {economy.code: economy.name,
                                     SECRETARIAT_LABEL: "the host Secretariat"})


def decided_redline_html(proposal: Proposal) -> str | None:
    """For an acceptance with modifications: the clause as it was decided on, to the wording
    the secretariat applied, attributed (None for any other proposal)."""
    if proposal.decided_text is None:
        return None
    return modification_redline_html(proposal.base_text, proposal, proposal.decided_text)


def inline_proposals(row: ClauseRow) -> list[Proposal]:
    """The open proposals that can be laid over the clause's current text: not in conflict,
    written on the current version. Others are listed apart by the pages."""
    return [p for p in row.open_proposals
            if not p.in_conflict and p.base_version_id == row.version.id]


def proposal_card(proposal: Proposal, economies: dict[str, Economy]) -> str:
    """What the hover and focus card of a change says: who proposed it, which proposal, why."""
    who = ", ".join(economies[code].name if code in economies else code
                    for code in proposal.sponsor_codes)
    card = f"{who} — {proposal.name}"
    if proposal.rationale:
        reason = " ".join(proposal.rationale.split())
        card += ": " + (reason if len(reason) <= 200 else reason[:199] + "…")
    return card


def tracked_changes_html(row: ClauseRow, economies: dict[str, Economy]) -> str:
    """The clause with its open proposals inline, each change attributed to its economy.

    Competing proposals are never merged into one sentence: with more than one, pages show
    `alternatives` instead, and this is the overlay all the same (the chair's screen API
    documents it so). Proposals in conflict were written against an older text and cannot be
    overlaid on the current one; they are listed separately by the page instead.
    """
    shown = inline_proposals(row)
    layers = [(p.economy.code, "" if p.action is ProposalAction.DELETE else p.text)
              for p in shown]
    names = {code: e.name for code, e in economies.items()}
    cards = {shown[0].economy.code: proposal_card(shown[0], economies)} if len(shown) == 1 else {}
    return render_overlay(overlay(row.version.text, layers), names, cards)


def alternatives(row: ClauseRow, economies: dict[str, Economy]) -> list[tuple[Proposal, str]]:
    """Competing proposals on one clause, each redlined on its own against the current text
    (proposal, html); empty when fewer than two can be laid over the current text."""
    shown = inline_proposals(row)
    if len(shown) < 2:
        return []
    names = {code: e.name for code, e in economies.items()}
    return [(p, render_overlay(
        overlay(row.version.text, [(p.economy.code,
                                    "" if p.action is ProposalAction.DELETE else p.text)]),
        names, {p.economy.code: proposal_card(p, economies)})) for p in shown]


def proposals_for_clause(clause: Clause, viewer) -> list[Proposal]:
    """Proposals on the clause, open insertions after it and, on the clause that opens the
    text, open insertions that would come before it; open ones first, newest first."""
    found = list(db.session.execute(
        select(Proposal)
        .options(joinedload(Proposal.base_version), joinedload(Proposal.cosponsors),
                 joinedload(Proposal.updates))
        .where((Proposal.clause_id == clause.id) |
               ((Proposal.after_clause_id == clause.id) & (Proposal.action == ProposalAction.INSERT)
                & (Proposal.status == ProposalStatus.OPEN)),
               visible_proposals_clause(viewer))
        .order_by(Proposal.status != ProposalStatus.OPEN, Proposal.seq.desc(), Proposal.id.desc())
    ).unique().scalars())
    openings = db.session.execute(
        select(Proposal).where(Proposal.document_id == clause.document_id,
                               Proposal.action == ProposalAction.INSERT,
                               Proposal.status == ProposalStatus.OPEN,
                               Proposal.after_clause_id.is_(None),
                               visible_proposals_clause(viewer))
        .order_by(Proposal.seq.desc(), Proposal.id.desc())).scalars().all()
    if openings:
        placed = [(c.id, c.section_id) for c, v in clause_rows(clause.document) if not v.removed]
        before = opening_insertions_by_clause(
            clause.document, placed, [(p.section_id, p) for p in openings])
        found = before.get(clause.id, []) + found
    return found


def comment_threads(*, viewer, clause: Clause | None = None, proposal: Proposal | None = None,
                    clause_only: bool = False) -> list[tuple[Comment, list]]:
    """Threads as (root, [(reply, [...]), ...]) in posting order."""
    query = _visible_comments(select(Comment), viewer).order_by(Comment.seq, Comment.id)
    if proposal is not None:
        query = query.where(Comment.proposal_id == proposal.id)
    elif clause is not None:
        query = query.where(Comment.clause_id == clause.id)
        if clause_only:
            query = query.where(Comment.proposal_id.is_(None))
    comments = list(db.session.execute(query).scalars())
    children: dict[int | None, list[Comment]] = defaultdict(list)
    ids = {c.id for c in comments}
    for c in comments:
        children[c.parent_id if c.parent_id in ids else None].append(c)

    def build(parent_id):
        return [(c, build(c.id)) for c in children.get(parent_id, [])]

    return build(None)


def desk_groups(document: Document, viewer) -> list[tuple[ClauseRow, list[Proposal]]]:
    """The merge desk: open proposals grouped by the clause they touch, in document order.

    Drafts are never on it (they are not open); the secretariat sees every submitted one.
    """
    view = document_view(document, viewer=viewer)
    return [(row, row.inserts_before + row.open_proposals + row.inserts_after)
            for row in view.rows if row.open_count]


# Re-exported for templates that only need a clause's number.
def number_of(clause: Clause) -> str | None:
    return clause_number(clause.document_id, clause.id)


__all__ = [
    "SECRETARIAT_LABEL", "ClauseRow", "DocumentView", "accepted_change_html",
    "decided_redline_html", "modification_redline_html", "clause_rows", "comment_threads", "decision_diff",
    "desk_groups", "ClauseNumbers", "clause_number", "display_numbers", "document_view", "economies_by_code", "number_of",
    "open_proposals", "proposal_diff", "proposal_redline_html", "proposals_for_clause",
    "tracked_changes_html"
]
