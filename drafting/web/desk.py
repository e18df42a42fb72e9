"""The secretariat's merge desk.

Accept and Reject are decided on the desk card; Accept with modifications has its own page
(`modify`), which shows the current clause, the economy's proposal and the secretariat's
wording with the attributed redline of what will be applied, and applies only wording whose
redline was shown (a Preview submit, or the live preview of static/desk_modify.js).

A refused decision never leaves the desk: the page is shown again with the refusal beside the
card, what was typed kept, and the current state of the proposal to decide on again.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from drafting.domain.desk_queue import FLAGS, SORTS, QueueFilters, age_text
from drafting.domain.errors import DomainError, InvalidInput
from drafting.domain.proposal_names import capitalised
from drafting.domain.states import ProposalAction, Stance
from drafting.extensions import db
from drafting.models import Proposal
from drafting.models.types import utcnow
from drafting.services import decisions, desk_queue, reading
from drafting.services.loading import get_document, get_proposal
from drafting.services.policy import Action, authorize
from drafting.web.helpers import commit, form_int, redirect_back

bp = Blueprint("desk", __name__)

# Refusals that mean "what you saw is out of date": the desk shows the new state with them.
MOVED_ON = frozenset({"stale_version", "proposal_changed"})


@bp.get("/documents/<int:document_id>/desk")
@login_required
def index(document_id: int):
    """The work queue; its filters come from the query string (a GET form, no JavaScript)."""
    return _render_desk(get_document(document_id), filters=QueueFilters.from_args(request.args))


def _render_desk(document, *, status: int = 200, refusal: dict | None = None,
                 filters: QueueFilters | None = None):
    """The desk; `refusal` ({"proposal_id", "message", "note", "code"}) puts a refused
    decision's message beside its card, with the reason typed kept in the card's form (the
    whole queue is shown then, so that the card is on it)."""
    authorize(current_user, Action.DECIDE, document)
    queue = desk_queue.build_queue(current_user, document, filters or QueueFilters())
    on_desk = {card.proposal.id for group in queue.groups for card in group.cards}
    now = utcnow()
    return render_template("desk/index.html", document=document, queue=queue,
                           sorts=SORTS, flags=FLAGS, Stance=Stance,
                           age=lambda moment: age_text(moment, now),
                           redline=reading.proposal_redline_html,
                           economies=reading.economies_by_code(),
                           refusal=refusal,
                           refusal_off_desk=bool(refusal) and refusal["proposal_id"] not in on_desk
                           ), status


@bp.post("/documents/<int:document_id>/desk/seen")
@login_required
def mark_seen(document_id: int):
    """Move the viewer's "seen" mark up to the newest proposal the desk showed them."""
    document = get_document(document_id)
    raw = request.form.get("up_to", "")
    try:
        up_to = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidInput("The moment to mark as seen is not a date and time.",
                           details={"field": "up_to"}) from None
    if up_to is not None and up_to.tzinfo is None:
        raise InvalidInput("The moment to mark as seen needs its time zone.",
                           details={"field": "up_to"})
    desk_queue.mark_desk_seen(current_user, document, up_to)
    commit()
    flash("The desk is marked as seen: only proposals submitted after those shown count as "
          "new.", "success")
    return redirect_back("desk.index", document_id=document.id)


def _moved_on_message(proposal: Proposal, error: DomainError) -> str:
    """The refusal, and what to do next, in the words of the state the page now shows."""
    if not proposal.is_open:
        return (f"{error.message} It is no longer on the desk: see its page for what "
                "was decided.")
    if error.code == "proposal_changed":
        return (f"{capitalised(proposal.name)} changed since you read it: you decided on wording "
                f"version {request.form.get('expected_text_version', '?')}, it is now at version "
                f"{proposal.text_version}. Its new redline is shown here: read it and "
                "decide again.")
    if error.code == "stale_version":
        return (f"The clause changed since you looked at it: you decided on version "
                f"{error.details.get('expected_version')}, the current version is "
                f"{error.details.get('current_version')}. The clause and this proposal are "
                "shown as they are now: decide again.")
    return error.message


@bp.post("/proposals/<int:proposal_id>/decide")
@login_required
def decide(proposal_id: int):
    proposal = get_proposal(proposal_id)
    decision = request.form.get("decision", "")
    note = request.form.get("note", "")
    try:
        if decision not in ("accept", "reject"):
            # "modify" has its own page, so that its wording is always previewed first.
            authorize(current_user, Action.DECIDE, proposal)
            raise InvalidInput("Choose Accept or Reject here; to change the wording, use "
                               "Accept with modifications.", details={"field": "decision"})
        decisions.decide_proposal(
            current_user, proposal, decision,
            expected_version=form_int("expected_version", required=False),
            expected_text_version=form_int("expected_text_version", required=False),
            # Plain Accept applies the proposal as shown: any text sent along is not read.
            text=None, note=note,
        )
    except DomainError as error:
        if error.status in (401, 403, 404):
            raise
        db.session.rollback()
        message = (_moved_on_message(proposal, error) if error.code in MOVED_ON
                   or not proposal.is_open else error.message)
        return _render_desk(proposal.document, status=error.status,
                            refusal={"proposal_id": proposal.id, "message": message,
                                     "proposal_name": proposal.name,
                                     "note": note, "code": error.code})
    name = capitalised(proposal.name)
    commit()
    flash(f"{name}: {proposal.status.label.lower()}.", "success")
    return redirect_back("desk.index", document_id=proposal.document_id,
                         _anchor=f"clause-{proposal.clause_id}")


# --- accept with modifications ---------------------------------------------------------------

def _modify_state(proposal: Proposal, text: str) -> dict:
    """What the editor shows for `text`: the three texts, the redline and the versions that
    an Apply of this very text must name."""
    clause = proposal.clause if proposal.action is not ProposalAction.INSERT else None
    base_text = clause.text if clause is not None else ""
    numbers = reading.display_numbers(proposal.document)
    anchor = proposal.after_clause if proposal.action is ProposalAction.INSERT else None
    return {
        "clause": clause, "base_text": base_text,
        "number": numbers.get(clause.id) if clause is not None else None,
        "anchor_number": numbers.get(anchor.id) if anchor is not None else None,
        "economy_redline": reading.proposal_redline_html(proposal),
        "preview": reading.modification_redline_html(base_text, proposal, text),
        "text": text,
        "expected_version": clause.version if clause is not None else 0,
        "expected_text_version": proposal.text_version,
    }


def _render_modify(proposal: Proposal, text: str, *, note: str = "", error: str | None = None,
                   status: int = 200):
    return render_template("desk/modify.html", proposal=proposal, note=note, error=error,
                           can_apply=proposal.is_open and not proposal.in_conflict,
                           secretariat=reading.SECRETARIAT_LABEL,
                           **_modify_state(proposal, text)), status


def _modifiable(proposal_id: int) -> Proposal:
    proposal = get_proposal(proposal_id)
    authorize(current_user, Action.DECIDE, proposal)
    if proposal.action is ProposalAction.DELETE:
        raise InvalidInput("A deletion cannot be accepted with modifications: accept or reject "
                           "it on the merge desk.")
    return proposal


def _same_wording(a: str, b: str) -> bool:
    # Clause text is one paragraph with its spaces collapsed when saved: spacing alone never
    # changes what is applied (browsers also send line breaks as CR LF).
    return " ".join(a.split()) == " ".join(b.split())


@bp.get("/proposals/<int:proposal_id>/accept-with-modifications")
@login_required
def modify(proposal_id: int):
    proposal = _modifiable(proposal_id)
    if not proposal.is_open:
        flash(f"{capitalised(proposal.name)} is already {proposal.status.label.lower()}.",
              "info")
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return _render_modify(proposal, proposal.text)


@bp.post("/proposals/<int:proposal_id>/accept-with-modifications")
@login_required
def apply_modification(proposal_id: int):
    proposal = _modifiable(proposal_id)
    text = request.form.get("text", "")
    note = request.form.get("note", "")
    if request.form.get("step") != "apply":
        return _render_modify(proposal, text, note=note)
    if not _same_wording(text, request.form.get("previewed_text", "")):
        return _render_modify(
            proposal, text, note=note, status=422,
            error="The wording was changed after its last preview, so nothing was applied. "
                  "The redline below is now of the wording you sent: check it and press Apply "
                  "again.")
    try:
        decisions.decide_proposal(
            current_user, proposal, "modify",
            expected_version=form_int("expected_version", required=False),
            expected_text_version=form_int("expected_text_version", required=False),
            text=text, note=note)
    except DomainError as error:
        if error.status in (401, 403, 404):
            raise
        db.session.rollback()
        message = error.message
        if error.code in MOVED_ON or not proposal.is_open:
            message = (_moved_on_message(proposal, error) + " Nothing was applied; the redline "
                       "below compares your wording with the texts as they are now.")
        return _render_modify(proposal, text, note=note, error=message, status=error.status)
    name = capitalised(proposal.name)
    commit()
    flash(f"{name}: accepted with modifications.", "success")
    return redirect(url_for("desk.index", document_id=proposal.document_id,
                            _anchor=f"clause-{proposal.clause_id}"))


@bp.post("/proposals/<int:proposal_id>/accept-with-modifications/preview")
@login_required
def modification_preview(proposal_id: int):
    """The live preview: the redline of the wording sent, as an HTML fragment."""
    proposal = _modifiable(proposal_id)
    text = request.form.get("text", "")
    if len(text) > 20_000:
        raise InvalidInput("The wording is too long to preview.", details={"field": "text"})
    state = _modify_state(proposal, text)
    stale = (form_int("expected_text_version", required=False) != proposal.text_version
             or form_int("expected_version", required=False) != state["expected_version"])
    return render_template("desk/_modify_preview.html", proposal=proposal, stale=stale,
                           secretariat=reading.SECRETARIAT_LABEL, **state)
