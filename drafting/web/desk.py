"""The secretariat's merge desk."""
from __future__ import annotations

from flask import Blueprint, flash, render_template, request
from flask_login import current_user, login_required

from drafting.services import decisions, reading
from drafting.services.loading import get_document, get_proposal
from drafting.services.policy import Action, authorize
from drafting.web.helpers import commit, form_int, redirect_back

bp = Blueprint("desk", __name__)


@bp.get("/documents/<int:document_id>/desk")
@login_required
def index(document_id: int):
    document = get_document(document_id)
    authorize(current_user, Action.DECIDE, document)
    groups = reading.desk_groups(document, current_user)
    return render_template("desk/index.html", document=document, groups=groups,
                           redline=reading.proposal_redline_html,
                           economies=reading.economies_by_code(),
                           tracked=reading.tracked_changes_html)


@bp.post("/proposals/<int:proposal_id>/decide")
@login_required
def decide(proposal_id: int):
    proposal = get_proposal(proposal_id)
    decision = request.form.get("decision", "")
    decisions.decide_proposal(
        current_user, proposal, decision,
        expected_version=form_int("expected_version", required=False),
        expected_text_version=form_int("expected_text_version", required=False),
        text=request.form.get("text"),
        note=request.form.get("note", ""),
    )
    commit()
    flash(f"Proposal #{proposal.id}: {proposal.status.label.lower()}.", "success")
    return redirect_back("desk.index", document_id=proposal.document_id,
                        _anchor=f"clause-{proposal.clause_id}")
