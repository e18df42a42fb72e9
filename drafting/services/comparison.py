"""Comparing two points of a document: a revision with a later one, or with the current text.

Every change is attributed to the version that introduced it: the sponsors of the accepted
proposal, or the Secretariat for its own edits.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from drafting.domain.compare import AttributedSegment, Step, attributed_changes
from drafting.domain.errors import InvalidInput
from drafting.domain.render import render_overlay
from drafting.extensions import db
from drafting.models import (Clause, ClauseVersion, Cosponsorship, Document, Economy, Proposal,
                             Revision, RevisionClause)
from drafting.services import reading
from drafting.services.revisions import (SECRETARIAT, get_revision, latest_revision,
                                         parse_revision_number)


@dataclass(frozen=True)
class StepInfo:
    """One version between the two compared states, and who it came from."""

    version: int
    authors: tuple[str, ...]
    proposal_id: int | None
    proposal_status: str | None
    created_at: datetime
    note: str
    removed: bool = False
    proposal_number: int | None = None  # what people call it ("#12"); the id is for links


@dataclass
class ClauseComparison:
    clause_id: int
    section_id: int
    change: str  # changed | added | deleted | unchanged
    number: str | None  # in the later state (the earlier one for a deleted clause)
    from_number: str | None
    to_number: str | None
    from_version: int | None
    to_version: int | None
    segments: list[AttributedSegment]
    steps: list[StepInfo]

    @property
    def renumbered(self) -> bool:
        return bool(self.from_number and self.to_number and self.from_number != self.to_number)


@dataclass
class Comparison:
    document: Document
    from_revision: Revision
    to_revision: Revision | None  # None: the current text
    clauses: list[ClauseComparison]
    summary: dict
    economies: dict = field(default_factory=dict)

    @property
    def from_label(self) -> str:
        return self.from_revision.label

    @property
    def to_label(self) -> str:
        return self.to_revision.label if self.to_revision else "Current text"

    def html(self, item: ClauseComparison) -> str:
        names = {code: e.name for code, e in self.economies.items()}
        names.setdefault(SECRETARIAT, "the Secretariat")
        return render_overlay(item.segments, names)


@dataclass(frozen=True)
class _State:
    version: int
    number: str | None
    section_id: int


def _revision_state(revision: Revision) -> dict[int, _State]:
    return {e.clause_id: _State(e.version_number, e.display_number, e.section_id)
            for e in db.session.execute(
                select(RevisionClause).where(RevisionClause.revision_id == revision.id)
            ).scalars()}


def _current_state(document: Document) -> dict[int, _State]:
    rows = reading.clause_rows(document)
    numbers = reading.display_numbers(document, rows)
    return {c.id: _State(v.number, numbers.get(c.id), c.section_id)
            for c, v in rows if not v.removed}


@dataclass(frozen=True)
class _Version:
    """What a comparison reads of a clause version and the proposal that wrote it: plain
    rows (one query for the versions, one for their co-sponsors) rather than ORM objects,
    which cost more to build than the comparison itself."""

    number: int
    text: str
    removed: bool
    created_at: datetime
    note: str | None
    proposal_id: int | None
    proposal_text: str | None
    decided_text: str | None
    proposal_status: str | None
    sponsors: tuple[str, ...]
    proposal_number: int | None


def _versions(ids: set[int]) -> dict[int, list[_Version]]:
    """clause id → its versions in order, with the sponsors of the proposals behind them."""
    rows = db.session.execute(
        select(ClauseVersion.clause_id, ClauseVersion.number, ClauseVersion.text,
               ClauseVersion.removed, ClauseVersion.created_at, ClauseVersion.note,
               ClauseVersion.proposal_id, Proposal.text, Proposal.decided_text,
               Proposal.status, Economy.code, Proposal.number)
        .outerjoin(Proposal, Proposal.id == ClauseVersion.proposal_id)
        .outerjoin(Economy, Economy.id == Proposal.economy_id)
        .where(ClauseVersion.clause_id.in_(ids))
        .order_by(ClauseVersion.clause_id, ClauseVersion.number)).all()
    cosponsors: dict[int, list[str]] = defaultdict(list)
    proposal_ids = {row[6] for row in rows if row[6] is not None}
    if proposal_ids:
        # In Proposal.cosponsors' order, which Proposal.sponsor_codes follows.
        for proposal_id, code in db.session.execute(
                select(Cosponsorship.proposal_id, Economy.code)
                .join(Economy, Economy.id == Cosponsorship.economy_id)
                .where(Cosponsorship.proposal_id.in_(proposal_ids))
                .order_by(Cosponsorship.proposal_id, Cosponsorship.created_at)):
            cosponsors[proposal_id].append(code)
    versions: dict[int, list[_Version]] = defaultdict(list)
    for (clause_id, number, text, removed, created_at, note, proposal_id, proposal_text,
         decided_text, status, code, proposal_number) in rows:
        versions[clause_id].append(_Version(
            number, text, removed, created_at, note, proposal_id, proposal_text, decided_text,
            status.value if status is not None else None,
            (code, *cosponsors.get(proposal_id, ())) if proposal_id is not None else (),
            proposal_number))
    return versions


def _replay(versions: list[_Version], steps: list[StepInfo]) -> list[Step]:
    """The steps to replay for attribution: one per version, except that a version written by
    an acceptance with modifications is the economy's proposal and then the secretariat's
    modification of it, so that the secretariat's words are never credited to the economy
    (and words the economy proposed but the secretariat left out are not shown at all)."""
    replay = []
    for version, step in zip(versions, steps):
        if (version.proposal_id is not None and version.decided_text is not None
                and not version.removed):
            replay.append(Step(version.proposal_text, step.authors, step.proposal_id))
            replay.append(Step(version.text, (SECRETARIAT,), step.proposal_id))
        else:
            replay.append(Step(version.text, step.authors, step.proposal_id))
    return replay


def _step_info(version: _Version) -> StepInfo:
    return StepInfo(
        version=version.number,
        authors=version.sponsors if version.proposal_id is not None else (SECRETARIAT,),
        proposal_id=version.proposal_id,
        proposal_status=version.proposal_status,
        created_at=version.created_at, note=version.note or "", removed=version.removed,
        proposal_number=version.proposal_number)


def resolve_comparison_points(document: Document, from_value=None, to_value=None
                              ) -> tuple[Revision, Revision | None]:
    """The revisions named by `from` and `to` ("current" or nothing for the current text).

    `from` defaults to the latest revision. Raises InvalidInput for malformed values, a
    document without revisions or a `from` that is not earlier than `to`; NotFound for a
    revision that does not exist.
    """
    to_revision = None
    if to_value not in (None, "", "current"):
        to_revision = get_revision(document, parse_revision_number(to_value, "to"))
    if from_value in (None, ""):
        from_revision = latest_revision(document)
        if from_revision is None:
            raise InvalidInput(f"{document.symbol} has no revision yet: the secretariat issues "
                               "Rev.1 first, then changes can be compared with it.",
                               code="no_revision")
        if to_revision is not None and to_revision.number <= from_revision.number:
            from_revision = None
            if to_revision.number > 1:
                from_revision = get_revision(document, to_revision.number - 1)
            else:
                raise InvalidInput("Rev.1 is the first revision: compare it with a later one.",
                                   details={"field": "to"})
    else:
        from_revision = get_revision(document, parse_revision_number(from_value, "from"))
    if to_revision is not None and to_revision.number <= from_revision.number:
        raise InvalidInput(f"“from” must be an earlier revision than “to” ({from_revision.label} "
                           f"is not earlier than {to_revision.label}).", details={"field": "from"})
    return from_revision, to_revision


def compare(document: Document, from_revision: Revision, to_revision: Revision | None = None
            ) -> Comparison:
    """Word-level tracked changes from one revision to a later one (or to the current text).

    Every change is attributed to the version that introduced it: the sponsors of the
    accepted proposal, or the Secretariat for its own edits.
    """
    before = _revision_state(from_revision)
    after = _revision_state(to_revision) if to_revision else _current_state(document)
    ids = set(before) | set(after)
    positions = dict(db.session.execute(
        select(Clause.id, Clause.position).where(Clause.id.in_(ids))).all()) if ids else {}
    versions = _versions(ids) if ids else {}

    items: list[ClauseComparison] = []
    for clause_id in sorted(ids, key=lambda i: positions[i]):
        old, new = before.get(clause_id), after.get(clause_id)
        history = versions.get(clause_id, [])
        text_of = {v.number: v.text for v in history}
        if old and new:
            between = [v for v in history if old.version < v.number <= new.version]
            steps = [_step_info(v) for v in between]
            segments = attributed_changes(text_of[old.version], _replay(between, steps))
            change = "changed" if old.version != new.version and any(
                s.op != "equal" for s in segments) else "unchanged"
            items.append(ClauseComparison(clause_id, new.section_id, change, new.number,
                                          old.number, new.number, old.version, new.version,
                                          segments, steps))
        elif new:
            between = [v for v in history if v.number <= new.version]
            steps = [_step_info(v) for v in between]
            segments = attributed_changes("", _replay(between, steps))
            items.append(ClauseComparison(clause_id, new.section_id, "added", new.number, None,
                                          new.number, None, new.version, segments, steps))
        else:
            removal = next((v for v in history if v.removed and v.number > old.version), None)
            step = _step_info(removal) if removal else None
            authors = step.authors if step else ()
            text = text_of[old.version]
            segments = [AttributedSegment("delete", text, authors,
                                          step.proposal_id if step else None)] if text else []
            items.append(ClauseComparison(clause_id, old.section_id, "deleted", old.number,
                                          old.number, None, old.version, None, segments,
                                          [step] if step else []))
    return Comparison(document, from_revision, to_revision, items, _summary(items),
                      reading.economies_by_code())


def _summary(items: list[ClauseComparison]) -> dict:
    counts = {kind: sum(1 for i in items if i.change == kind)
              for kind in ("changed", "added", "deleted", "unchanged")}
    proposals: dict[int, tuple[str, ...]] = {}
    numbers: dict[int, int | None] = {}
    secretariat_edits = 0
    by_economy: dict[str, int] = defaultdict(int)
    for item in items:
        if item.change == "unchanged":
            continue
        for step in item.steps:
            if step.proposal_id is None:
                secretariat_edits += 1
                by_economy[SECRETARIAT] += 1
            elif step.proposal_id not in proposals:
                proposals[step.proposal_id] = step.authors
                numbers[step.proposal_id] = step.proposal_number
                for code in step.authors:
                    by_economy[code] += 1
    return {
        **counts,
        "renumbered": sum(1 for i in items if i.renumbered),
        "proposals_accepted": len(proposals),
        "proposal_ids": sorted(proposals),
        # Aligned with proposal_ids: the number each is known by ("#12").
        "proposal_numbers": [numbers[pid] for pid in sorted(proposals)],
        "secretariat_edits": secretariat_edits,
        "by_economy": dict(sorted(by_economy.items(),
                                  key=lambda kv: (kv[0] == SECRETARIAT, -kv[1], kv[0]))),
    }
