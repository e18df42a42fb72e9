"""JSON API: the chair's screen of a document (what it shows; the secretariat moves it)."""
from __future__ import annotations

from flask import g, jsonify

from drafting.domain.consensus import split_codes
from drafting.services import screen as screen_service
from drafting.services.loading import get_document
from drafting.web.api import _payload, bp
from drafting.web.helpers import commit, signed_in_user
from drafting.web.workflow import shown_settled


def _sponsors(proposal) -> list[str]:
    return list(proposal.sponsor_codes)


def screen_json(view: screen_service.ScreenView) -> dict:
    """The screen as data: the same content the projection page shows."""
    state, row = view.state, view.row
    body = {
        "document_id": view.document.id,
        "clause_id": row.clause.id if row else None,
        "changed_at": state.changed_at.isoformat() if state else None,
        "changed_by": state.changed_by.username if state and state.changed_by else None,
        "deleted": view.deleted_label,
        "clause": None,
    }
    if row is None:
        return body
    clause, panel = row.clause, view.positions
    body["clause"] = {
        "id": clause.id, "number": row.number, "text": row.version.text,
        "version": clause.version, "status": clause.status.value,
        "excepted": split_codes(clause.excepted_economies),
        "section": view.section.heading if view.section else None,
        "index": view.index, "total": view.total,
        "tracked_changes_html": view.changes_html,
        "alternatives": [{"proposal_id": p.id, "economies": _sponsors(p), "html": html}
                         for p, html in view.alternatives],
        "proposals": [{"id": p.id, "action": p.action.value, "text": p.text,
                       "economies": _sponsors(p), "on_current_text": p in view.inline}
                      for p in view.inline + view.earlier_text],
        "inserts_after": [{"id": p.id, "text": p.text, "economies": _sponsors(p)}
                          for p in view.inserts_after],
        "inserts_before": [{"id": p.id, "text": p.text, "economies": _sponsors(p)}
                           for p in view.inserts_before],
        "options": [{"label": card.label, "current_text": card.is_current_text,
                     "economies": [e.code for e in card.economies], "html": card.html,
                     "in_conflict": card.in_conflict} for card in view.options],
        "positions": [{"economy": e.code, "stance": p.stance.value if p else None,
                       "text": p.text if p else ""} for e, p in panel.cells()],
        "consensus": panel.report.consensus,
        "counts": dict(panel.report.counts),
        "blocking": list(panel.report.blocking),
        "without_position": list(panel.report.without_position),
    }
    return body


@bp.get("/documents/<int:document_id>/screen")
def show_screen(document_id: int):
    document = shown_settled(get_document(document_id))
    return jsonify(screen_json(screen_service.screen_view(signed_in_user(), document)))


@bp.put("/documents/<int:document_id>/screen")
def change_screen(document_id: int):
    """Body: {"clause_id": n} (show it) or {"action": "next" | "previous" | "clear"}."""
    data = _payload()
    document = get_document(document_id)
    screen_service.change_screen(signed_in_user(), document, action=data.get("action"),
                                 clause_id=data.get("clause_id"))
    commit()
    return jsonify(screen_json(screen_service.screen_view(signed_in_user(), document)))
