"""JSON API under /api/v1, over the same services as the pages. Bearer-token authentication."""
from __future__ import annotations

import codecs
import json

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from drafting.domain import input_rules, text_rules
from drafting.domain.errors import (DomainError, InvalidInput, NotAuthenticated, NotFound,
                                    PayloadTooLarge, PermissionDenied, UnsupportedMediaType)
from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.extensions import csrf, db
from drafting.models import Document, Proposal
from drafting.services import comments as comment_service
from drafting.services import decisions, reading
from drafting.services import proposals as proposal_service
from drafting.services.accounts import user_for_token
from drafting.services.loading import get_clause, get_document, get_proposal, get_section
from drafting.services.policy import Action, authorize
from drafting.services.visibility import get_visible_comment, visible_proposals_clause
from drafting.web.helpers import commit, signed_in_user
from drafting.web.workflow import shown_settled

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens are not sent automatically by browsers, so cross-site forgery does not apply.
csrf.exempt(bp)


def user_for_bearer_token(headers):
    """The user whose API token the `Authorization: Bearer <token>` header carries, or None."""
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    return user_for_token(token.strip()) if scheme.lower() == "bearer" else None


@bp.before_request
def authenticate():
    """Flask-Login's request loader (web/__init__.py) signs the token's user in; on the API a
    session cookie signs nobody in, so a cross-site request cannot act with it."""
    if not current_user.is_authenticated:
        raise NotAuthenticated("Send a valid API token as 'Authorization: Bearer <token>'.")
    authorize(signed_in_user(), Action.VIEW)


# Ids are 32-bit integer columns: a larger id names nothing, and passing it to the database
# fails (PostgreSQL: "integer out of range", SQLite: OverflowError) with a 500.
MAX_ID = 2**31 - 1
# A JSON body is a few fields, a list of ids or a Markdown draft: 1 MiB holds a draft of
# several hundred pages. Uploads (multipart) keep the app's MAX_CONTENT_LENGTH.
DEFAULT_MAX_JSON_BODY_BYTES = 1024 * 1024


@bp.before_request
def refuse_impossible_ids():
    """Unknown ids in the URL are 404 whatever their size (runs after authentication)."""
    for key, value in (request.view_args or {}).items():
        if key.endswith("_id") and isinstance(value, int) and not 0 < value <= MAX_ID:
            raise NotFound(f"No {key[:-3]} with id {value}.")


@bp.before_request
def check_json_body():
    """Any JSON body, before the view runs: also on routes that do not read one (withdraw,
    resolve …), so a hostile body is refused the same everywhere and never half-acted on."""
    if request.is_json and request.method != "GET":
        text = _body_text()
        if text.strip():
            g.api_body = _checked_json(text)


def _payload() -> dict:
    """The JSON object of the request: the one place the API reads a body.

    Refusals, all before any work (limits in docs/api.md): 400 when the body is not JSON, not
    UTF-8, or nests deeper than MAX_JSON_DEPTH; 413 when it is larger than
    MAX_JSON_BODY_BYTES or holds more than MAX_JSON_ITEMS values; 415 for a charset other than
    UTF-8; 422 when it is not an object, a list is longer than MAX_LIST_ITEMS, or a string
    (or key) holds a control character or a lone surrogate. A UTF-8 byte-order mark is
    accepted and ignored.

    A body claiming an economy ("economy": code) must name the caller's own: nobody acts for
    another economy, and a claim the API silently ignored would file the change under a
    different economy than the client believes.
    """
    if not request.is_json:
        raise DomainError("The request body must be JSON (Content-Type: application/json).",
                          code="invalid_json")
    data = g.api_body if "api_body" in g else _checked_json(_body_text())
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.", code="invalid_json")
    if "economy" in data:
        claimed = data["economy"]
        if not isinstance(claimed, str):
            raise InvalidInput("economy must be a string.", details={"field": "economy"})
        own = signed_in_user().economy.code if signed_in_user().economy else None
        if own is None or claimed.strip().upper() != own.upper():
            raise PermissionDenied("You cannot act for another economy.")
    return data


def _body_text() -> str:
    """The body as text: UTF-8 only, size and shape checked before it is parsed."""
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"JSON bodies must be UTF-8, not {charset[:40]!r}.",
                                   details={"charset": charset[:40]})
    limit = current_app.config.get("MAX_JSON_BODY_BYTES", DEFAULT_MAX_JSON_BODY_BYTES)
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"A JSON body may have at most {limit:,} bytes.",
                              details={"max_bytes": limit})
    raw = request.get_data(cache=True)  # a chunked body beyond MAX_CONTENT_LENGTH: 413
    if len(raw) > limit:
        raise PayloadTooLarge(f"A JSON body may have at most {limit:,} bytes.",
                              details={"max_bytes": limit})
    raw = raw.removeprefix(codecs.BOM_UTF8)  # allowed by RFC 8259, 8.1; nothing else is
    problem = input_rules.json_structure_problem(raw)
    if problem == "depth":
        raise DomainError(f"The JSON body nests deeper than {input_rules.MAX_JSON_DEPTH} levels.",
                          code="invalid_json", details={"max_depth": input_rules.MAX_JSON_DEPTH})
    if problem == "items":
        raise PayloadTooLarge(f"A JSON body may hold at most {input_rules.MAX_JSON_ITEMS:,} "
                              "values.", details={"max_items": input_rules.MAX_JSON_ITEMS})
    try:
        return raw.decode("utf-8")  # strict: invalid bytes and encoded surrogates refused
    except UnicodeDecodeError:
        raise DomainError("The request body is not valid UTF-8.", code="invalid_json") from None


def _checked_json(text: str):
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: the structure check is the guard
        raise DomainError("The request body is not valid JSON.", code="invalid_json") from None
    for field, items in input_rules.lists_in(data):
        if len(items) > input_rules.MAX_LIST_ITEMS:
            raise InvalidInput(f"{field} may hold at most {input_rules.MAX_LIST_ITEMS:,} items.",
                               code="too_many_items",
                               details={"field": field, "max_items": input_rules.MAX_LIST_ITEMS})
    for field, value in input_rules.strings_in(data):
        bad = input_rules.forbidden_character(value)
        if bad is not None:
            raise InvalidInput(input_rules.refusal_message(field, bad), details={"field": field})
    return data


def _optional_int(data: dict, key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{key} must be an integer.", details={"field": key})
    return value


def _optional_id(data: dict, key: str) -> int | None:
    """An id field of the body; one that cannot exist is 404 like any unknown id."""
    value = _optional_int(data, key)
    if value is not None and not 0 < value <= MAX_ID:
        raise NotFound(f"No {key.removesuffix('_id').replace('after_', '')} with id {value}.")
    return value


def _string(data: dict, key: str, default: str = "") -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be a string.", details={"field": key})
    return value


# --- serialisers -------------------------------------------------------------------------

def diff_json(segments) -> list[dict]:
    return [{"op": s.op, "text": s.text} for s in segments]


def proposal_json(proposal: Proposal, *, with_diff: bool = True) -> dict:
    body = {
        "id": proposal.id,
        "document_id": proposal.document_id,
        "number": proposal.number,
        "name": proposal.name,
        "action": proposal.action.value,
        "status": proposal.status.value,
        "economy": proposal.economy.code,
        "cosponsors": [c.economy.code for c in proposal.cosponsors],
        "clause_id": proposal.clause_id,
        "after_clause_id": proposal.after_clause_id,
        "section_id": proposal.section_id,
        "base_version": proposal.base_version.number if proposal.base_version else None,
        "text": proposal.text,
        "rationale": proposal.rationale,
        "in_conflict": proposal.in_conflict,
        "text_version": proposal.text_version,
        "created_at": proposal.created_at.isoformat(),
        "submitted_at": proposal.submitted_at.isoformat() if proposal.submitted_at else None,
        "circulated_at": proposal.circulated_at.isoformat() if proposal.circulated_at else None,
        "decided_at": proposal.decided_at.isoformat() if proposal.decided_at else None,
        "decision_note": proposal.decision_note or None,
        "decided_text": proposal.decided_text,
        "result_version": proposal.result_version.number if proposal.result_version else None,
        "updates": [{"kind": u.kind, "from_version": u.from_version, "to_version": u.to_version,
                     "caused_by_proposal_id": u.caused_by_proposal_id,
                     "at": u.created_at.isoformat()} for u in proposal.updates],
    }
    if with_diff:
        body["diff"] = diff_json(reading.proposal_diff(proposal))
    return body


def comment_json(comment) -> dict:
    return {
        "id": comment.id,
        "clause_id": comment.clause_id,
        "proposal_id": comment.proposal_id,
        "parent_id": comment.parent_id,
        "author": comment.author.username,
        "economy": comment.economy.code if comment.economy else None,
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": comment.created_at.isoformat(),
        "resolved": comment.is_resolved,
    }


# --- documents and clauses ---------------------------------------------------------------

@bp.get("/documents")
def list_documents():
    documents = db.session.execute(select(Document).order_by(Document.id)).scalars()
    return jsonify({"documents": [
        {"id": d.id, "title": d.title, "symbol": d.symbol, "stage": d.stage.value}
        for d in documents
    ]})


@bp.get("/documents/<int:document_id>")
def show_document(document_id: int):
    document = shown_settled(get_document(document_id))  # a silence deadline may have passed
    view = reading.document_view(document, viewer=signed_in_user())
    return jsonify({
        "id": document.id, "title": document.title, "symbol": document.symbol,
        "stage": document.stage.value, "classification": document.classification,
        "kind": document.kind, "parent_document_id": document.parent_document_id,
        "open_for_comment": document.open_for_comment,
        "sections": [{"id": s.section.id, "heading": s.section.heading,
                      "kind": s.section.kind.value,
                      "clause_ids": [r.clause.id for r in s.rows]} for s in view.sections],
        "clauses": [{
            "id": row.clause.id, "number": row.number, "text": row.version.text,
            "status": row.clause.status.value, "version": row.clause.version,
            "section_id": row.clause.section_id, "open_proposals": row.open_count,
            "comments": row.comment_count, "formerly": row.clause.moved_from_number or None,
        } for row in view.rows],
    })


@bp.get("/clauses/<int:clause_id>")
def show_clause(clause_id: int):
    clause = get_clause(clause_id)
    return jsonify({
        "id": clause.id, "document_id": clause.document_id, "number": reading.number_of(clause),
        "text": clause.text, "status": clause.status.value, "version": clause.version,
        "removed": clause.removed,
        "versions": [{"number": v.number, "text": v.text, "removed": v.removed,
                      "created_at": v.created_at.isoformat(),
                      "created_by": v.created_by.username if v.created_by else None,
                      "proposal_id": v.proposal_id} for v in clause.versions],
    })


@bp.get("/documents/<int:document_id>/proposals")
def list_proposals(document_id: int):
    document = get_document(document_id)
    query = (select(Proposal).where(Proposal.document_id == document.id,
                                    visible_proposals_clause(signed_in_user()))
             .order_by(Proposal.seq, Proposal.id))
    status = request.args.get("status")
    if status:
        try:
            query = query.where(Proposal.status == ProposalStatus(status))
        except ValueError:
            raise InvalidInput(f"Unknown status {status!r}.", details={"field": "status"}) from None
    proposals = db.session.execute(query).scalars()
    return jsonify({"proposals": [proposal_json(p, with_diff=False) for p in proposals]})


# --- proposals -----------------------------------------------------------------------------

@bp.post("/clauses/<int:clause_id>/proposals")
def propose_on_clause(clause_id: int):
    data = _payload()
    clause = get_clause(clause_id)
    action = _string(data, "action")
    if action not in ("amend", "delete"):
        raise InvalidInput("action must be “amend” or “delete” here; insert clauses through "
                           "POST /api/v1/documents/<id>/proposals.", details={"field": "action"})
    proposal = proposal_service.submit_proposal(
        signed_in_user(), clause.document, action, clause=clause,
        text=_string(data, "text"), rationale=_string(data, "rationale"))
    # The answer from what the use case holds, before the commit expires it (no reload).
    answer = proposal_json(proposal)
    commit()
    return jsonify(answer), 201


@bp.post("/documents/<int:document_id>/proposals")
def propose_on_document(document_id: int):
    data = _payload()
    document = get_document(document_id)
    action = _string(data, "action")
    clause_id = _optional_id(data, "clause_id")
    after_id = _optional_id(data, "after_clause_id")
    section_id = _optional_id(data, "section_id")
    proposal = proposal_service.submit_proposal(
        signed_in_user(), document, action,
        clause=get_clause(clause_id) if clause_id is not None else None,
        after_clause=get_clause(after_id) if after_id is not None else None,
        section=get_section(section_id) if section_id is not None else None,
        text=_string(data, "text"), rationale=_string(data, "rationale"))
    # The answer from what the use case holds, before the commit expires it (no reload).
    answer = proposal_json(proposal)
    commit()
    return jsonify(answer), 201


@bp.get("/proposals/<int:proposal_id>")
def show_proposal(proposal_id: int):
    return jsonify(proposal_json(get_proposal(proposal_id)))


def _wording_differs(text: str, proposal_text: str) -> bool:
    """True when `text` is other wording than the proposal's; text too bad to read is left
    for the service to refuse, after its permission check."""
    try:
        return text_rules.clause_text(text) != proposal_text
    except InvalidInput:
        return False


@bp.post("/proposals/<int:proposal_id>/decision")
def decide(proposal_id: int):
    data = _payload()
    proposal = get_proposal(proposal_id)
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise InvalidInput("text must be a string.", details={"field": "text"})
    decision = _string(data, "decision")
    expected_text_version = _optional_int(data, "expected_text_version")
    if decision == "accept" and text and proposal.action is not ProposalAction.DELETE \
            and _wording_differs(text, proposal.text):
        # The older spelling of "modify", kept for existing clients (docs/api.md): they sent
        # the wording explicitly, so it is applied as a modification, checked against the
        # proposal's wording they name, or the current one when they name none.
        decision = "modify"
        if expected_text_version is None:
            expected_text_version = proposal.text_version
    decisions.decide_proposal(signed_in_user(), proposal, decision,
                              expected_version=_optional_int(data, "expected_version"),
                              expected_text_version=expected_text_version,
                              text=text, note=_string(data, "note"))
    commit()
    return jsonify(proposal_json(proposal))


@bp.post("/proposals/<int:proposal_id>/withdraw")
def withdraw(proposal_id: int):
    proposal = proposal_service.withdraw_proposal(signed_in_user(), get_proposal(proposal_id))
    commit()
    return jsonify(proposal_json(proposal))


@bp.post("/proposals/<int:proposal_id>/cosponsor")
def cosponsor(proposal_id: int):
    proposal = get_proposal(proposal_id)
    proposal_service.cosponsor_proposal(signed_in_user(), proposal)
    commit()
    return jsonify(proposal_json(proposal))


@bp.post("/proposals/<int:proposal_id>/revise")
def revise(proposal_id: int):
    data = _payload()
    proposal = get_proposal(proposal_id)
    rationale = data.get("rationale")
    if rationale is not None and not isinstance(rationale, str):
        # Silently keeping the old rationale would tell the client its update went through.
        raise InvalidInput("rationale must be a string.", details={"field": "rationale"})
    proposal_service.revise_proposal(signed_in_user(), proposal, text=_string(data, "text"),
                                     rationale=rationale)
    commit()
    return jsonify(proposal_json(proposal))


# --- comments ------------------------------------------------------------------------------

def _post_comment(**subject):
    data = _payload()
    parent_id = _optional_id(data, "parent_id")
    comment = comment_service.add_comment(
        signed_in_user(), body=_string(data, "body"),
        parent=get_visible_comment(signed_in_user(), parent_id) if parent_id is not None else None, **subject)
    commit()
    return jsonify(comment_json(comment)), 201


@bp.post("/clauses/<int:clause_id>/comments")
def comment_on_clause(clause_id: int):
    return _post_comment(clause=get_clause(clause_id))


@bp.post("/proposals/<int:proposal_id>/comments")
def comment_on_proposal(proposal_id: int):
    return _post_comment(proposal=get_proposal(proposal_id))


@bp.get("/clauses/<int:clause_id>/comments")
def clause_comments(clause_id: int):
    clause = get_clause(clause_id)

    def flatten(threads):
        for comment, replies in threads:
            yield comment_json(comment)
            yield from flatten(replies)

    return jsonify({"comments": list(flatten(reading.comment_threads(viewer=signed_in_user(), clause=clause)))})


@bp.post("/comments/<int:comment_id>/resolve")
def resolve_comment(comment_id: int):
    root = comment_service.resolve_comment(signed_in_user(), get_visible_comment(signed_in_user(), comment_id))
    commit()
    return jsonify(comment_json(root))


@bp.post("/comments/<int:comment_id>/reopen")
def reopen_comment(comment_id: int):
    root = comment_service.reopen_comment(signed_in_user(), get_visible_comment(signed_in_user(), comment_id))
    commit()
    return jsonify(comment_json(root))


# The OpenAPI document of this blueprint (GET /api/v1/openapi.json); imported last because it
# describes the routes above and registers its own on `bp`.
from drafting.web import openapi as _openapi  # noqa: E402,F401
