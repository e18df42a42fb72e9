"""Fixtures: one schema per run (made by the Alembic migrations), one app per test worker.

The database is SQLite in a temporary folder (in memory-backed /dev/shm where there is one,
so a commit costs no disk flush), or the PostgreSQL server named by TEST_DATABASE_URL, in
which the run creates (and afterwards drops) its own database. A database that cannot be
reached stops the run with an error: never a silent skip.

Every test gets the same application, so templates and URL rules are compiled once per run.
After each test its tables are emptied and what the test may have changed on the app — its
settings, the objects it keeps in `app.extensions`, the rows those keep — is put back as it
was. A test that must change how the app is built (a route of its own) is marked `own_app`
and gets a new application of its own.
"""
from __future__ import annotations

import os
import tempfile
import uuid

import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from drafting import create_app
from drafting.extensions import db, limiter
from drafting.services import accounts
from drafting.web.memory_cache import EVERYTHING, BoundedCache, BusFollowingCache

from tests.factories import PASSWORD as TEST_PASSWORD
from tests.hypothesis_profiles import register_and_load_profiles

register_and_load_profiles()


def _postgres_database(base_url: str):
    url = make_url(base_url)
    name = f"drafting_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # A throwaway database: a commit need not wait for its WAL to reach the disk.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server is fatal
        pytest.exit(f"TEST_DATABASE_URL={base_url} is not reachable: {error}", returncode=3)
    return admin, url.set(database=name), name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base_url = os.environ.get("TEST_DATABASE_URL")
    if not base_url:
        folder = (tempfile.mkdtemp(prefix="drafting-test-", dir="/dev/shm")
                  if os.path.isdir("/dev/shm") else str(tmp_path_factory.mktemp("db")))
        yield "sqlite:///" + os.path.join(folder, "test.sqlite3")
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        os.rmdir(folder)
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


# Sequences back to 1, so that every test sees the ids a new database would give; a document's
# proposal-number sequence (made on first use: services/proposal_numbers.py) goes.
_RESTART_USED_SEQUENCES = text("""
DO $$ DECLARE used record; BEGIN
  FOR used IN SELECT sequencename FROM pg_sequences
              WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP
    IF used.sequencename LIKE 'proposal\\_numbers\\_%' THEN
      EXECUTE format('DROP SEQUENCE %I', used.sequencename);
    ELSE
      EXECUTE format('ALTER SEQUENCE %I RESTART', used.sequencename);
    END IF;
  END LOOP;
END $$""")


def _delete_everything(tables) -> str:
    """DELETE statements for `tables` (children first); a reference that points the other
    way (clause_versions.proposal_id, in a cycle with proposals.result_version_id) is set to
    NULL first, so that PostgreSQL's checks hold after every statement."""
    place = {table: n for n, table in enumerate(tables)}
    statements = [f'UPDATE "{table.name}" SET "{key.parent.name}" = NULL '
                  f'WHERE "{key.parent.name}" IS NOT NULL'
                  for table in tables for key in table.foreign_keys
                  if place[key.column.table] < place[table]]
    statements += [f'DELETE FROM "{table.name}"' for table in tables]
    return "; ".join(statements)


def _empty_all_tables() -> None:
    """Delete every row, children before parents, in one statement per database round trip.

    Not TRUNCATE on PostgreSQL: it takes an exclusive lock on every table and rewrites their
    files, half a second per test on a busy machine, and it waits for (or deadlocks with) any
    connection that still reads a table.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(_delete_everything(tables)))
        db.session.execute(_RESTART_USED_SEQUENCES)
    else:
        for table in tables:
            db.session.execute(table.delete())
        if db.session.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).scalar():
            db.session.execute(text("DELETE FROM sqlite_sequence"))
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


class _AppState:
    """What a test may change on the shared app, taken before it and put back after it.

    Flask-Limiter keeps its settings and storage on the one `limiter` object rather than per
    app, so the last app built (a test's own app that throttles) would set them for all.
    """

    def __init__(self, app) -> None:
        self.config = dict(app.config)
        self.extensions = dict(app.extensions)
        self.limiter = dict(vars(limiter))

    def restore(self, app) -> None:
        vars(limiter).clear()
        vars(limiter).update(self.limiter)
        app.config.clear()
        app.config.update(self.config)
        app.extensions.clear()
        app.extensions.update(self.extensions)
        for kept in self.extensions.values():
            # Rows and pages a cache kept name ids that the next test reuses.
            if isinstance(kept, BusFollowingCache):
                kept.forget(EVERYTHING)
            elif isinstance(kept, BoundedCache):
                kept.clear()


def _app_for_one_test(app, throwaway: bool):
    state = _AppState(app)
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        if throwaway:
            db.engine.dispose()
        # The run's app keeps its pooled connections: a new PostgreSQL connection costs a
        # server process and a cold catalogue cache, tens of milliseconds a test. Returned to
        # the pool they are rolled back, so the next test starts with none of this one's state.
    state.restore(app)


@pytest.fixture(scope="session")
def session_app(migrated):
    app = make_test_app(migrated)
    isolate_requests(app)
    return app


@pytest.fixture
def app(request, migrated):
    if request.node.get_closest_marker("own_app"):
        own = make_test_app(migrated)
        isolate_requests(own)
        yield from _app_for_one_test(own, throwaway=True)
    else:
        yield from _app_for_one_test(request.getfixturevalue("session_app"), throwaway=False)


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
