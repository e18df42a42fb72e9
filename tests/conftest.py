"""Fixtures: one schema per run (made by the Alembic migrations), one app per test.

The database is SQLite in a temporary folder, or the PostgreSQL server named by
TEST_DATABASE_URL, in which the run creates (and afterwards drops) its own database. A
database that cannot be reached stops the run with an error: never a silent skip.
"""
from __future__ import annotations

import os
import uuid

import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from drafting import create_app
from drafting.extensions import db
from drafting.services import accounts

from tests.factories import PASSWORD as TEST_PASSWORD


def _postgres_database(base_url: str):
    url = make_url(base_url)
    name = f"drafting_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server is fatal
        pytest.exit(f"TEST_DATABASE_URL={base_url} is not reachable: {error}", returncode=3)
    return admin, url.set(database=name), name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base_url = os.environ.get("TEST_DATABASE_URL")
    if not base_url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        return
    admin, url, name = _postgres_database(base_url)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def make_test_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def migrated(database_url):
    """Build the schema exactly as production does: through the migrations."""
    from flask_migrate import upgrade

    app = make_test_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


def _empty_all_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
        db.session.execute(text("DELETE FROM sqlite_sequence")) if db.session.execute(
            text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).scalar() else None
    db.session.commit()


def isolate_requests(app) -> None:
    """Make every test-client request start clean, as in production.

    The fixture keeps an app context pushed for the whole test (so tests can use the
    session), and Flask reuses a pushed context for requests: without this, `g` (Flask-Login's
    cached user, the CSRF token) and uncommitted session state would leak between requests
    and between clients.
    """
    def fresh_globals():
        g.__dict__.clear()

    def discard_uncommitted(exc):
        db.session.rollback()

    app.before_request_funcs.setdefault(None, []).insert(0, fresh_globals)
    app.teardown_request_funcs.setdefault(None, []).append(discard_uncommitted)


@pytest.fixture
def app(migrated):
    app = make_test_app(migrated)
    isolate_requests(app)
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The full demo negotiation, every account with TEST_PASSWORD."""
    from drafting.demo import seed_demo

    seed_demo(TEST_PASSWORD)
    db.session.commit()
    return app


from tests.factories import *  # noqa: E402,F401,F403  (fixtures shared by every test folder)
