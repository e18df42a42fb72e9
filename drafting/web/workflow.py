"""Document stages, submission rounds, the silence procedure and endorsement."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from drafting.domain import workflow as wf
from drafting.domain.errors import DomainError, NotFound
from drafting.domain.fingerprint import short_form
from drafting.domain.states import SilenceStatus, Stage
from drafting.extensions import db
from drafting.models import Document
from drafting.models.types import utcnow
from drafting.services import consequences, reading, rounds, settling, silence, stages
from drafting.services.chair_statement import first_words
from drafting.services.loading import get_clause, get_document
from drafting.web.confirming import confirmation_page, is_confirmed
from drafting.web.helpers import commit, form_int

bp = Blueprint("workflow", __name__)


def shown_settled(document: Document, now: datetime | None = None) -> Document:
    """The document as pages and API reads show it: a silence procedure whose deadline has
    passed is shown adopted, written by nobody here (services/settling.py; a GET never
    commits)."""
    settling.read_as_settled(document, now)
    return document


@bp.app_context_processor
def workflow_helpers():
    """For every template: the banners' read model and deadline formatting."""
    return {"workflow_summary": stages.workflow_summary, "format_deadline": wf.format_deadline,
            "short_fingerprint": short_form, "silence_cancelled": silence.was_cancelled}


def _page(document: Document, *, errors: dict | None = None, values: dict | None = None,
          status: int = 200):
    now = utcnow()
    numbers = reading.display_numbers(document)
    live = [(clause, version) for clause, version in reading.clause_rows(document)
            if not version.removed]
    host_code = document.host_economy.code if document.host_economy else None
    return render_template(
        "workflow/show.html", document=document, now=now,
        summary=stages.workflow_summary(document, now),
        moves=stages.available_moves(document, current_user),
        history=stages.stage_history(document),
        rounds=stages.rounds_of(document),
        procedures=stages.silences_of(document),
        frozen=stages.frozen_clauses(document, numbers),
        live_clauses=[(clause, numbers.get(clause.id)) for clause, _ in live],
        fingerprint_ok=stages.fingerprint_matches(document),
        zones=wf.COMMON_ZONES, default_zone=wf.default_zone(host_code),
        stage_order=wf.STAGE_ORDER, errors=errors or {}, values=values or {},
        Status=SilenceStatus, stage_label=lambda value: Stage(value).label,
    ), status


@bp.get("/documents/<int:document_id>/workflow")
@login_required
def show(document_id: int):
    document = shown_settled(get_document(document_id))
    return _page(document)


def _zone_from_form() -> str:
    other = request.form.get("timezone_other", "").strip()
    return other or request.form.get("timezone", "").strip()


def _attempt(document: Document, form_name: str, action, success: str, *, anchor: str,
             confirm: tuple[str, Callable[[], object]] | None = None):
    """Run one service call; on a refusal re-show the page with the message by the form.

    With `confirm` (a wording kind and the consequence to compute), a POST without
    `confirmed` only shows what the action would do (web/confirming.py); the consequence runs
    the action's checks, so a refusal is shown by the form as before.
    """
    values = {key: request.form.get(key, "") for key in request.form
              if key not in ("csrf_token", "confirmed")}
    document_id = document.id
    try:
        if confirm is not None and not is_confirmed():
            kind, consequence = confirm
            return confirmation_page(
                kind, consequence(), document=document, action_url=request.path,
                cancel_url=url_for("workflow.show", document_id=document_id, _anchor=anchor))
        result = action()
    except DomainError as error:
        if error.status in (401, 403, 404):
            raise
        db.session.rollback()
        document = shown_settled(get_document(document_id))
        return _page(document, errors={form_name: error.message},
                     values={form_name: values}, status=error.status)
    commit()
    flash(success(result) if callable(success) else success, "success")
    return redirect(url_for("workflow.show", document_id=document_id, _anchor=anchor))


@bp.post("/documents/<int:document_id>/stage")
@login_required
def change_stage(document_id: int):
    document = get_document(document_id)
    to_stage = request.form.get("to_stage", "")
    return _attempt(
        document, f"stage-{to_stage}",
        lambda: stages.change_stage(current_user, document, to_stage,
                                    request.form.get("note", "")),
        lambda change: f"Stage changed to “{document.stage.label}”.", anchor="moves")


@bp.post("/documents/<int:document_id>/endorse")
@login_required
def endorse(document_id: int):
    document = get_document(document_id)
    return _attempt(
        document, "endorse",
        lambda: stages.endorse_by_leaders(current_user, document, request.form.get("note", "")),
        lambda change: f"Endorsed by leaders. The text is frozen; fingerprint (SHA-256) "
                       f"{document.fingerprint}.", anchor="fingerprint",
        confirm=("endorse", lambda: consequences.endorse_consequence(
            current_user, document, request.form.get("note", ""))))


@bp.post("/documents/<int:document_id>/rounds")
@login_required
def open_round(document_id: int):
    document = get_document(document_id)
    return _attempt(
        document, "round",
        lambda: rounds.open_round(current_user, document, request.form.get("deadline", ""),
                                  _zone_from_form(), request.form.get("note", "")),
        lambda opened: "Submission round opened: proposals are accepted until "
                       f"{wf.format_deadline(opened.deadline, opened.timezone)}.",
        anchor="rounds")


@bp.post("/documents/<int:document_id>/freeze")
@login_required
def freeze(document_id: int):
    document = get_document(document_id)
    clause = get_clause(form_int("clause_id"))
    if clause.document_id != document.id:
        raise NotFound(f"No clause with id {clause.id} in this document.")
    frozen = request.form.get("frozen") == "1"
    number = reading.number_of(clause) or f"the clause “{first_words(clause.text)}”"
    return _attempt(
        document, "freeze" if frozen else f"unfreeze-{clause.id}",
        lambda: rounds.freeze_clause(current_user, clause, frozen,
                                     request.form.get("reason", "")),
        f"{number} is frozen: it takes no new proposals. You can unfreeze it below." if frozen
        else f"{number} is open to proposals again.", anchor="frozen",
        # Freezing is confirmed; opening a clause again is not (it only widens what is allowed).
        confirm=("freeze", lambda: consequences.freeze_consequence(
            current_user, clause, request.form.get("reason", ""))) if frozen else None)


@bp.post("/documents/<int:document_id>/silence")
@login_required
def start_silence(document_id: int):
    document = get_document(document_id)
    return _attempt(
        document, "silence-start",
        lambda: silence.start_silence(current_user, document, request.form.get("deadline", ""),
                                      _zone_from_form(), request.form.get("note", "")),
        lambda procedure: "Silence procedure started; it passes at "
                          f"{wf.format_deadline(procedure.deadline, procedure.timezone)} "
                          "unless an economy breaks silence.", anchor="silence")


@bp.post("/documents/<int:document_id>/silence/break")
@login_required
def break_silence(document_id: int):
    document = get_document(document_id)
    return _attempt(
        document, "silence-break",
        lambda: silence.break_silence(current_user, document, request.form.get("reason", "")),
        lambda procedure: f"Silence broken by {procedure.broken_economy.name}. The document is "
                          "back in negotiation.", anchor="silence")


@bp.post("/documents/<int:document_id>/silence/cancel")
@login_required
def cancel_silence(document_id: int):
    document = get_document(document_id)
    return _attempt(
        document, "silence-cancel",
        lambda: silence.cancel_silence(current_user, document, request.form.get("reason", "")),
        "Silence procedure withdrawn. The document is back in negotiation; a new silence "
        "procedure can be started when the text is ready.", anchor="silence",
        confirm=("silence_cancel", lambda: consequences.silence_cancel_consequence(
            current_user, document, request.form.get("reason", ""))))
