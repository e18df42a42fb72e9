"""JSON API: searching a document (drafting/services/search.py; the answer in docs/api.md)."""
from __future__ import annotations

from flask import jsonify, request, url_for

from drafting.services import search as search_service
from drafting.services.loading import get_document
from drafting.web.api import bp
from drafting.web.helpers import signed_in_user


def hit_url(hit: search_service.SearchHit, document_id: int) -> str:
    """The page that shows the hit: the clause (or, for text only a revision holds, that
    revision's page at the clause), the proposal, or the comment in its thread."""
    if hit.kind == "clause":
        if hit.current:
            return url_for("documents.clause", clause_id=hit.id)
        return url_for("documents.show", document_id=document_id,
                       rev=hit.revisions[-1]) + f"#clause-{hit.id}"
    if hit.kind == "proposal":
        return url_for("proposals.show", proposal_id=hit.id)
    if hit.proposal_id is not None:
        return url_for("proposals.show", proposal_id=hit.proposal_id) + f"#comment-{hit.id}"
    return url_for("documents.clause", clause_id=hit.clause_id) + f"#comment-{hit.id}"


def hit_json(hit: search_service.SearchHit, document_id: int) -> dict:
    body = {
        "kind": hit.kind, "id": hit.id, "clause_id": hit.clause_id, "number": hit.number,
        "snippet": hit.snippet, "highlights": [list(span) for span in hit.highlights],
        "field": hit.field, "url": hit_url(hit, document_id),
    }
    if hit.kind == "clause":
        body.update(version=hit.version, current=hit.current, revisions=hit.revisions,
                    revision=hit.revision)
    elif hit.kind == "proposal":
        body.update(action=hit.action, status=hit.status, economy=hit.economy)
    else:
        body.update(proposal_id=hit.proposal_id, economy=hit.economy)
    return body


@bp.get("/documents/<int:document_id>/search")
def search_document(document_id: int):
    document = get_document(document_id)
    results = search_service.search_document(signed_in_user(), document, request.args.get("q"),
                                             request.args.get("limit"))
    return jsonify({"query": results.query.text, "limit": results.limit,
                    "truncated": results.truncated,
                    "results": [hit_json(hit, document.id) for hit in results.hits]})
