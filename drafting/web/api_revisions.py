"""JSON API: Revisions, comparing them, the negotiating text, and the secretariat's edits."""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from drafting.domain.errors import InvalidInput
from drafting.domain.negotiating_text import pieces_text
from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import Proposal, Revision
from drafting.services import editing, reading
from drafting.services import comparison as comparisons
from drafting.services import revisions as revision_service
from drafting.services.loading import get_clause, get_document
from drafting.services.visibility import visible_proposals_clause
from drafting.web.api import _optional_int, _payload, _string, bp
from drafting.web.helpers import commit, signed_in_user


def _iso(value):
    return value.isoformat() if value is not None else None


def revision_json(revision: Revision) -> dict:
    return {
        "number": revision.number,
        "label": revision.label,
        "note": revision.note,
        "created_at": _iso(revision.created_at),
        "created_by": revision.created_by.username if revision.created_by else None,
        "bracket_count": revision.bracket_count,
        "option_count": revision.option_count,
        "renumbered": revision.renumbered,
    }


@bp.get("/documents/<int:document_id>/revisions")
def list_revisions(document_id: int):
    document = get_document(document_id)
    return jsonify({"revisions": [revision_json(r)
                                  for r in revision_service.revisions_of(document)]})


@bp.post("/documents/<int:document_id>/revisions")
def create_revision(document_id: int):
    data = _payload()
    document = get_document(document_id)
    renumber = data.get("renumber", True)
    if not isinstance(renumber, bool):
        raise InvalidInput("renumber must be true or false.", details={"field": "renumber"})
    revision = revision_service.issue_revision(signed_in_user(), document, _string(data, "note"),
                                               renumber=renumber)
    commit()
    body = revision_json(revision)
    body["clauses"] = len(revision.entries)
    return jsonify(body), 201


@bp.get("/documents/<int:document_id>/revisions/<int:number>")
def show_revision(document_id: int, number: int):
    document = get_document(document_id)
    revision = revision_service.get_revision(document, number)
    body = revision_json(revision)
    body["clauses"] = [{
        "id": clause.id, "number": entry.display_number, "text": version.text,
        "version": entry.version_number, "section_id": entry.section_id,
    } for entry, clause, version in revision_service.revision_entries(revision)]
    return jsonify(body)


def _point(revision: Revision | None):
    return revision.number if revision is not None else "current"


@bp.get("/documents/<int:document_id>/compare")
def compare(document_id: int):
    document = get_document(document_id)
    start, end = comparisons.resolve_comparison_points(
        document, request.args.get("from"), request.args.get("to"))
    comparison = comparisons.compare(document, start, end)
    return jsonify({
        "from": _point(start),
        "to": _point(end),
        "from_label": comparison.from_label,
        "to_label": comparison.to_label,
        "summary": comparison.summary,
        "clauses": [{
            "clause_id": item.clause_id,
            "number": item.number,
            "from_number": item.from_number,
            "to_number": item.to_number,
            "change": item.change,
            "from_version": item.from_version,
            "to_version": item.to_version,
            "segments": [{"op": s.op, "text": s.text, "authors": list(s.authors),
                          "proposal_id": s.ref} for s in item.segments],
            "steps": [{"version": s.version, "authors": list(s.authors),
                       "proposal_id": s.proposal_id, "proposal_number": s.proposal_number,
                       "proposal_status": s.proposal_status,
                       "at": _iso(s.created_at), "note": s.note or None,
                       "removed": s.removed} for s in item.steps],
        } for item in comparison.clauses],
    })


@bp.get("/documents/<int:document_id>/negotiating-text")
def negotiating_text(document_id: int):
    document = get_document(document_id)
    rev = request.args.get("rev")
    revision = revision_service.get_revision(
        document, revision_service.parse_revision_number(rev)) if rev not in (None, "") else None
    view = revision_service.negotiating_view(document, revision)
    totals = view.totals
    return jsonify({
        "document_id": document.id,
        "revision": revision.number if revision else None,
        "label": revision.label if revision else "Current text",
        "totals": {
            "clauses": totals.clauses, "bracketed_clauses": totals.bracketed_clauses,
            "brackets": totals.brackets, "options": totals.options,
            "clauses_with_options": totals.clauses_with_options,
            "proposed_insertions": totals.proposed_insertions,
        },
        "progression": [{"number": p["number"], "label": p["label"], "brackets": p["brackets"],
                         "options": p["options"]} for p in view.progression],
        "clauses": [{
            "clause_id": c.clause_id, "number": c.number, "status": c.status,
            "status_label": c.status_label, "bracketed": c.bracketed,
            "bracket_count": c.bracket_count, "option_count": c.option_count,
            "text": c.plain, "lines": [pieces_text(line) for line in c.lines],
            "proposed_insertions": [pieces_text(line) for line in c.insertions],
            "proposed_insertions_before": [pieces_text(line) for line in c.insertions_before],
            "economies": list(c.economies),
        } for c in view.clauses],
    })


@bp.post("/clauses/<int:clause_id>/text")
def edit_clause_text(clause_id: int):
    data = _payload()
    clause = get_clause(clause_id)
    version = editing.edit_clause_text(signed_in_user(), clause, _string(data, "text"),
                                       _optional_int(data, "expected_version"),
                                       _string(data, "note"))
    commit()
    proposals = db.session.execute(
        select(Proposal).where(Proposal.clause_id == clause.id,
                               Proposal.status.in_([ProposalStatus.OPEN, ProposalStatus.OPTION]),
                               visible_proposals_clause(signed_in_user()))
        .order_by(Proposal.seq, Proposal.id)
    ).scalars()
    return jsonify({
        "clause_id": clause.id, "number": reading.number_of(clause),
        "version": version.number, "text": version.text, "note": version.note or None,
        "created_by": signed_in_user().username, "attributed_to": revision_service.SECRETARIAT,
        "open_proposals": [{"id": p.id, "status": p.status.value, "in_conflict": p.in_conflict,
                            "base_version": p.base_version.number if p.base_version else None}
                           for p in proposals],
    })
