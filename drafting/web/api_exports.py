"""JSON API: exports as files (GET /api/v1/documents/<id>/export)."""
from __future__ import annotations

from flask import request

from drafting.services.loading import get_document
from drafting.web.api import bp
from drafting.web.exports import send_export
from drafting.web.rate_limits import conversions


@bp.get("/documents/<int:document_id>/export")
@conversions
def export_document(document_id: int):
    return send_export(get_document(document_id), request.args)
