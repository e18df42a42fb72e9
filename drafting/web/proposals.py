"""Delegations' proposals: the proposal form with its redline preview, and proposal pages."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from drafting.domain.diff import word_diff
from drafting.domain.errors import DomainError
from drafting.domain.input_rules import ascii_id
from drafting.domain.proposal_names import capitalised
from drafting.domain.render import render_changes
from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.services import drafts as draft_service
from drafting.services import proposals as proposal_service
from drafting.services import consequences, reading
from drafting.services.guards import ensure_not_chair_text
from drafting.services.loading import get_clause, get_document, get_proposal, get_section
from drafting.services.policy import Action, authorize
from drafting.services.visibility import get_visible_proposal
from drafting.web.confirming import confirmation_page, is_confirmed
from drafting.web.form_errors import field_errors
from drafting.web.helpers import commit, form_int

bp = Blueprint("proposals", __name__)

# How the proposal forms call their fields, for errors told beside them (web/form_errors.py).
PROPOSAL_FIELDS = {"text": "the proposed text", "rationale": "the rationale"}


def _preview_html(action: str, base_text: str, text: str) -> str:
    """The redline a delegate sees before submitting, attributed to their own economy."""
    new_text = "" if action == ProposalAction.DELETE.value else " ".join(text.split())
    economy = current_user.economy
    return render_changes(word_diff(base_text, new_text),
                          author=economy.code if economy else None,
                          author_name=economy.name if economy else None)


@bp.get("/documents/<int:document_id>/propose")
@login_required
def new(document_id: int):
    document = get_document(document_id)
    authorize(current_user, Action.PROPOSE, document)
    ensure_not_chair_text(document)
    action = request.args.get("action", "amend")
    if action not in {a.value for a in ProposalAction}:
        abort(400, "Unknown action.")
    clause_id = request.args.get("clause_id", type=int)
    after_id = request.args.get("after", type=int)
    form = {"action": action, "clause_id": clause_id, "after_clause_id": after_id,
            "section_id": request.args.get("section", type=int), "text": "", "rationale": ""}
    if action != "insert" and clause_id:
        form["text"] = get_clause(clause_id).text
    return _render_form(document, form)


def _render_form(document, form, *, error: str | None = None, preview: str | None = None,
                 status: int = 200, errors: dict | None = None):
    view = reading.document_view(document, viewer=current_user._get_current_object())
    base_text = ""
    if form["action"] != "insert" and form.get("clause_id"):
        row = next((r for r in view.rows if r.clause.id == form["clause_id"]), None)
        if row is not None:
            base_text = row.version.text
        elif error is None and not errors:
            abort(404, "No such clause in this document.")
        # else: the form comes back with the refusal (e.g. "the clause has been deleted"),
        # which must be shown rather than masked by a 404.
    return render_template("proposals/new.html", document=document, view=view, form=form,
                           base_text=base_text, error=error, errors=errors or {},
                           preview=preview), status


@bp.post("/documents/<int:document_id>/proposals")
@login_required
def create(document_id: int):
    document = get_document(document_id)
    form = {
        "action": request.form.get("action", ""),
        "clause_id": form_int("clause_id", required=False),
        "after_clause_id": form_int("after_clause_id", required=False),
        "section_id": form_int("section_id", required=False),
        "text": request.form.get("text", ""),
        "rationale": request.form.get("rationale", ""),
    }
    if request.form.get("intent") == "preview":
        authorize(current_user, Action.PROPOSE, document)
        base = get_clause(form["clause_id"]).text if form["action"] != "insert" \
            and form["clause_id"] else ""
        return _render_form(document, form, preview=_preview_html(form["action"], base,
                                                                   form["text"]))
    as_draft = request.form.get("intent") == "draft"
    try:
        section = get_section(form["section_id"]) if form["section_id"] else None
        if section is not None and form["action"] == "insert":
            # Placed first in a section: what it follows is the section's business, not the
            # clause chosen in the other list.
            form["after_clause_id"] = reading.clause_before_section(document, section)
        proposal = proposal_service.submit_proposal(
            current_user, document, form["action"],
            clause=get_clause(form["clause_id"]) if form["clause_id"] else None,
            after_clause=get_clause(form["after_clause_id"]) if form["after_clause_id"] else None,
            section=section if form["action"] == "insert" else None,
            text=form["text"], rationale=form["rationale"], draft=as_draft,
        )
    except DomainError as error:
        if error.status == 403:
            raise
        errors, general = field_errors(error, PROPOSAL_FIELDS)
        return _render_form(document, form, error=general, errors=errors, status=error.status)
    name = capitalised(proposal.name)
    commit()
    if as_draft:
        flash(f"{name} saved. Only your economy's delegates can see it until you "
              "submit it.", "success")
    elif proposal.circulated_at is None:
        flash(f"{name} submitted. Your economy and the secretariat see it now; "
              "other economies will once the secretariat circulates it.", "success")
    else:
        flash(f"{name} submitted.", "success")
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


@bp.post("/proposals/preview")
@login_required
def preview():
    """Live redline preview for the proposal form (JSON in, HTML fragment out)."""
    payload = request.get_json(silent=True) or {}
    action = payload.get("action", "amend")
    text = payload.get("text", "")
    if not isinstance(text, str) or len(text) > 20_000:
        return jsonify({"error": {"code": "invalid_input", "message": "text is invalid"}}), 422
    base = ""
    if action != "insert" and payload.get("clause_id"):
        base = get_clause(payload["clause_id"]).text
    return jsonify({"html": _preview_html(action, base, text)})


@bp.get("/proposals/<int:proposal_id>")
@login_required
def show(proposal_id: int):
    # Another economy's draft, or a proposal not yet circulated, does not exist for the viewer.
    proposal = get_visible_proposal(current_user, proposal_id)
    numbers = reading.display_numbers(proposal.document)
    subject = proposal.clause or proposal.after_clause
    number = numbers.get(subject.id) if subject is not None else None
    # An insertion is always described by the clause it follows, also once it is accepted
    # (then `clause` is the new clause itself, and "after <its own number>" would be wrong).
    anchor_number = numbers.get(proposal.after_clause_id) if proposal.after_clause_id else None
    return render_template(
        "proposals/show.html", proposal=proposal, number=number, anchor_number=anchor_number,
        redline=reading.proposal_redline_html(proposal),
        decision_diff=reading.decision_diff(proposal),
        decided_redline=reading.decided_redline_html(proposal),
        threads=reading.comment_threads(viewer=current_user, proposal=proposal),
        render_changes=render_changes, accepted_change=reading.accepted_change_html,
    )


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int):
    proposal = get_proposal(proposal_id)
    if not is_confirmed():
        return confirmation_page(
            "withdraw", consequences.withdraw_consequence(current_user, proposal),
            document=proposal.document, action_url=request.path,
            cancel_url=url_for("proposals.show", proposal_id=proposal_id))
    proposal_service.withdraw_proposal(current_user, proposal)
    name = capitalised(proposal.name)
    commit()
    flash(f"{name} withdrawn.", "success")
    return redirect(url_for("proposals.show", proposal_id=proposal_id))


@bp.post("/proposals/<int:proposal_id>/cosponsor")
@login_required
def cosponsor(proposal_id: int):
    proposal = get_proposal(proposal_id)
    proposal_service.cosponsor_proposal(current_user, proposal)
    name = proposal.name
    commit()
    flash(f"Your economy now co-sponsors {name}.", "success")
    return redirect(url_for("proposals.show", proposal_id=proposal_id))


@bp.post("/proposals/<int:proposal_id>/uncosponsor")
@login_required
def uncosponsor(proposal_id: int):
    proposal = get_proposal(proposal_id)
    proposal_service.withdraw_cosponsorship(current_user, proposal)
    name = proposal.name
    commit()
    flash(f"Your economy no longer co-sponsors {name}.", "success")
    return redirect(url_for("proposals.show", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/revise", methods=["GET", "POST"])
@login_required
def revise(proposal_id: int):
    proposal = get_proposal(proposal_id)
    authorize(current_user, Action.REVISE, proposal)
    if request.method == "GET":
        return render_template("proposals/revise.html", proposal=proposal,
                               text=proposal.text, rationale=proposal.rationale, error=None)
    text = request.form.get("text", "")
    rationale = request.form.get("rationale", "")
    try:
        # The form always sends the rationale back; only a changed one is a revision of it,
        # so that submitting the form untouched is refused as "nothing changed".
        proposal_service.revise_proposal(
            current_user, proposal, text=text,
            rationale=None if rationale.strip() == (proposal.rationale or "").strip()
            else rationale)
    except DomainError as error:
        if error.status == 403:
            raise
        errors, general = field_errors(error, PROPOSAL_FIELDS)
        return render_template("proposals/revise.html", proposal=proposal, text=text,
                               rationale=rationale, error=general, errors=errors), error.status
    name = capitalised(proposal.name)
    commit()
    flash(f"{name} updated against the current text.", "success")
    return redirect(url_for("proposals.show", proposal_id=proposal_id))


# --- drafts: saved by a delegation, submitted together -----------------------------------------

@bp.get("/drafts")
@login_required
def drafts():
    """My economy's drafts, by document, each document with its batch submission form."""
    mine = draft_service.economy_drafts(current_user)
    groups: dict[int, list] = {}
    for proposal in mine:
        groups.setdefault(proposal.document_id, []).append(proposal)
    documents = [(drafts_[0].document, drafts_,
                  reading.display_numbers(drafts_[0].document)) for drafts_ in groups.values()]
    return render_template("proposals/drafts.html", documents=documents,
                           redline=reading.proposal_redline_html)


@bp.post("/documents/<int:document_id>/drafts/submit")
@login_required
def submit_drafts(document_id: int):
    document = get_document(document_id)
    ids = []
    for value in request.form.getlist("proposal_id"):
        number = ascii_id(value)
        if number is None:
            abort(400, "proposal_id must be a whole number.")
        ids.append(number)
    proposals = [get_visible_proposal(current_user, pid) for pid in ids]
    if any(p.document_id != document.id for p in proposals):
        abort(400, "Every draft submitted here must belong to this document.")
    try:
        submitted = draft_service.submit_drafts(current_user, proposals)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        # Nothing was submitted: say why, and keep the drafts as they were.
        flash(f"Nothing was submitted. {error.message}", "error")
        return redirect(url_for("proposals.drafts", _anchor=f"document-{document.id}"))
    listed = ", ".join(p.name for p in submitted)
    commit()
    one = len(submitted) == 1
    waiting = "" if document.circulate_immediately else \
        f" Other economies will see {'it' if one else 'them'} once the secretariat circulates " \
        f"{'it' if one else 'them'}."
    flash(f"Submitted {len(submitted)} proposal{'' if one else 's'}: {listed}.{waiting}",
          "success")
    if len(submitted) == 1:
        return redirect(url_for("proposals.show", proposal_id=submitted[0].id))
    return redirect(url_for("proposals.drafts"))


@bp.route("/proposals/<int:proposal_id>/edit-draft", methods=["GET", "POST"])
@login_required
def edit_draft(proposal_id: int):
    proposal = get_visible_proposal(current_user, proposal_id)
    authorize(current_user, Action.REVISE, proposal)
    if proposal.status is not ProposalStatus.DRAFT:
        flash(f"{capitalised(proposal.name)} was submitted: it is no longer a draft.", "info")
        return redirect(url_for("proposals.show", proposal_id=proposal_id))
    if request.method == "GET":
        return render_template("proposals/edit_draft.html", proposal=proposal,
                               text=proposal.text, rationale=proposal.rationale, error=None)
    text = request.form.get("text", "")
    rationale = request.form.get("rationale", "")
    try:
        draft_service.update_draft(current_user, proposal, text=text, rationale=rationale)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        errors, general = field_errors(error, PROPOSAL_FIELDS)
        return render_template("proposals/edit_draft.html", proposal=proposal, text=text,
                               rationale=rationale, error=general, errors=errors), error.status
    name = capitalised(proposal.name)
    commit()
    flash(f"{name} saved.", "success")
    return redirect(url_for("proposals.show", proposal_id=proposal_id))


@bp.post("/proposals/<int:proposal_id>/delete-draft")
@login_required
def delete_draft(proposal_id: int):
    proposal = get_visible_proposal(current_user, proposal_id)
    name = capitalised(proposal.name)
    draft_service.delete_draft(current_user, proposal)
    commit()
    flash(f"{name} deleted.", "success")
    return redirect(url_for("proposals.drafts"))
