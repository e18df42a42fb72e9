"""Mapping refusals and failures to pages and JSON errors."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from drafting.domain.errors import DomainError
from drafting.extensions import db


def wants_json() -> bool:
    """JSON for the API, for JSON requests (the live preview) and for clients asking for it."""
    return request.path.startswith("/api/") or request.is_json or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, code: str, message: str, details: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if details:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("errors/error.html", status=status, code=code,
                           message=message), status


# Defence in depth behind the escaping: pages load scripts and styles only from this site
# (no inline script, no inline style, no plugins, no framing). A view that needs something
# else (e.g. a self-contained export) sets its own header, which is left alone.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self'; object-src 'none'; base-uri 'none'; "
                           "frame-ancestors 'none'; form-action 'self'")


def _security_headers(response):
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)

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
        return error_response(503, "database_unavailable",
                              "The database is not reachable right now. Please try again shortly.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(error.code or 500, code, error.description or error.name)
