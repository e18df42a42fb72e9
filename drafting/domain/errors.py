"""Errors raised by services and domain code; the web layer maps each to an HTTP status."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the product gives a user. `code` is stable for API clients."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class InvalidInput(DomainError):
    """The request is well-formed but its content is not acceptable (empty text, too long …)."""

    status = 422
    code = "invalid_input"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The action does not fit the current state (already decided, clause moved on …)."""

    status = 409
    code = "conflict"


class StaleVersion(Conflict):
    """A decision named a clause version that is no longer current."""

    code = "stale_version"


class PayloadTooLarge(DomainError):
    """The body is larger than the API accepts for its kind (see docs/api.md, limits)."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """The body is in a form the API does not read (a charset other than UTF-8)."""

    status = 415
    code = "unsupported_media_type"
