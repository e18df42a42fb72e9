"""The web layer: blueprints, login, error mapping, request bookkeeping."""
from __future__ import annotations

import os
import secrets

from flask import Flask, g, request
from markupsafe import Markup
from sqlalchemy import select

from drafting.domain import copy_rules, proposal_names
from drafting.domain.render import css_class_for
from drafting.logging_setup import install_request_logging
from drafting.extensions import db, login_manager
from drafting.models import User
from drafting.services import policy
from drafting.services.audit import RequestOrigin, current_origin
from drafting.web import (body_deadline, confirming, form_idempotency, input_guard,
                          page_lookups, session_users)


# Defence in depth behind the escaping: scripts and styles only from this site (no inline
# code, no plugins), never framed by another site. A view that needs something else (a
# self-contained export page) sets its own header, which is left alone.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                                "object-src 'none'; base-uri 'self'; form-action 'self'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    from drafting.web import (admin, api, api_audit, api_consensus, api_exports,  # noqa: F401
                              api_idempotency, api_imports, api_revisions, api_screen,
                              api_search, api_visits, api_workflow, audit, auth, comments,
                              consensus, desk, documents, errors, exports, imports,
                              notification_settings, proposals, revisions, screen, search,
                              workflow)
    from drafting.web import live  # before `api` is registered: it adds an API route

    input_guard.install_converters(app)  # before any rule is compiled
    input_guard.init_app(app)
    for module in (auth, documents, proposals, comments, desk, admin, revisions, consensus,
                   workflow, audit, notification_settings, exports, imports, screen, search,
                   live, api):
        app.register_blueprint(module.bp)
    live.init_app(app)
    errors.init_app(app)
    confirming.init_app(app)
    form_idempotency.init_app(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see the negotiation."
    login_manager.login_message_category = "info"

    # After live.init_app: both follow the live bus.
    session_users.init_app(app)
    page_lookups.init_app(app)

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        if request.blueprint == api.bp.name:
            return None  # the API signs in by token only (below), never by cookie
        user_id, _, nonce = session_id.partition(":")
        if not user_id.isdigit() or not nonce:
            return None
        return session_users.load_user(int(user_id), nonce)

    @login_manager.request_loader
    def load_user_from_token(request) -> User | None:
        if request.blueprint != api.bp.name:
            return None
        return api.user_for_bearer_token(request.headers)

    def remember_origin() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
        g.origin_token = current_origin.set(
            RequestOrigin(remote_addr=request.remote_addr or "", request_id=g.request_id))

    # First of all before-request functions, so that a request refused by an earlier guard
    # still has its id (response header, request log).
    app.before_request_funcs.setdefault(None, []).insert(0, remember_origin)
    install_request_logging(app)  # one JSON line per request (drafting/logging_setup.py)
    trust_proxies(app)
    body_deadline.init_app(app)  # outermost: a body late under gunicorn never reaches a view

    @app.teardown_request
    def forget_origin(exc) -> None:
        token = g.pop("origin_token", None)
        if token is not None:
            current_origin.reset(token)

    @app.after_request
    def tag_response(response):
        response.headers.setdefault("X-Request-Id", g.get("request_id", ""))
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    @app.get("/healthz")
    def healthz():
        """The process is up (no database access)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        """The database answers; 503 otherwise, so a load balancer stops sending traffic."""
        try:
            db.session.execute(select(1))
        except Exception:  # noqa: BLE001 - any failure means not ready
            db.session.rollback()
            return ({"status": "unavailable", "database": "unreachable"}, 503,
                    {"Retry-After": errors.RETRY_AFTER_SECONDS})
        return {"status": "ok", "database": "ok"}

    @app.context_processor
    def template_helpers():
        return {"can": policy.can, "Action": policy.Action, "econ_class": css_class_for}

    app.jinja_env.filters["safe_html"] = Markup
    app.jinja_env.filters["without_label"] = copy_rules.without_label
    app.jinja_env.filters["sentence_body"] = copy_rules.sentence_body
    app.jinja_env.filters["capitalised"] = proposal_names.capitalised


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (a load balancer, nginx), take the client's address and scheme
    from the X-Forwarded-For / -Proto headers the nearest N proxies set (PROXY_FIX_HOPS, default
    0: trust no such header). The address goes to the audit trail and the request log."""
    hops = app.config.get("PROXY_FIX_HOPS", os.environ.get("PROXY_FIX_HOPS", "0"))
    try:
        hops = int(hops or 0)
    except (TypeError, ValueError):
        hops = 0
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix  # noqa: PLC0415

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
