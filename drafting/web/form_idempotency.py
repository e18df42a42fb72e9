"""One key per rendered form, so a double click or a browser's retry of a page form that
creates something (a proposal, a comment, a revision, an import, a token) writes once.

Forms carry a fresh `idempotency_key` (the `idempotency_field()` macro); the rules are the
API's Idempotency-Key rules (services/idempotency.py), applied to the form's fields instead of
a JSON body. A second submission of the same form gets the first one's redirect; one with
other fields under the same key is refused. A success that is a page rather than a redirect
(a new API token, shown once) is not kept: sending that form again is refused as already
done, so a secret is never stored to be shown twice.
"""
from __future__ import annotations

import json
import uuid

from flask import Flask, Response, flash, g, redirect, request
from flask_login import current_user

from drafting.domain.errors import Conflict
from drafting.services import idempotency
from drafting.web.helpers import commit_kept_answer, same_site_referrer, signed_in_user

FIELD = "idempotency_key"
# Differs between renderings of one form (a signed token), and is checked by CSRF anyway.
NOT_FINGERPRINTED = frozenset({"csrf_token"})


def new_key() -> str:
    return uuid.uuid4().hex


def _form_body() -> bytes:
    """The submitted fields, in a stable order, as the bytes the key is checked against."""
    fields = sorted((name, value) for name in request.form if name not in NOT_FINGERPRINTED
                    for value in request.form.getlist(name))
    uploads = sorted((name, upload.filename or "", upload.mimetype or "")
                     for name in request.files for upload in request.files.getlist(name))
    return json.dumps([fields, uploads], ensure_ascii=False).encode()


def begin_form_request() -> Response | None:
    if request.method != "POST" or request.blueprint == "api":
        return None
    raw = request.form.get(FIELD)
    if not raw or not current_user.is_authenticated:
        return None
    key = idempotency.checked_key(raw)
    try:
        outcome = idempotency.begin(signed_in_user(), key, request.method, request.path,
                                    _form_body())
    except Conflict as done:
        if done.code != "idempotency_key_unfinished":
            raise
        # Done before, with a page for an answer (a token shown once): not done again.
        flash("That form had already been sent and was carried out; it was not sent again.",
              "info")
        return redirect(same_site_referrer(), 303)
    if isinstance(outcome, idempotency.StoredAnswer):
        flash("That form had already been sent: here is what it did.", "info")
        return redirect(outcome.location or "/", 303)
    g.form_idempotency_record = outcome
    return None


def keep_the_redirect(response: Response) -> Response:
    record = g.pop("form_idempotency_record", None)
    location = response.headers.get("Location")
    if record is None or not 300 <= response.status_code < 400 or not location:
        return response
    commit_kept_answer(record, response.status_code, response.content_type or "", location, "")
    return response


def init_app(app: Flask) -> None:
    app.before_request(begin_form_request)
    app.after_request(keep_the_redirect)
    app.jinja_env.globals["new_idempotency_key"] = new_key
