"""Small helpers shared by the blueprints."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from drafting.domain.input_rules import ascii_id
from drafting.extensions import db


def commit() -> None:
    """The one commit of a request: services only flush. Once it returns, the write is done,
    whatever happens while the answer is built (web/errors.py answers a success then)."""
    db.session.commit()
    g.write_committed = True


def redirect_back(default_endpoint: str, **values):
    """Redirect to a same-site `next` target if given, else to `default_endpoint`."""
    target = request.form.get("next") or request.args.get("next")
    if target and is_local(target):
        return redirect(target)
    return redirect(url_for(default_endpoint, **values))


def is_local(target: str) -> bool:
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") \
        and not target.startswith("//") and "\\" not in target


def form_int(name: str, *, required: bool = True) -> int | None:
    value = request.form.get(name, "").strip()
    if not value:
        if required:
            abort(400, f"{name} is required.")
        return None
    number = ascii_id(value)  # int() would also read "１２" as 12
    if number is None:
        abort(400, f"{name} must be a whole number.")
    return number


def signed_in_user():
    """The user this request acts for — from the session cookie on pages, from the bearer
    token on the API (both through Flask-Login) — as the model object itself, not the proxy."""
    return current_user._get_current_object()
