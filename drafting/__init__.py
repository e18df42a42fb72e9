"""Collaborative drafting of negotiated multilateral statements."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application. `config` overrides settings read from the environment (tests)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from drafting.config import load_config

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if config:
        app.config.update(config)
    if app.config.get("TESTING") and "RATELIMIT_ENABLED" not in (config or {}):
        # Test suites log in hundreds of times from one address; a test of the throttling
        # itself asks for it with RATELIMIT_ENABLED=True.
        app.config["RATELIMIT_ENABLED"] = False

    from drafting.logging_setup import configure_logging

    configure_logging(app)  # JSON lines on stderr, level from LOG_LEVEL

    from drafting import models  # noqa: F401  (registers every table on the metadata)
    from drafting.services import live, notifications

    # What an audit event fans out to: inboxes, then open pages (services/audit.py).
    notifications.subscribe()
    live.subscribe()
    from drafting.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    from drafting.models.search_index import include_object

    # The search indexes: made by their migration, mapped by no model (models/search_index.py).
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     include_object=include_object)
    login_manager.init_app(app)
    csrf.init_app(app)

    from drafting import cli, web

    web.init_app(app)
    from drafting.extensions import limiter

    # After the web layer: its before-request hooks (request id, client address) run first, so
    # a throttled login is audited with its origin.
    limiter.init_app(app)
    # Per-user limits on writes and exports (drafting/web/rate_limits.py). Flask-Limiter's
    # check before every request is narrowed there to writes: decorated views (the login form,
    # exports, imports) check their own limits when they are called.
    from drafting.web import rate_limits

    rate_limits.init_app(app)
    from drafting import isolation

    # PDF and DOCX files are rendered, and uploads read, in a child process under gevent
    # (drafting/isolation.py).
    app.extensions["isolation"] = isolation.Isolation(isolation.settings_from(app.config))
    app.extensions["render_once"] = isolation.RenderOnce()
    cli.init_app(app)
    return app
