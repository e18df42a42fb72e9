"""Per-user rate limits: one user (or a runaway script) cannot exhaust the server.

Two shared Flask-Limiter limits, keyed by the signed-in user (`user:<id>`; a request nobody
signed in to is keyed by its client address), settings in drafting/config.py:

- `writes` (WRITE_LIMIT_PER_USER): every POST, PUT, PATCH and DELETE of every blueprint —
  page forms and /api/v1 alike, one allowance for both. Put on each blueprint in init_app, so
  a blueprint added later is covered too. Not counted: the proposal form's live preview (a
  POST that changes nothing, sent as the delegate types) and the login form (it has its own,
  stricter throttles in drafting/web/auth.py).
- `conversions` (EXPORT_LIMIT_PER_USER): the views decorated with `conversions` — exports
  (pages and API, every format) and Word/Markdown imports, which build or read whole
  documents. An import is a write as well and counts against both.

Over a limit the request is refused before its view runs (nothing is applied): 429 with the
project's error shape on the API, the error page on pages, `Retry-After` in seconds either
way. The request log records the 429; a warning names the limit and the key; and, like a
throttled login, it is audited ("request.throttled") at most once a minute per key.

Never limited: GET pages other than exports, the live streams (GETs, no decorator) and the
health checks (they belong to no blueprint).
"""
from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user

from drafting.extensions import db, limiter

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# POSTs that change nothing: the live preview is sent 250 ms after the delegate stops typing
# (static/app.js); counting it would spend a fast typist's allowance before they submit.
NOT_WRITES = frozenset({"proposals.preview"})


def requester() -> str:
    """The key a request counts against: the user it acts for, else its client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "address:" + (get_remote_address() or "unknown")


def _write_limit() -> str:
    return current_app.config["WRITE_LIMIT_PER_USER"]


def _conversion_limit() -> str:
    return current_app.config["EXPORT_LIMIT_PER_USER"]


def _changes_nothing() -> bool:
    return request.endpoint in NOT_WRITES


writes = limiter.shared_limit(_write_limit, scope="writes", key_func=requester,
                              methods=list(WRITE_METHODS), exempt_when=_changes_nothing)
# override_defaults=False: a decorated view (an import) still counts its blueprint's `writes`.
conversions = limiter.shared_limit(_conversion_limit, scope="conversions", key_func=requester,
                                   override_defaults=False)

# What each limit's refusal says (the wait is appended).
REFUSALS = {
    "writes": "You have sent a great many changes in a short time. To keep the platform "
              "responsive for everyone, nothing was saved",
    "conversions": "You have asked for a great many exports or imports in a short time. To keep "
                   "the platform responsive for everyone, this one was not made",
}


def retry_after_seconds() -> int:
    """Seconds until the refused limit lets a request through again (at least 1)."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.window[0] - time.time()))


def rate_limited(error: RateLimitExceeded):
    """429 for a request over a per-user limit: JSON error or error page, with Retry-After."""
    from drafting.services.audit import record_event
    from drafting.web.auth import THROTTLE_AUDIT_EVERY
    from drafting.web.errors import error_response
    from drafting.web.helpers import commit, signed_in_user

    db.session.rollback()
    seconds = retry_after_seconds()
    scope = error.limit.scope if isinstance(error.limit.scope, str) else "writes"
    breached = limiter.current_limit
    key = breached.key if breached is not None else requester()
    current_app.logger.warning("rate limit %s (%s) reached by %s on %s %s", scope,
                               error.description, requester(), request.method, request.path)
    if limiter.limiter.hit(THROTTLE_AUDIT_EVERY, "throttle-audit", key):
        # Not the path: readers of the audit trail must not learn of drafts (a draft's id,
        # that one was being saved) from it; the request log, for operators, has it.
        user = signed_in_user() if current_user.is_authenticated else None
        record_event("request.throttled", user, limit=scope, allowed=error.description,
                     retry_after_seconds=seconds)
        commit()
    minutes = math.ceil(seconds / 60)
    wait = (f"{seconds} second{'' if seconds == 1 else 's'}" if seconds <= 90
            else f"{minutes} minutes")
    message = f"{REFUSALS.get(scope, REFUSALS['writes'])}. Please wait {wait} and try again."
    response = error_response(429, "rate_limited", message,
                              {"limit": scope, "retry_after_seconds": seconds})
    response.headers["Retry-After"] = str(seconds)
    return response


def _check_writes() -> None:
    """Flask-Limiter's before-request check, run for writes only.

    Reads have no limit it could find there (exports are checked by their decorator), and the
    full check costs a few per cent of every page's CPU.
    """
    if request.method in WRITE_METHODS:
        limiter._check_request_limit()


def init_app(app: Flask) -> None:
    """After limiter.init_app: the writes limit on every blueprint, the 429 answer."""
    for blueprint in app.blueprints.values():
        writes(blueprint)
    app.register_error_handler(RateLimitExceeded, rate_limited)
    before_request = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in before_request:  # absent when rate limiting is disabled
        before_request[before_request.index(limiter._check_request_limit)] = _check_writes
