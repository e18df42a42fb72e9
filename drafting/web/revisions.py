"""Revisions, comparing them, the negotiating text, and the secretariat's direct edits."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from drafting.domain.diff import word_diff
from drafting.domain.errors import DomainError, InvalidInput, StaleVersion
from drafting.domain.input_rules import ascii_id
from drafting.domain.render import render_changes
from drafting.extensions import db
from drafting.services import consequences, editing, reading
from drafting.services import comparison as comparisons
from drafting.services import revisions as revision_service
from drafting.services.loading import get_clause, get_document
from drafting.services.policy import Action, authorize
from drafting.web.confirming import confirmation_page, is_confirmed
from drafting.web.form_errors import field_errors
from drafting.web.helpers import commit

bp = Blueprint("revisions", __name__)


def _checkbox(name: str) -> bool:
    return request.form.get(name) in ("1", "on", "true", "yes")


@bp.get("/documents/<int:document_id>/revisions")
@login_required
def index(document_id: int):
    document = get_document(document_id)
    return _render_index(document)


def _render_index(document, *, note: str = "", renumber: bool = True, error: str | None = None,
                  status: int = 200):
    revisions = revision_service.revisions_of(document)
    return render_template(
        "revisions/index.html", document=document, revisions=list(reversed(revisions)),
        progression=revision_service.progression_summary(
            [{"label": r.label, "brackets": r.bracket_count} for r in revisions]),
        note=note, renumber=renumber, error=error,
    ), status


@bp.post("/documents/<int:document_id>/revisions")
@login_required
def issue(document_id: int):
    document = get_document(document_id)
    note = request.form.get("note", "")
    renumber = _checkbox("renumber")
    try:
        if not is_confirmed():
            return confirmation_page(
                "revision", consequences.revision_consequence(current_user, document, renumber,
                                                              note),
                document=document, action_url=request.path,
                cancel_url=url_for("revisions.index", document_id=document.id))
        revision = revision_service.issue_revision(current_user, document, note,
                                                   renumber=renumber)
    except DomainError as error:
        if error.status == 403:
            raise
        db.session.rollback()
        return _render_index(document, note=note, renumber=renumber, error=error.message,
                             status=error.status)
    commit()
    flash(f"{revision.label} issued{' and clauses renumbered' if renumber else ''}.", "success")
    return redirect(url_for("documents.show", document_id=document.id, rev=revision.number))


@bp.get("/documents/<int:document_id>/negotiating-text")
@login_required
def negotiating_text(document_id: int):
    document = get_document(document_id)
    rev = request.args.get("rev")
    revision = revision_service.get_revision(document, rev) if rev not in (None, "") else None
    view = revision_service.negotiating_view(document, revision)
    return render_template(
        "revisions/negotiating_text.html", document=document, view=view, revision=revision,
        revisions=revision_service.revisions_of(document),
        progression=revision_service.progression_summary(view.progression),
    )


@bp.get("/documents/<int:document_id>/compare")
@login_required
def compare(document_id: int):
    document = get_document(document_id)
    revisions = revision_service.revisions_of(document)
    context = {"document": document, "revisions": revisions, "comparison": None,
               "error": None, "only_changes": request.args.get("only") == "changes"}
    if not revisions:
        return render_template("revisions/compare.html", **context)
    try:
        start, end = comparisons.resolve_comparison_points(
            document, request.args.get("from"), request.args.get("to"))
    except InvalidInput as error:
        context["error"] = error.message
        return render_template("revisions/compare.html", **context), 422
    context["comparison"] = comparisons.compare(document, start, end)
    return render_template("revisions/compare.html", **context)


@bp.get("/clauses/<int:clause_id>/edit")
@login_required
def edit_clause(clause_id: int):
    clause = get_clause(clause_id)
    authorize(current_user, Action.DECIDE, clause)
    return _render_edit(clause, text=clause.text, note="", expected_version=clause.version)


def _render_edit(clause, *, text: str, note: str, expected_version: int | None,
                 error: str | None = None, stale: bool = False, status: int = 200,
                 errors: dict | None = None):
    preview = None
    if text and text.strip() != clause.text:
        preview = render_changes(word_diff(clause.text, " ".join(text.split())),
                                 author="Secretariat", author_name="the Secretariat")
    return render_template(
        "revisions/edit_clause.html", clause=clause, number=reading.number_of(clause),
        text=text, note=note, expected_version=expected_version, error=error, stale=stale,
        preview=preview, errors=errors or {},
    ), status


@bp.post("/clauses/<int:clause_id>/text")
@login_required
def save_clause_text(clause_id: int):
    clause = get_clause(clause_id)
    text = request.form.get("text", "")
    note = request.form.get("note", "")
    raw_version = request.form.get("expected_version", "").strip()
    expected_version = ascii_id(raw_version)
    try:
        if raw_version and expected_version is None:
            raise InvalidInput("expected_version must be a whole number.",
                               details={"field": "expected_version"})
        version = editing.edit_clause_text(current_user, clause, text, expected_version, note)
    except DomainError as error:
        if error.status == 403:
            raise
        db.session.rollback()
        stale = isinstance(error, StaleVersion)
        errors, general = field_errors(error, {"text": "the new text",
                                               "note": "the note for the record"})
        return _render_edit(clause, text=text, note=note,
                            expected_version=clause.version if stale else expected_version,
                            error=general, errors=errors, stale=stale, status=error.status)
    commit()
    flash(f"Clause text saved as version {version.number}, attributed to the Secretariat. "
          "Open proposals on it were rebased or marked in conflict.", "success")
    return redirect(url_for("documents.clause", clause_id=clause.id, _anchor="history"))
