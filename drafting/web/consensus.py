"""Economies' positions, the consensus matrix, clause status, options and the Chair's statement."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from drafting.domain import text_rules
from drafting.domain.consensus import split_codes
from drafting.domain.errors import Conflict, DomainError
from drafting.domain.input_rules import ascii_id
from drafting.domain.proposal_names import capitalised
from drafting.domain.states import ClauseStatus, Stance
from drafting.extensions import db
from drafting.services import chair_return as return_service
from drafting.services import chair_statement as chair_service
from drafting.services import clause_status as status_service
from drafting.services import options as option_service
from drafting.services import positions as position_service
from drafting.services import reading
from drafting.services.loading import get_clause, get_document, get_proposal
from drafting.services.visibility import get_visible_proposal
from drafting.services.policy import Action, authorize
from drafting.web.confirming import is_confirmed
from drafting.web.helpers import commit, form_int, redirect_back

bp = Blueprint("consensus", __name__)

FILTERS = ("all", "without_consensus")


@bp.app_context_processor
def consensus_helpers():
    """Read models the shared pages (clause page, document page, merge desk) call lazily."""
    return {
        "Stance": Stance,
        "ClauseStatus": ClauseStatus,
        "consensus_panel": position_service.clause_positions,
        "consensus_status_history": status_service.status_history,
        "consensus_excepted": lambda clause: split_codes(clause.excepted_economies),
        "consensus_clause_options": option_service.clause_options,
        "consensus_document_options": option_service.document_options,
        "consensus_chair_statement": chair_service.chair_statement_of,
        "consensus_source_document": chair_service.source_of,
    }


# --- the matrix ------------------------------------------------------------------------------

@bp.get("/documents/<int:document_id>/consensus")
@login_required
def matrix(document_id: int):
    document = get_document(document_id)
    authorize(current_user, Action.VIEW, document)
    current_filter = request.args.get("filter", "all")
    if current_filter not in FILTERS:
        abort(400, "filter must be “all” or “without_consensus”.")
    data = position_service.consensus_matrix(
        document, only_without_consensus=current_filter == "without_consensus")
    return render_template("consensus/matrix.html", document=document, matrix=data,
                           current_filter=current_filter,
                           chair_statement=chair_service.chair_statement_of(document),
                           parent=get_document(document.parent_document_id)
                           if document.parent_document_id else None)


@bp.post("/documents/<int:document_id>/chair-statement")
@login_required
def chair_statement(document_id: int):
    document = get_document(document_id)
    clause_ids = _selected_clause_ids()
    note = request.form.get("note", "")
    # First the confirmation (it runs the move's checks: an empty or wrong selection is
    # refused here); the move itself only from that page, and only if what it listed still
    # stands — the token digests the paragraphs, their positions and what would remain.
    if not is_confirmed():
        preview = chair_service.preview_chair_statement(current_user, document, clause_ids)
        text_rules.note_text(note, required=False, field="note")
        return render_template("consensus/confirm_move.html", document=document,
                               preview=preview, note=note, stale=False)
    try:
        result = chair_service.create_chair_statement(
            current_user, document, clause_ids, note,
            expected_token=request.form.get("selection_token", ""))
    except Conflict as error:
        if error.code != chair_service.STALE_CONFIRMATION:
            raise
        db.session.rollback()
        preview = chair_service.preview_chair_statement(current_user, document, clause_ids)
        return render_template("consensus/confirm_move.html", document=document,
                               preview=preview, note=note, stale=True), 409
    commit()
    moved = ", ".join(m.source_number for m in result.moved)
    verb = "created" if result.created else "extended"
    flash(f"Chair's statement {result.document.symbol} {verb}: {moved} moved from "
          f"{document.symbol}.", "success")
    return redirect(url_for("documents.show", document_id=result.document.id))


def _selected_clause_ids() -> list[int]:
    clause_ids = [n for v in request.form.getlist("clause_id") if (n := ascii_id(v)) is not None]
    if len(clause_ids) != len(request.form.getlist("clause_id")):
        abort(400, "clause_id must be whole numbers.")
    return clause_ids


@bp.post("/documents/<int:document_id>/return")
@login_required
def return_from_chair_statement(document_id: int):
    """Paragraphs of a Chair's statement back to the statement: a confirmation first (as for
    the move), the return only from it and only while what it listed still stands."""
    chair = get_document(document_id)
    clause_ids = _selected_clause_ids()
    note = request.form.get("note", "")
    if not is_confirmed():
        preview = return_service.preview_return(current_user, chair, clause_ids)
        text_rules.note_text(note, required=False, field="note")
        return render_template("consensus/confirm_return.html", document=chair,
                               preview=preview, note=note, stale=False)
    try:
        result = return_service.return_to_statement(
            current_user, chair, clause_ids, note,
            expected_token=request.form.get("selection_token", ""))
    except Conflict as error:
        if error.code != chair_service.STALE_CONFIRMATION:
            raise
        db.session.rollback()
        preview = return_service.preview_return(current_user, chair, clause_ids)
        return render_template("consensus/confirm_return.html", document=chair,
                               preview=preview, note=note, stale=True), 409
    commit()
    returned = ", ".join(f"{i.number_after} (was {i.number} in {chair.symbol})"
                         for i in result.returned)
    flash(f"Returned to {result.statement.symbol} from the Chair's statement: {returned}.",
          "success")
    return redirect(url_for("documents.show", document_id=result.statement.id))


@bp.post("/documents/<int:document_id>/open-for-comment")
@login_required
def open_for_comment(document_id: int):
    chair = get_document(document_id)
    wanted = request.form.get("open")
    if wanted not in ("0", "1"):
        abort(400, "open must be 1 or 0.")
    return_service.set_open_for_comment(current_user, chair, wanted == "1",
                                        request.form.get("note", ""))
    commit()
    flash(f"{chair.symbol} is {'open' if chair.open_for_comment else 'closed'} for comment: "
          f"economies {'can' if chair.open_for_comment else 'cannot'} propose amendments to it.",
          "success")
    return redirect(url_for("consensus.matrix", document_id=chair.id))


# --- positions -------------------------------------------------------------------------------

def _position_page(clause, *, stance: str = "", text: str = "", error: str | None = None,
                   status: int = 200):
    panel = position_service.clause_positions(clause)
    own = panel.positions.get(current_user.economy.code) if current_user.economy else None
    if not stance and own is not None:
        stance, text = own.stance.value, own.text
    return render_template("consensus/position.html", clause=clause,
                           number=reading.number_of(clause), panel=panel, own=own,
                           form={"stance": stance, "text": text}, error=error), status


@bp.get("/clauses/<int:clause_id>/position")
@login_required
def position_form(clause_id: int):
    clause = get_clause(clause_id)
    authorize(current_user, Action.SET_POSITION, clause)
    return _position_page(clause)


@bp.post("/clauses/<int:clause_id>/position")
@login_required
def set_position(clause_id: int):
    clause = get_clause(clause_id)
    stance = request.form.get("stance", "")
    text = request.form.get("text", "")
    try:
        if request.form.get("intent") == "clear":
            position_service.clear_position(current_user, clause)
            message = "Your economy's position was cleared."
        else:
            position = position_service.set_position(current_user, clause, stance, text)
            message = f"Your economy's position is now “{position.stance.label}”."
    except DomainError as error:
        if error.status == 403:
            raise
        return _position_page(clause, stance=stance, text=text, error=error.message,
                              status=error.status)
    commit()
    flash(message, "success")
    return redirect_back("documents.clause", clause_id=clause.id, _anchor="positions")


# --- clause status ---------------------------------------------------------------------------

def _status_page(clause, *, form: dict | None = None, error: str | None = None,
                 status: int = 200):
    form = form or {"status": clause.status.value, "reason": "", "override_reason": "",
                    "excepted": split_codes(clause.excepted_economies)}
    panel = position_service.clause_positions(clause)
    against = [(e, p) for e, p in panel.cells() if p is not None and p.stance.blocks_consensus]
    return render_template("consensus/status.html", clause=clause,
                           number=reading.number_of(clause), panel=panel, against=against,
                           history=status_service.status_history(clause),
                           form=form, error=error), status


@bp.get("/clauses/<int:clause_id>/status")
@login_required
def status_form(clause_id: int):
    clause = get_clause(clause_id)
    authorize(current_user, Action.SET_CLAUSE_STATUS, clause)
    return _status_page(clause)


@bp.post("/clauses/<int:clause_id>/status")
@login_required
def set_status(clause_id: int):
    clause = get_clause(clause_id)
    form = {"status": request.form.get("status", ""), "reason": request.form.get("reason", ""),
            "override_reason": request.form.get("override_reason", ""),
            "excepted": request.form.getlist("excepted")}
    try:
        status_service.set_clause_status(current_user, clause, form["status"], form["reason"],
                                         excepted=form["excepted"],
                                         override_reason=form["override_reason"])
    except DomainError as error:
        if error.status == 403:
            raise
        return _status_page(clause, form=form, error=error.message, status=error.status)
    commit()
    flash(f"Status set to “{status_service.describe(clause.status, split_codes(clause.excepted_economies))}”.",
          "success")
    return redirect_back("documents.clause", clause_id=clause.id, _anchor="positions")


# --- options ---------------------------------------------------------------------------------

@bp.post("/proposals/<int:proposal_id>/keep-as-option")
@login_required
def keep_as_option(proposal_id: int):
    proposal = get_proposal(proposal_id)
    option_service.keep_as_option(current_user, proposal, request.form.get("note", ""))
    name = capitalised(proposal.name)
    commit()
    flash(f"{name} ({proposal.economy.code}) is kept as an option.", "success")
    return redirect_back("desk.index", document_id=proposal.document_id,
                         _anchor=f"clause-{proposal.clause_id}")


@bp.post("/proposals/<int:proposal_id>/return-to-desk")
@login_required
def return_to_desk(proposal_id: int):
    proposal = get_proposal(proposal_id)
    option_service.return_to_desk(current_user, proposal)
    name = capitalised(proposal.name)
    commit()
    flash(f"{name} is an open proposal again.", "success")
    return redirect_back("desk.index", document_id=proposal.document_id,
                         _anchor=f"clause-{proposal.clause_id}")


@bp.post("/clauses/<int:clause_id>/choose-option")
@login_required
def choose_option(clause_id: int):
    clause = get_clause(clause_id)
    raw = request.form.get("proposal_id", "").strip()
    proposal = None if raw in ("", "current") else get_visible_proposal(current_user, raw)
    choice = option_service.choose_option(
        current_user, clause, proposal,
        expected_version=form_int("expected_version", required=False),
        note=request.form.get("note", ""))
    commit()
    what = choice.chosen.label + (" (the current text)" if choice.proposal is None else
                                  f" ({', '.join(choice.chosen.sponsors)})")
    flash(f"{what} chosen; {len(choice.rejected)} other option(s) closed.", "success")
    return redirect_back("desk.index", document_id=clause.document_id,
                         _anchor=f"clause-{clause.id}")
