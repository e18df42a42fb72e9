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


def init_app(app: Flask) -> None:
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
