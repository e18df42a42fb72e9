"""Building export data (clean, redline, compilation, disposition) from the negotiation."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, select

from drafting.domain.errors import InvalidInput, NotFound
from drafting.domain.input_rules import whole_number
from drafting.domain.overlay import overlay
from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.exports.model import (SECRETARIAT, DispositionRow, ExportDocument, ExportSection,
                                    LegendEntry, Paragraph, Run)
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document, Proposal, Revision, RevisionClause
from drafting.models.types import utcnow
from drafting.services import comparison as comparisons
from drafting.services import reading
from drafting.services.policy import Action, authorize
from drafting.services.revisions import MAX_REVISION_NUMBER
from drafting.services.visibility import visible_proposals_clause

MODES = ("clean", "redline", "compilation", "disposition")
CURRENT = "current"
FIRST = "first"  # each clause's first version: the text as originally tabled


@dataclass(frozen=True)
class TextPoint:
    """One end of a comparison: a revision, or the current text."""

    label: str
    revision: Revision | None
    # clause id → (position, section id, version number, display number, text, removed)
    clauses: dict[int, tuple[int, int, int, str, str, bool]]
    date: object


def text_point(document: Document, which: str | int | None) -> TextPoint:
    """The document as it stood at revision `which`, or now (`None` / "current")."""
    if which in (None, "", CURRENT):
        rows = reading.clause_rows(document)
        numbers = reading.display_numbers(document, rows)
        return TextPoint("Current text", None, {
            c.id: (c.position, c.section_id, v.number, numbers.get(c.id, ""), v.text, v.removed)
            for c, v in rows}, utcnow())
    if which == FIRST:
        rows = reading.clause_rows(document)
        firsts = {v.clause_id: v for v in db.session.execute(
            select(ClauseVersion).join(Clause).where(Clause.document_id == document.id,
                                                     ClauseVersion.number == 1,
                                                     ClauseVersion.proposal_id.is_(None))
        ).scalars()}
        numbers = reading.display_numbers(document, rows)
        return TextPoint("First text", None, {
            c.id: (c.position, c.section_id, 1, numbers.get(c.id, ""), firsts[c.id].text, False)
            for c, _v in rows if c.id in firsts}, document.created_at)
    number = whole_number(which)
    if number is None:  # only ASCII digits name a revision
        raise InvalidInput(f"Unknown revision {which!r}: give a revision number or “current”.",
                           details={"field": "revision"})
    # A number beyond the integer column names no revision (and PostgreSQL refuses to compare
    # it: "integer out of range", a 500), so it is not looked up.
    revision = db.session.execute(
        select(Revision).where(Revision.document_id == document.id, Revision.number == number)
    ).scalar() if 0 < number <= MAX_REVISION_NUMBER else None
    if revision is None:
        raise NotFound(f"This document has no Rev.{number}.")
    rows = db.session.execute(
        select(RevisionClause, ClauseVersion)
        .join(ClauseVersion, and_(ClauseVersion.clause_id == RevisionClause.clause_id,
                                  ClauseVersion.number == RevisionClause.version_number))
        .where(RevisionClause.revision_id == revision.id)
    ).all()
    return TextPoint(revision.label, revision, {
        rc.clause_id: (rc.position, rc.section_id, rc.version_number, rc.display_number, v.text,
                       False) for rc, v in rows}, revision.created_at)


def _legend() -> list[LegendEntry]:
    return [LegendEntry(e.code, e.name, e.colour) for e in reading.economies_by_code().values()] \
        + [LegendEntry(SECRETARIAT, "Secretariat's own edits", "#444444")]


def _frame(document: Document, mode: str, point: TextPoint) -> ExportDocument:
    lifecycle = [(f"rev_{r.number}", r.created_at, f"{r.label}: {r.note}".strip(": "))
                 for r in db.session.execute(select(Revision).where(
                     Revision.document_id == document.id).order_by(Revision.number)).scalars()]
    if document.frozen_at is not None:
        lifecycle.append(("endorsement", document.frozen_at, "Endorsed by leaders"))
    return ExportDocument(
        title=document.title, symbol=document.symbol, stage=document.stage.label,
        revision=point.label, date=point.date, classification=document.classification or "",
        mode=mode, fingerprint=document.fingerprint, host=document.host_economy.name,
        document_id=document.id, lifecycle=lifecycle,
    )


def _sections(document: Document, entries: list[tuple[int, Paragraph]]) -> list[ExportSection]:
    """Group (section id, paragraph) pairs, already in order, under their headings."""
    headings = {s.id: s.heading for s in document.sections}
    order = [s.id for s in document.sections]
    grouped: dict[int, list[Paragraph]] = defaultdict(list)
    for section_id, paragraph in entries:
        grouped[section_id].append(paragraph)
    return [ExportSection(headings[sid], grouped[sid]) for sid in order if grouped.get(sid)]


def _formerly(document: Document) -> dict[int, str]:
    """Clause id → its number in the statement it was moved from, for the paragraphs of a
    Chair's statement (every export names it, as the pages do: "formerly OP3")."""
    return dict(db.session.execute(
        select(Clause.id, Clause.moved_from_number)
        .where(Clause.document_id == document.id, Clause.moved_from_number.is_not(None),
               Clause.moved_from_number != "")).all())


def clean_export(document: Document, which=None) -> ExportDocument:
    point = text_point(document, which)
    export = _frame(document, "clean", point)
    formerly = _formerly(document)
    live = sorted((v for v in point.clauses.items() if not v[1][5]), key=lambda kv: kv[1][0])
    export.sections = _sections(document, [
        (section_id, Paragraph(number, [Run("equal", text)], formerly=formerly.get(cid)))
        for cid, (_pos, section_id, _ver, number, text, _removed) in live])
    return export


def compilation_export(document: Document, viewer) -> ExportDocument:
    """The current text with every open proposal inline and attributed (second reading)."""
    point = text_point(document, CURRENT)
    export = _frame(document, "compilation", point)
    export.legend = _legend()
    view = reading.document_view(document, viewer=viewer)
    names = {code: e.name for code, e in view.economies.items()}
    formerly = _formerly(document)
    entries = []
    for row in view.rows:
        layers = reading.inline_proposals(row)
        # Competing proposals are never merged into one sentence: the current text, then
        # each proposal redlined on its own as an alternative.
        competing = len(layers) > 1
        runs = _overlay_runs(row.version.text, [] if competing else layers, names)
        notes = [] if competing else [f"[{', '.join(p.sponsor_codes)}: {p.rationale}]"
                                      for p in layers if p.rationale]
        if competing:
            notes.append(f"{len(layers)} competing proposals follow as alternatives.")
        notes += [f"In conflict, not shown inline: [{', '.join(p.sponsor_codes)}: {p.text}]"
                  for p in row.open_proposals if p.in_conflict]
        for p in row.inserts_before:
            entries.append((p.section_id, _proposed_clause(
                p, "new", f"Proposed new clause opening the text, before {row.number}")))
        entries.append((row.clause.section_id,
                        Paragraph(row.number or "", runs, note=" ".join(notes),
                                  formerly=formerly.get(row.clause.id))))
        for index, p in enumerate(layers if competing else [], start=1):
            sponsors = ", ".join(p.sponsor_codes)
            note = f"Alternative {index} [{sponsors}]" + (f": {p.rationale}" if p.rationale else "")
            entries.append((row.clause.section_id, Paragraph(
                f"{row.number} alt. {index}", _overlay_runs(row.version.text, [p], names),
                note=note)))
        for p in row.inserts_after:
            # One that opens the next section is filed under that section's heading: entries
            # keep their order within a section, and this one comes before any of its clauses.
            opens = p.opens_section
            where = (f"at the start of “{p.section.heading}”" if opens
                     else f"after {row.number}")
            entries.append((p.section_id if opens else row.clause.section_id, _proposed_clause(
                p, "new" if opens else f"{row.number} new", f"Proposed new clause {where}")))
    export.sections = _sections(document, entries)
    return export


def _overlay_runs(text: str, proposals: list[Proposal], names: dict[str, str]) -> list[Run]:
    """`text` with `proposals` laid over it, each change attributed to its sponsors."""
    segments = overlay(text, [
        (", ".join(p.sponsor_codes), "" if p.action is ProposalAction.DELETE else p.text)
        for p in proposals])
    return [Run(s.op, s.text, ", ".join(s.authors) or None,
                "; ".join(_named(label.split(", "), names) for label in s.authors) or None)
            for s in segments]


def _named(codes, names: dict[str, str]) -> str:
    """Economy codes as the names a reader sees ("Australia, New Zealand"): a change is
    attributed to its proposer and every co-sponsor, in every format."""
    return ", ".join(names.get(code, code) for code in codes)


def _proposed_clause(p: Proposal, number: str, where: str) -> Paragraph:
    """A compilation paragraph for an open insertion, attributed to its sponsors."""
    sponsors = ", ".join(p.sponsor_codes)
    return Paragraph(number, [Run("insert", p.text, sponsors)], change="added", author=sponsors,
                     author_name=", ".join([p.economy.name] + [c.economy.name
                                                               for c in p.cosponsors]), date=p.submitted_at or p.created_at,
                     comment=p.rationale or None, note=f"{where} [{sponsors}]")


OUTCOMES = {
    ProposalStatus.ACCEPTED: "Accepted",
    ProposalStatus.ACCEPTED_MODIFIED: "Accepted with modifications",
    ProposalStatus.OPTION: "Kept as option",
    ProposalStatus.REJECTED: "Rejected",
    ProposalStatus.WITHDRAWN: "Withdrawn",
    ProposalStatus.SUPERSEDED: "Superseded (clause deleted)",
    ProposalStatus.OPEN: "Pending",
}


def disposition_export(document: Document, viewer, which=None, *,
                       include_unchanged: bool = False) -> ExportDocument:
    """Per clause: its text in the base revision, every proposal since that `viewer` may see
    and what became of it, and the resulting (current) text. Paragraphs nobody proposed to
    change and that did not change are left out (and counted) unless `include_unchanged`."""
    base = text_point(document, which)
    current = text_point(document, CURRENT)
    export = _frame(document, "disposition", current)
    export.compared = (base.label, current.label)
    since = base.revision.created_at if base.revision else None
    query = select(Proposal).where(Proposal.document_id == document.id,
                                   Proposal.submitted_at.is_not(None),
                                   visible_proposals_clause(viewer))
    if since is not None:
        query = query.where((Proposal.decided_at.is_(None)) | (Proposal.decided_at >= since))
    by_clause: dict[int, list[Proposal]] = defaultdict(list)
    openings: list[Proposal] = []
    for p in db.session.execute(query.order_by(Proposal.seq, Proposal.id)).scalars():
        if p.clause_id or p.after_clause_id:
            by_clause[p.clause_id or p.after_clause_id].append(p)
        else:
            openings.append((p.section_id, p))  # opens the text, not (yet) a clause
    ordered = sorted(current.clauses.items(), key=lambda kv: kv[1][0])
    placed = [(clause_id, entry[1]) for clause_id, entry in ordered]
    for clause_id, found in reading.opening_insertions_by_clause(
            document, placed, openings).items():
        by_clause[clause_id] = found + by_clause[clause_id]
    for clause_id, (_pos, _sid, _ver, number, text, removed) in ordered:
        base_entry = base.clauses.get(clause_id)
        proposals = by_clause.get(clause_id, [])
        if base_entry is None and not proposals and removed:
            continue
        if not include_unchanged and not proposals and base_entry is not None \
                and not removed and base_entry[4] == text:
            export.unchanged_left_out += 1
            continue
        export.disposition.append(DispositionRow(
            number=number or (base_entry[3] if base_entry else "—"),
            base_text=base_entry[4] if base_entry else "(not in the base text)",
            proposals=[{
                "id": p.id, "economy": ", ".join(p.sponsor_codes),
                "action": p.action.value, "text": p.text,
                "outcome": OUTCOMES.get(p.status, p.status.label),
                "reason": p.decision_note or "",
            } for p in proposals],
            result_text="(deleted)" if removed else text,
        ))
    return export


def export_document(actor, document: Document, mode: str, *, from_revision=None,
                    to_revision=None, include_unchanged: bool = False) -> ExportDocument:
    """Build the export data for `mode`; raises InvalidInput for an unknown mode.
    `include_unchanged`: a disposition table lists every paragraph, not only those with
    proposals or changes."""
    authorize(actor, Action.VIEW, document)
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}.", details={"field": "mode"})
    if mode == "clean":
        return clean_export(document, to_revision)
    if mode == "compilation":
        return compilation_export(document, actor)
    if mode == "disposition":
        return disposition_export(document, actor, from_revision or FIRST,
                                  include_unchanged=include_unchanged)
    return redline_export(document, actor, from_revision, to_revision)


def redline_export(document: Document, viewer, from_revision, to_revision) -> ExportDocument:
    """Tracked changes between two revisions (or a revision and the current text).

    Each change is authored by the proposing economy and its co-sponsors (named again in the
    comment, with the rationale) or by the Secretariat, and dated by the decision that made it.
    """
    start, end = comparisons.resolve_comparison_points(document, from_revision, to_revision)
    comparison = comparisons.compare(document, start, end)
    # The frame needs only the target's label and date; the comparison has read its text.
    point = (TextPoint(end.label, end, {}, end.created_at) if end
             else TextPoint("Current text", None, {}, utcnow()))
    export = _frame(document, "redline", point)
    export.compared = (comparison.from_label, comparison.to_label)
    # What text_point(document, start.number) would say of the source, without reading it.
    export.source_revision, export.source_date = start.label, start.created_at
    export.legend = _legend()
    names = {code: e.name for code, e in comparison.economies.items()}
    names[SECRETARIAT] = SECRETARIAT
    rationale = _rationales(comparison, viewer)
    dates = {s.proposal_id: s.created_at for item in comparison.clauses for s in item.steps}
    secretariat_date = {item.clause_id: (item.steps[-1].created_at if item.steps else None)
                        for item in comparison.clauses}
    formerly = _formerly(document)
    entries = []
    for item in comparison.clauses:
        runs = []
        for seg in item.segments:
            author = ", ".join(seg.authors) or None
            date = dates.get(seg.ref) if seg.ref is not None else secretariat_date[item.clause_id]
            runs.append(Run(seg.op, seg.text, author, _named(seg.authors, names) or None, date,
                            rationale.get(seg.ref)))
        first = next((s for s in item.segments if s.op != "equal"), None)
        authors = first.authors if first and first.authors else (SECRETARIAT,)
        paragraph = Paragraph(
            number=item.number or "", runs=runs,
            change=item.change if item.change != "unchanged" else "unchanged",
            old_number=item.from_number if item.renumbered else None,
            author=", ".join(authors) if item.change in ("added", "deleted") else None,
            author_name=_named(authors, names),
            date=(item.steps[-1].created_at if item.steps else None),
            comment=rationale.get(first.ref) if first else None,
            formerly=formerly.get(item.clause_id),
        )
        entries.append((item.section_id, paragraph))
    export.sections = _sections(document, entries)
    summary = comparison.summary
    export.summary = {
        "totals": {
            "Clauses changed": summary["changed"], "Clauses added": summary["added"],
            "Clauses deleted": summary["deleted"], "Clauses renumbered": summary["renumbered"],
            "Proposals accepted": summary["proposals_accepted"],
            "Secretariat's own edits": summary["secretariat_edits"],
        },
        "by_economy": {names.get(code, code): n for code, n in summary["by_economy"].items()},
    }
    return export


def _rationales(comparison, viewer) -> dict[int, str]:
    """proposal id → the Word comment text: sponsors, rationale and the secretariat's note.

    The sponsors come from the comparison's steps (loaded with their co-sponsors in one
    query there); only the texts are read here, in one query, for the proposals `viewer` may
    see."""
    sponsors = {s.proposal_id: s.authors for item in comparison.clauses for s in item.steps
                if s.proposal_id}
    if not sponsors:
        return {}
    out = {}
    rows = db.session.execute(
        select(Proposal.id, Proposal.rationale, Proposal.decision_note)
        .where(Proposal.id.in_(sponsors), visible_proposals_clause(viewer)))
    for proposal_id, rationale, decision_note in rows:
        parts = [f"Proposed by {', '.join(sponsors[proposal_id])}."]
        if rationale:
            parts.append(f"Rationale: {rationale}")
        if decision_note:
            parts.append(f"Secretariat: {decision_note}")
        out[proposal_id] = " ".join(parts)
    return out
