"""JSON API: since your last visit — what changed in a document, and moving the point."""
from __future__ import annotations

from flask import jsonify, request

from drafting.domain.errors import InvalidInput
from drafting.domain.input_rules import moment
from drafting.services import visits as visit_service
from drafting.services.loading import get_document
from drafting.web.api import _payload, bp
from drafting.web.helpers import commit, signed_in_user


def since_json(document_id: int, report: visit_service.SinceLastVisit) -> dict:
    return {
        "document_id": document_id,
        "since": report.since.isoformat() if report.since else None,
        "first_visit": report.first_visit,
        "clauses": [{"id": c.clause_id, "number": c.number, "change": c.change,
                     "version": c.version} for c in report.clauses],
        "proposals": report.proposals,
        "comments": report.comments,
        "decisions": report.decisions,
        "decisions_on_yours": report.decisions_on_yours,
    }


@bp.get("/documents/<int:document_id>/since-last-visit")
def since_last_visit(document_id: int):
    """What changed since the caller last acknowledged the document. Reads only: the point
    moves with POST …/visit."""
    document = get_document(document_id)
    return jsonify(since_json(document.id,
                              visit_service.since_last_visit(signed_in_user(), document)))


@bp.post("/documents/<int:document_id>/visit")
def visit(document_id: int):
    """Acknowledge the document: the point moves to now, or to `until` when given and earlier
    (the moment the client's copy was read); never backwards."""
    data = _payload() if request.get_data() else {}
    until = None
    if data.get("until") is not None:
        until = moment(data["until"])
        if until is None:
            raise InvalidInput("until must be a moment with its UTC offset, e.g. "
                               "2026-12-07T17:05:00+00:00.", details={"field": "until"})
    document = get_document(document_id)
    point = visit_service.mark_visited(signed_in_user(), document, until=until)
    commit()
    return jsonify({"document_id": document.id, "since": point.isoformat()})
