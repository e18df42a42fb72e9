"""The audit trail, notifications and confidentiality (drafts, circulation).

Besides its pages, this blueprint installs the request-wide guard of confidentiality: any URL
naming a proposal — or a comment on a proposal — that the user may not see is 404, whichever
blueprint serves it. (Every read takes its viewer explicitly: services/visibility.py.)
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from drafting.domain.errors import InvalidInput, NotFound
from drafting.domain.input_rules import ascii_id
from drafting.domain.notification_kinds import KINDS, kind_label
from drafting.extensions import db
from drafting.models import Comment, Document, Proposal
from drafting.services import drafts as draft_service
from drafting.services import notifications as notification_service
from drafting.services import reminders
from drafting.services import consequences, reading, visibility
from drafting.services.audit import verify_audit_chain
from drafting.services.chair_statement import first_words
from drafting.services.loading import get_document
from drafting.services.policy import Action, authorize, can
from drafting.web.confirming import confirmation_page, is_confirmed
from drafting.web.helpers import is_local, commit, redirect_back

bp = Blueprint("audit", __name__)

MAX_ID = 2**31 - 1


# --- request-wide confidentiality guards ------------------------------------------------------

@bp.before_app_request
def guard_ids_of_pages():
    g.pop("unread_notifications", None)  # `g` may outlive a request (tests share one context)
    if request.blueprint == "api" or request.endpoint == "static":
        return  # the API authenticates by token; drafting/web/api_audit.py guards it
    if current_user.is_authenticated:
        guard_ids(current_user._get_current_object(), request.view_args or {})


def guard_ids(viewer, view_args: dict) -> None:
    """404 for a URL naming a proposal (or a comment on one) the viewer may not see."""
    proposal_id = view_args.get("proposal_id")
    comment_id = view_args.get("comment_id")
    if isinstance(comment_id, int) and 0 < comment_id <= MAX_ID:
        comment = db.session.get(Comment, comment_id)
        if comment is not None and comment.proposal_id is not None:
            if not visibility.can_see_proposal(viewer, db.session.get(Proposal,
                                                                      comment.proposal_id)):
                raise NotFound(f"No comment with id {comment_id}.")
    if isinstance(proposal_id, int) and 0 < proposal_id <= MAX_ID:
        proposal = db.session.get(Proposal, proposal_id)
        if proposal is not None:
            visibility.ensure_visible(viewer, proposal)


@bp.app_context_processor
def notification_helpers():
    return {"unread_notifications": _unread_notifications}


def _unread_notifications() -> int | None:
    """The header's unread count, once per request; None when it cannot be had."""
    if "unread_notifications" not in g:
        count = None
        if current_user.is_authenticated:
            try:
                count = reminders.unread_count(current_user._get_current_object())
            except SQLAlchemyError:
                db.session.rollback()  # a page about a database failure must still render
        g.unread_notifications = count
    return g.unread_notifications


# --- the audit trail -------------------------------------------------------------------------

def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    number = ascii_id(value)  # int() would also read "１２" as 12
    if number is None:
        raise InvalidInput(f"{name} must be a whole number.", details={"field": name})
    if not 0 < number <= MAX_ID:
        raise InvalidInput(f"{name} must be between 1 and {MAX_ID}.", details={"field": name})
    return number


def trail_positions(trail: visibility.AuditPage) -> list[int]:
    """Each listed event's place among the events of the listing, the oldest being 1: what a
    reader who may not see the chain's own ids is shown instead of them (an id is a global
    sequence, and its gaps would count the events hidden from them)."""
    first = trail.total - (trail.page - 1) * trail.per_page
    return [first - index for index in range(len(trail.events))]


def _audit_page(document: Document | None):
    authorize(current_user, Action.VIEW_AUDIT)
    filters = visibility.AuditFilters(
        document_id=document.id if document else _int_arg("document_id"),
        economy=request.args.get("economy", "").strip().upper() or None,
        kind=request.args.get("kind", "").strip() or None,
        clause_id=_int_arg("clause_id") if document else None,
    )
    page = _int_arg("page") or 1
    trail = visibility.audit_trail(current_user, filters, page)
    count, broken = verify_audit_chain()
    figures = can(current_user, Action.SEE_AUDIT_FIGURES)
    if not figures:
        count = None  # the whole chain's count would move with every hidden event
    documents = {d.id: d for d in db.session.query(Document).order_by(Document.id)}
    numbers: dict[int, dict[int, str]] = {}
    for event in trail.events:
        if event.document_id in documents and event.document_id not in numbers:
            numbers[event.document_id] = reading.display_numbers(documents[event.document_id])
    # The trail shows only events about proposals the viewer may see (visible_audit_query).
    named = {e.proposal_id for e in trail.events if e.proposal_id is not None}
    proposal_names = {p.id: p.short_name for p in db.session.execute(
        select(Proposal).where(Proposal.id.in_(named))).scalars()} if named else {}
    clause_choices = []
    if document is not None:
        doc_numbers = numbers.get(document.id) or reading.display_numbers(document)
        numbers[document.id] = doc_numbers
        clause_choices = [(clause.id, doc_numbers.get(clause.id)
                           or f"deleted clause “{first_words(version.text)}”")
                          for clause, version in reading.clause_rows(document)]
    endpoint = "audit.document_audit" if document else "audit.index"
    endpoint_args = {"document_id": document.id} if document else {}
    args = {k: v for k, v in request.args.items() if v and k not in ("page", *endpoint_args)}

    def page_url(number: int) -> str:
        return url_for(endpoint, page=number, **endpoint_args, **args)

    return render_template(
        "audit/index.html", document=document, trail=trail, filters=filters,
        chain_count=count, chain_broken=broken, documents=documents, numbers=numbers,
        show_event_ids=figures, positions=trail_positions(trail), proposal_names=proposal_names,
        economies=reading.economies_by_code(),
        kinds=visibility.audit_kinds(document.id if document else None, current_user),
        clause_choices=clause_choices, summary=visibility.event_summary,
        base_url=url_for(endpoint, **endpoint_args), page_url=page_url,
    )


@bp.get("/audit")
@login_required
def index():
    return _audit_page(None)


@bp.get("/documents/<int:document_id>/audit")
@login_required
def document_audit(document_id: int):
    return _audit_page(get_document(document_id))


# --- notifications ---------------------------------------------------------------------------

@bp.get("/notifications")
@login_required
def notifications():
    page = _int_arg("page") or 1
    kind = request.args.get("kind", "").strip() or None
    box = notification_service.inbox(current_user, page=page, kind=kind)
    g.unread_notifications = box.unread
    return render_template("notifications/index.html", inbox=box, kind_label=kind_label,
                           all_kinds=KINDS)


@bp.post("/notifications/read-all")
@login_required
def read_all():
    count = notification_service.mark_all_read(current_user)
    commit()
    flash(f"{count} notification{'' if count == 1 else 's'} marked as read." if count
          else "No unread notifications.", "success")
    return redirect(url_for("audit.notifications"))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    notification = notification_service.get_notification(current_user, notification_id)
    notification_service.mark_read(current_user, notification)
    commit()
    if notification.url and is_local(notification.url):
        return redirect(notification.url)
    return redirect(url_for("audit.notifications"))


# --- circulation (the secretariat, from the merge desk) ----------------------------------------

@bp.post("/documents/<int:document_id>/circulate")
@login_required
def circulate(document_id: int):
    document = get_document(document_id)
    ids = request.form.getlist("proposal_id")
    chosen = None
    if ids:
        chosen = []
        for value in ids:
            number = ascii_id(value)
            if number is None or not 0 < number <= MAX_ID:
                abort(400, "proposal_id must be a whole number.")
            chosen.append(visibility.get_visible_proposal(current_user, number))
    if not is_confirmed():
        return confirmation_page(
            "circulate", consequences.circulation_consequence(current_user, document, chosen),
            document=document, action_url=request.path,
            cancel_url=_back_url("desk.index", document_id=document.id))
    circulated = draft_service.circulate_proposals(current_user, document, chosen)
    listed = ", ".join(p.short_name for p in circulated)
    commit()
    flash(f"Circulated to all economies: proposal{'' if len(circulated) == 1 else 's'} {listed}.",
          "success")
    return redirect_back("desk.index", document_id=document.id)


@bp.post("/documents/<int:document_id>/circulation")
@login_required
def circulation_mode(document_id: int):
    document = get_document(document_id)
    mode = request.form.get("mode", "")
    if mode not in ("immediate", "on_circulation"):
        abort(400, "mode must be “immediate” or “on_circulation”.")
    consequence = consequences.circulation_mode_consequence(current_user, document,
                                                            mode == "immediate")
    if consequence.changes and not is_confirmed():
        return confirmation_page(
            "circulation_mode", consequence, document=document, action_url=request.path,
            cancel_url=_back_url("desk.index", document_id=document.id))
    changed = draft_service.set_circulation(current_user, document, mode == "immediate")
    commit()
    if not changed:
        flash("No change: the document was already set that way.", "info")
    elif mode == "immediate":
        flash("New proposals now reach every economy as soon as they are submitted. "
              "You can switch back at any time.", "success")
    else:
        flash("New proposals now reach other economies only when you circulate them. "
              "You can switch back at any time.", "success")
    return redirect_back("desk.index", document_id=document.id)


def _back_url(default_endpoint: str, **values) -> str:
    """Where Cancel on a confirmation page leads: the form's same-site `next`, else the
    default page."""
    target = request.form.get("next", "")
    return target if target and is_local(target) else url_for(default_endpoint, **values)
