"""JSON API: The audit trail, notifications and confidentiality (drafts, circulation).

Also installs the API's confidentiality guard: reads use the token's user as their viewer,
and a URL naming a proposal (or a comment on one) that user may not see is 404.
"""
from __future__ import annotations

from flask import g, jsonify, request

from drafting.domain.errors import InvalidInput, NotFound
from drafting.domain.input_rules import ascii_id
from drafting.extensions import db
from drafting.models import AuditEvent, Document, Notification
from drafting.services import drafts as draft_service
from drafting.domain.proposal_names import capitalised
from drafting.domain.notification_kinds import KINDS
from drafting.services import notification_preferences as preference_service
from drafting.services import notifications as notification_service
from drafting.services import reading, visibility
from drafting.services.audit import verify_audit_chain
from drafting.services.loading import get_clause, get_document, get_section
from drafting.services.policy import Action, authorize, can
from drafting.web.api import MAX_ID, _optional_id, _payload, _string, bp, proposal_json
from drafting.web.audit import guard_ids, trail_positions
from drafting.web.helpers import commit, signed_in_user


@bp.before_request
def confidentiality_guard():
    """Runs after the API's authentication (registered after it, on the same blueprint)."""
    guard_ids(signed_in_user(), request.view_args or {})


def _query_int(name: str, *, maximum: int = MAX_ID) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    number = ascii_id(value)  # int() would also read "１２" as 12
    if number is None:
        raise InvalidInput(f"{name} must be an integer.", details={"field": name})
    if not 0 < number <= maximum:
        raise InvalidInput(f"{name} must be between 1 and {maximum}.", details={"field": name})
    return number


# Proposal ids one request may submit or circulate: a session's drafts are a few dozen.
MAX_IDS_PER_REQUEST = 500


def _id_list(data: dict, key: str, *, required: bool) -> list[int] | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidInput(f"{key} is required: a list of proposal ids.",
                               details={"field": key})
        return None
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise InvalidInput(f"{key} must be a list of integers.", details={"field": key})
    ids = list(dict.fromkeys(value))  # a repeated id names the same proposal once
    # _payload caps every list (1,000 items); distinct ids have their own cap.
    if len(ids) > MAX_IDS_PER_REQUEST:
        raise InvalidInput(f"{key} may hold at most {MAX_IDS_PER_REQUEST} different ids.",
                           code="too_many_items",
                           details={"field": key, "max_items": MAX_IDS_PER_REQUEST})
    for v in ids:
        if not 0 < v <= MAX_ID:
            raise NotFound(f"No proposal with id {v}.")
    return ids


# --- audit trail -------------------------------------------------------------------------------

def event_json(event: AuditEvent, numbers: dict[int, dict[int, str]], *,
               position: int | None = None, show_id: bool = True) -> dict:
    """An event as the API shows it. `id` is the chain's own id, null for readers who may not
    see it (observers: its gaps would count hidden events); `position` is the event's place in
    the filtered listing, oldest first (docs/api.md)."""
    return {
        "id": event.id if show_id else None,
        "position": position,
        "occurred_at": event.occurred_at.isoformat(),
        "kind": event.kind,
        "actor": event.actor_username or None,
        "economy": event.economy_code or None,
        "document_id": event.document_id,
        "clause_id": event.clause_id,
        "clause_number": numbers.get(event.document_id, {}).get(event.clause_id)
        if event.clause_id else None,
        "proposal_id": event.proposal_id,
        "data": visibility.event_data(event),
        "summary": visibility.event_summary(event),
        "request_id": event.request_id or None,
    }


@bp.get("/audit")
def audit_events():
    """Events newest first, 50 a page: ?document_id=&economy=&kind=&clause_id=&page=."""
    authorize(signed_in_user(), Action.VIEW_AUDIT)
    document_id = _query_int("document_id")
    if document_id is not None:
        get_document(document_id)
    clause_id = _query_int("clause_id")
    if clause_id is not None:
        get_clause(clause_id)
    filters = visibility.AuditFilters(
        document_id=document_id,
        economy=request.args.get("economy", "").strip().upper() or None,
        kind=request.args.get("kind", "").strip() or None,
        clause_id=clause_id)
    trail = visibility.audit_trail(signed_in_user(), filters, _query_int("page") or 1)
    numbers: dict[int, dict[int, str]] = {}
    for event in trail.events:
        if event.clause_id and event.document_id and event.document_id not in numbers:
            document = db.session.get(Document, event.document_id)
            numbers[event.document_id] = reading.display_numbers(document) if document else {}
    show_ids = can(signed_in_user(), Action.SEE_AUDIT_FIGURES)
    events = [event_json(event, numbers, position=position, show_id=show_ids)
              for event, position in zip(trail.events, trail_positions(trail), strict=True)]
    return jsonify({"events": events,
                    "page": trail.page, "per_page": trail.per_page, "pages": trail.pages,
                    "total": trail.total})


@bp.get("/audit/verify")
def audit_verify():
    authorize(signed_in_user(), Action.VIEW_AUDIT)
    count, broken = verify_audit_chain()
    # The chain's count and ids include events the reader may not see: only the secretariat
    # and administrators get them (null for observers).
    figures = can(signed_in_user(), Action.SEE_AUDIT_FIGURES)
    return jsonify({"intact": broken is None, "events": count if figures else None,
                    "broken_at": broken.event_id if broken and figures else None,
                    "reason": broken.reason if broken else None})


# --- notifications -----------------------------------------------------------------------------

def notification_json(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "message": notification.message,
        "url": notification.url or None,
        "document_id": notification.document_id,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
    }


@bp.get("/notifications")
def list_notifications():
    """The caller's notifications, newest first (?page=, ?unread=1 for unread only, ?kind=
    for one kind)."""
    unread = (request.args.get("unread") or "").strip().lower()
    if unread not in ("", "1", "true", "0", "false"):
        raise InvalidInput("unread must be 1 or 0 (true or false).", details={"field": "unread"})
    # Stored notifications only (each has an id to mark it read by); the deadline reminders
    # due join them when the scheduler's tick stores them, within a minute.
    box = notification_service.inbox(signed_in_user(), page=_query_int("page") or 1,
                                     unread_only=unread in ("1", "true"),
                                     kind=request.args.get("kind", "").strip() or None,
                                     with_due_reminders=False)
    return jsonify({"notifications": [notification_json(n) for n in box.notifications],
                    "unread": box.unread, "page": box.page, "pages": box.pages,
                    "total": box.total})


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    notification = notification_service.get_notification(signed_in_user(), notification_id)
    notification_service.mark_read(signed_in_user(), notification)
    commit()
    return jsonify(notification_json(notification))


@bp.post("/notifications/read-all")
def read_all_notifications():
    count = notification_service.mark_all_read(signed_in_user())
    commit()
    return jsonify({"marked_read": count, "unread": 0})


def preferences_json(prefs: preference_service.Preferences) -> dict:
    return {"email": prefs.email, "digest_hour": prefs.digest_hour, "timezone": prefs.timezone,
            "kinds": [{"kind": kind.code, "label": kind.label,
                       "delivery": prefs.deliveries[kind.code].value} for kind in KINDS]}


@bp.get("/notifications/preferences")
def notification_preferences():
    """How each kind of notification reaches the caller."""
    return jsonify(preferences_json(preference_service.preferences_of(signed_in_user())))


@bp.put("/notifications/preferences")
def update_notification_preferences():
    """Change some of the caller's choices: fields left out are kept; `deliveries` maps kinds
    to app, immediate or digest."""
    data = _payload()
    prefs = preference_service.save_preferences(
        signed_in_user(), email=data.get("email"), digest_hour=data.get("digest_hour"),
        timezone=data.get("timezone"), deliveries=data.get("deliveries"))
    commit()
    return jsonify(preferences_json(prefs))


# --- drafts ------------------------------------------------------------------------------------

@bp.get("/documents/<int:document_id>/drafts")
def list_drafts(document_id: int):
    drafts = draft_service.economy_drafts(signed_in_user(), get_document(document_id))
    return jsonify({"drafts": [proposal_json(p) for p in drafts]})


@bp.post("/documents/<int:document_id>/drafts")
def create_draft(document_id: int):
    data = _payload()
    document = get_document(document_id)
    clause_id = _optional_id(data, "clause_id")
    after_id = _optional_id(data, "after_clause_id")
    section_id = _optional_id(data, "section_id")
    proposal = draft_service.save_draft(
        signed_in_user(), document, _string(data, "action"),
        clause=get_clause(clause_id) if clause_id is not None else None,
        after_clause=get_clause(after_id) if after_id is not None else None,
        section=get_section(section_id) if section_id is not None else None,
        text=_string(data, "text"), rationale=_string(data, "rationale"))
    commit()
    return jsonify(proposal_json(proposal)), 201


@bp.put("/drafts/<int:proposal_id>")
def update_draft(proposal_id: int):
    """Body {"text", "rationale"}: either may be left out to keep the draft's own."""
    data = _payload()
    proposal = visibility.get_visible_proposal(signed_in_user(), proposal_id)
    draft_service.update_draft(
        signed_in_user(), proposal,
        text=_string(data, "text") if data.get("text") is not None else None,
        rationale=_string(data, "rationale") if data.get("rationale") is not None else None)
    commit()
    return jsonify(proposal_json(proposal))


@bp.delete("/drafts/<int:proposal_id>")
def delete_draft(proposal_id: int):
    proposal = visibility.get_visible_proposal(signed_in_user(), proposal_id)
    deleted = draft_service.delete_draft(signed_in_user(), proposal)
    commit()
    return jsonify({"deleted": deleted})


@bp.post("/documents/<int:document_id>/drafts/submit")
def submit_drafts(document_id: int):
    """Body {"proposal_ids": [...]}: all are submitted, or none (the error names the first)."""
    data = _payload()
    document = get_document(document_id)
    proposals = [visibility.get_visible_proposal(signed_in_user(), pid)
                 for pid in _id_list(data, "proposal_ids", required=True)]
    for proposal in proposals:
        if proposal.document_id != document.id:
            raise InvalidInput(f"{capitalised(proposal.name)} belongs to another document.",
                               details={"field": "proposal_ids"})
    submitted = draft_service.submit_drafts(signed_in_user(), proposals)
    commit()
    return jsonify({"proposals": [proposal_json(p) for p in submitted]})


# --- circulation -------------------------------------------------------------------------------

@bp.post("/documents/<int:document_id>/circulate")
def circulate(document_id: int):
    """Body {"proposal_ids": [...]} to circulate some, or {} for every one still waiting."""
    data = _payload() if request.data else {}
    document = get_document(document_id)
    ids = _id_list(data, "proposal_ids", required=False)
    chosen = None if ids is None else [visibility.get_visible_proposal(signed_in_user(), pid)
                                       for pid in ids]
    circulated = draft_service.circulate_proposals(signed_in_user(), document, chosen)
    commit()
    return jsonify({"circulated": [p.id for p in circulated]})


@bp.put("/documents/<int:document_id>/circulation")
def circulation_mode(document_id: int):
    """Body {"circulate_immediately": true|false}."""
    data = _payload()
    value = data.get("circulate_immediately")
    if not isinstance(value, bool):
        raise InvalidInput("circulate_immediately must be true or false.",
                           details={"field": "circulate_immediately"})
    document = get_document(document_id)
    changed = draft_service.set_circulation(signed_in_user(), document, value)
    commit()
    return jsonify({"document_id": document.id, "circulate_immediately": value,
                    "changed": changed})
