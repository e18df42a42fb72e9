"""The chair's screen: the projection page of a document and the secretariat's controls."""
from __future__ import annotations

from flask import Blueprint, flash, render_template, request
from flask_login import current_user, login_required

from drafting.services import screen as screen_service
from drafting.services.loading import get_document
from drafting.web.helpers import commit, redirect_back
from drafting.web.workflow import shown_settled

bp = Blueprint("screen", __name__)

THEMES = ("light", "dark")
# Without JavaScript a projector still follows the secretariat, by reloading this often.
NO_SCRIPT_REFRESH_SECONDS = 10


@bp.app_context_processor
def screen_helpers():
    """The merge desk calls these lazily for its screen panel and buttons."""
    return {"screen_controls": screen_service.screen_controls,
            "screen_clause_on": screen_service.on_screen_clause_id}


@bp.get("/documents/<int:document_id>/screen")
@login_required
def show(document_id: int):
    document = shown_settled(get_document(document_id))
    view = screen_service.screen_view(current_user, document)
    theme = request.args.get("theme", "")
    theme = theme if theme in THEMES else "light"
    response = render_template("screen/show.html", document=document, view=view, theme=theme,
                               refresh_seconds=NO_SCRIPT_REFRESH_SECONDS)
    # Always the current paragraph: a reload (or the no-script refresh) never reuses a copy.
    return response, 200, {"Cache-Control": "no-store"}


@bp.post("/documents/<int:document_id>/screen")
@login_required
def change(document_id: int):
    document = get_document(document_id)
    before = screen_service.on_screen_clause_id(document)
    state = screen_service.change_screen(
        current_user, document, action=request.form.get("action"),
        clause_id=request.form.get("clause_id"))
    commit()
    after = state.clause_id if state else None
    if after == before:
        flash("Nothing changed on the screen: " + (
            "it already shows that paragraph." if after else "it is already clear."), "info")
    elif after is None:
        flash("The screen is cleared.", "success")
    else:
        number = screen_service.number_on_screen(document)
        flash(f"{number} is on the screen.", "success")
    return redirect_back("screen.show", document_id=document.id)
