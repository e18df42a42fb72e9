"""Small helpers shared by the blueprints."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from drafting.domain.input_rules import ascii_id
from drafting.extensions import db
from drafting.services import idempotency


def commit() -> None:
    """The one commit of a request: services only flush. Once it returns, the write is done,
    whatever happens while the answer is built (web/errors.py answers a success then)."""
    user = g.get("_login_user")  # Flask-Login's per-request cache, when someone asked
    if user is not None and getattr(user, "is_authenticated", False):
        # For the request log: read now, since the commit expires the user (a reload each).
        g.request_user_name = user.username
    db.session.commit()
    g.write_committed = True


def commit_kept_answer(record, status_code: int, content_type: str, location: str | None,
                       body: str) -> None:
    """Keep a committed write's answer under its idempotency key, in a commit of its own.

    The write itself committed with the view; if keeping its answer fails, a retry is told
    the write was done (409 idempotency_key_unfinished) instead of being replayed, never done
    twice, and the client still gets its success."""
    try:
        idempotency.keep_answer(record, status_code, content_type, location, body)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        logging.getLogger(__name__).warning(
            "the answer to %s %s could not be kept under its idempotency key",
            request.method, request.path, exc_info=True)


def same_site_referrer() -> str:
    """The page the request came from, as a local path, when it is on this site; else "/"."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return "/"
    return urlunsplit(("", "", referrer.path or "/", referrer.query, ""))


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


def isolated_call():
    """How this request has CPU-heavy pure work done (an upload read, a draft split): in a
    child process under gevent, in the request otherwise (drafting/isolation.py)."""
    return current_app.extensions["isolation"].call
