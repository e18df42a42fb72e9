"""Confirmation before a wide or irreversible page action.

A page form posts once without `confirmed`: the view asks services/consequences.py what the
action would do (which also runs the action's own checks) and shows a confirmation page naming
it, with the same form fields carried in hidden inputs plus `confirmed=1`. Only that second
POST acts. With JavaScript (static/confirm.js) the same wording, rendered by the server into
the form's data attributes, is shown in a <dialog> first and the form goes out already
confirmed. The JSON API is not concerned: an API client confirms by calling.
"""
from __future__ import annotations

from flask import Flask, render_template, request

from drafting.domain.errors import DomainError
from drafting.services import consequences

CONFIRMED_FIELD = "confirmed"
# Fields never carried from the first POST into the confirmation form: the confirmation sets
# its own CSRF token, marker and (for the Chair's statement) selection token.
NOT_CARRIED = frozenset({"csrf_token", CONFIRMED_FIELD, "selection_token"})


def is_confirmed() -> bool:
    return request.form.get(CONFIRMED_FIELD) == "1"


def carried_fields() -> list[tuple[str, str]]:
    return [(name, value) for name in request.form if name not in NOT_CARRIED
            for value in request.form.getlist(name)]


def confirmation_page(kind: str, consequence, *, document, action_url: str, cancel_url: str,
                      status: int = 200):
    """The page asking to confirm `kind` (a wording in templates/confirm/_wording.html) on
    `document`."""
    return render_template("confirm/page.html", kind=kind, c=consequence, document=document,
                           action_url=action_url, cancel_url=cancel_url,
                           carry=carried_fields()), status


def _or_none(consequence):
    """For a page's dialog: the consequence, or None when the action would be refused (the
    form then posts unconfirmed and the refusal is shown by the server as before)."""
    def compute(*args, **kwargs):
        try:
            return consequence(*args, **kwargs)
        except DomainError:
            return None
    return compute


def init_app(app: Flask) -> None:
    helpers = {name: _or_none(getattr(consequences, name)) for name in (
        "revision_consequence", "circulation_consequence", "circulation_mode_consequence",
        "freeze_consequence", "endorse_consequence", "silence_cancel_consequence",
        "withdraw_consequence")}

    @app.context_processor
    def confirmation_helpers():
        """For the pages holding the forms: the consequences their dialogs name (computed
        lazily, only where such a form is shown)."""
        return helpers
