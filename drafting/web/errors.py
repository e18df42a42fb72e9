"""Mapping refusals and failures to pages and JSON errors."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Flask, flash, g, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from drafting.domain.errors import DomainError
from drafting.extensions import db, login_manager
from drafting.models import Document
from drafting.services.loading import MAX_ID
from drafting.web.helpers import is_local, same_site_referrer

# SQLSTATEs of a transaction PostgreSQL rolled back to settle a race (serialization failure,
# deadlock): the request may simply be tried again. A lock or statement timeout stays a 503:
# the database is too busy, not in disagreement (docs/deploy.md).
TRANSIENT_CONFLICTS = frozenset({"40001", "40P01"})


def wants_json() -> bool:
    """JSON for the API, for JSON requests (the live preview) and for clients asking for it."""
    return request.path.startswith("/api/") or request.is_json or (
        request.accept_mimetypes.best == "application/json")


# Seconds a client should wait before trying again after any 503 (an outage, a saturated
# pool, an export service that is down, /readyz): every 503 says so (RFC 9110, 10.2.3).
RETRY_AFTER_SECONDS = "10"


# What a page says for an HTTP error that carries only Werkzeug's generic description (the
# API keeps its codes; a page speaks to people and shows none).
PLAIN_MESSAGES = {
    400: "The request could not be understood. Go back, check what you entered and try again.",
    403: "Your account is not allowed to see or do this. If you think it should be, ask the "
         "secretariat.",
    404: "There is nothing at this address. The link may be out of date, or the address may "
         "have been mistyped.",
    405: "This page cannot be used that way. Go back and use the page's own buttons.",
    413: "What was sent is too large to be accepted.",
    429: "Too many requests in a short time. Wait a moment, then try again.",
    500: "Something went wrong on our side. Please try again in a moment.",
}


def way_back(*, use_database: bool = True) -> tuple[str, str]:
    """(href, label) of the link an error page offers: the page the person came from when it
    is on this site (and not the page that failed), else the document the address names,
    else the list of documents."""
    referrer = same_site_referrer() if request.referrer else ""
    if referrer and referrer != "/" and urlsplit(referrer).path != request.path \
            and not referrer.startswith("/login"):
        return referrer, "Back to the page you came from"
    document_id = (request.view_args or {}).get("document_id")
    if isinstance(document_id, int) and 0 < document_id <= MAX_ID and use_database:
        try:
            document = db.session.get(Document, document_id)
        except SQLAlchemyError:  # the page must not need the database it may report as gone
            db.session.rollback()  # and the rest of the page must not meet a failed transaction
            document = None
        if document is not None:
            return url_for("documents.show", document_id=document.id), \
                f"Back to {document.title}"
    return url_for("documents.index"), "Back to the documents"


def error_response(status: int, code: str, message: str, details: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if details:
            body["error"]["details"] = details
        response = make_response(jsonify(body), status)
    else:
        # A 503 may be the database itself: its page asks nothing of it.
        back_href, back_label = way_back(use_database=status != 503)
        response = make_response(render_template(
            "errors/error.html", status=status, message=message, back_href=back_href,
            back_label=back_label), status)
    if status == 503:
        response.headers.setdefault("Retry-After", RETRY_AFTER_SECONDS)
    return response


def committed_but_unanswered():
    """The write committed, then the database went away while its answer was being built:
    a success, with what is known (a retry would be refused as a duplicate, or repeat it)."""
    message = ("Saved. The database went away before the full answer could be built: read "
               "the result again in a moment.")
    if wants_json():
        return make_response(jsonify({"committed": True, "degraded": True,
                                      "message": message}), 200)
    flash(message, "success")
    target = request.form.get("next") or ""
    return redirect(target if is_local(target) else same_site_referrer(), 303)


def init_app(app: Flask) -> None:
    @app.after_request
    def retry_after_on_every_503(response):
        # Also when a page answers 503 itself, e.g. a form shown again with "busy, try again".
        if response.status_code == 503:
            response.headers.setdefault("Retry-After", RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        return error_response(400, "csrf_failed",
                              "The form expired or was not sent from this site. "
                              "Reload the page and try again.")

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        # Two people acted on the same thing at once; the loser's transaction is refused whole.
        db.session.rollback()
        return error_response(409, "concurrent_change",
                              "Someone else changed this at the same moment. Reload and try again.")

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        if getattr(error.orig, "sqlstate", None) in TRANSIENT_CONFLICTS:
            # Not an outage: PostgreSQL chose this transaction as the loser of a race.
            return error_response(409, "concurrent_change",
                                  "Someone else changed this at the same moment. "
                                  "Reload and try again.")
        app.logger.warning("database unavailable: %s", str(error.orig).splitlines()[0])
        # The error page must not need the database it reports as gone: the page header would
        # load the user, their economy and their inbox, fail again and end in a bare 500. It
        # is shown as to a visitor instead (tests/faults/test_database_outage.py).
        g._login_user = login_manager.anonymous_user()
        if g.get("write_committed"):
            return committed_but_unanswered()
        return error_response(503, "database_unavailable",
                              "The database is not reachable right now. Please try again shortly.")

    @app.errorhandler(PoolTimeout)
    def database_busy(error: PoolTimeout):
        # Every connection of this process's pool stayed in use for the pool timeout: the
        # database is reachable but this process is saturated. A 503 tells the client (and a
        # load balancer) to come back, where an unhandled error would be a bare 500.
        db.session.rollback()
        app.logger.warning("database connection pool exhausted: %s", str(error).splitlines()[0])
        g._login_user = login_manager.anonymous_user()  # the page must not need the pool
        return error_response(503, "database_busy",
                              "The server is very busy right now. Please try again shortly.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        description = error.description or error.name
        if not wants_json() and (description == type(error).description
                                 or not description):
            # Werkzeug's generic wording ("The requested URL was not found on the server…")
            # is for developers; a page says it plainly. A view's own description stays.
            description = PLAIN_MESSAGES.get(error.code or 500, description)
        response = error_response(error.code or 500, code, description)
        # The exception's own headers carry protocol facts the new body must keep: Allow on
        # a 405 (RFC 9110, 15.5.6), Retry-After on a 503 or 429, WWW-Authenticate on a 401.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
