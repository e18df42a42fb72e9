"""The search page of a document: a GET form (it works without JavaScript) and its results."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from drafting.domain.errors import InvalidInput
from drafting.domain.search_text import MAX_QUERY_CHARS, marked_parts
from drafting.services import search as search_service
from drafting.services.loading import get_document
from drafting.web.api_search import hit_url
from drafting.web.helpers import signed_in_user

bp = Blueprint("search", __name__)

KIND_LABELS = {"clause": "Paragraph", "proposal": "Proposal", "comment": "Comment"}


@bp.get("/documents/<int:document_id>/search")
@login_required
def results(document_id: int):
    """The hits for ?q=; an empty or bad query shows the form with its message (422), never a
    bare error page: the person keeps what they typed."""
    document = get_document(document_id)
    q = request.args.get("q", "")
    found, error, status = None, None, 200
    if q.strip() or "q" in request.args:
        try:
            found = search_service.search_document(signed_in_user(), document, q,
                                                   request.args.get("limit"), field="The search")
        except InvalidInput as refused:
            error, status = refused.message, 422
    hits = []
    if found is not None:
        hits = [(hit, marked_parts(hit.snippet, hit.highlights), hit_url(hit, document.id))
                for hit in found.hits]
    return render_template("search/results.html", document=document, q=q, found=found,
                           hits=hits, error=error, kind_labels=KIND_LABELS,
                           max_chars=MAX_QUERY_CHARS), status
