"""The migration adding positions.on_version backfills it from the history (c8f3a5d61e24).

Runs the migrations on a database of its own (SQLite file, or a fresh PostgreSQL database when
TEST_DATABASE_URL is set), stops before the column exists, writes positions as the older code
did, then upgrades and reads what the backfill chose for each.
"""
from __future__ import annotations

import os
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import _postgres_database, make_test_app

BEFORE, AFTER = "b4d1e7a2c950", "c8f3a5d61e24"


@pytest.fixture
def scratch_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    admin, url, name = _postgres_database(base)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _at(hour: int) -> datetime:
    return datetime(2026, 11, 30, hour, 0)


def test_backfill_takes_the_recorded_version_then_the_time_then_the_current(scratch_url):
    from flask_migrate import downgrade, upgrade

    app = make_test_app(scratch_url)
    with app.app_context():
        upgrade(revision=BEFORE)
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        run = lambda sql, **values: conn.execute(text(sql), values)  # noqa: E731
        for i, code in enumerate(("AUS", "NZ", "JPN"), start=1):
            run("INSERT INTO economies (id, code, name, sort_order, colour, is_host) "
                "VALUES (:i, :c, :c, :i, '#224466', false)", i=i, c=code)
        run("INSERT INTO users (id, username, display_name, password_hash, role, active, "
            "session_nonce, created_at) VALUES (1, 'u', 'U', 'x', 'delegate', true, 'n', :t)",
            t=_at(1))
        run("INSERT INTO documents (id, title, symbol, classification, stage, host_economy_id, "
            "created_at, circulate_immediately, kind, open_for_comment) VALUES (1, 'T', 'S', '', "
            "'negotiation', 1, :t, true, 'statement', false)", t=_at(1))
        run("INSERT INTO sections (id, document_id, position, kind, heading) "
            "VALUES (1, 1, 1, 'operative', 'Goal 1')")
        run("INSERT INTO clauses (id, document_id, section_id, position, version, status, "
            "excepted_economies, frozen, created_at) VALUES (1, 1, 1, 1, 3, 'open', '', false, "
            ":t)", t=_at(1))
        for number, hour in ((1, 1), (2, 5), (3, 9)):
            run("INSERT INTO clause_versions (clause_id, number, text, removed, created_at, note)"
                " VALUES (1, :n, :x, false, :t, '')", n=number, x=f"Text {number}", t=_at(hour))
        # AUS: its event recorded version 1 (the time would say 2: the event is better).
        # NZ: an old event without the version; recorded at 06:00, when version 2 was current.
        # JPN: no event at all and a time before any version: the current version.
        for pid, economy, hour in ((1, 1, 6), (2, 2, 6), (3, 3, 0)):
            run("INSERT INTO positions (id, clause_id, economy_id, stance, text, user_id, "
                "updated_at) VALUES (:p, 1, :e, 'support', '', 1, :t)", p=pid, e=economy,
                t=_at(hour))
        events = ((1, '{"clause_version":1,"economy":"AUS","new_stance":"support"}'),
                  (2, '{"economy":"NZ","new_stance":"support"}'))
        for i, data in events:
            run("INSERT INTO audit_events (id, occurred_at, kind, actor_username, economy_code, "
                "document_id, clause_id, data, remote_addr, request_id, prev_hash, hash) VALUES "
                "(:i, :t, 'position.set', 'u', '', 1, 1, :d, '', '', :p, :h)",
                i=i, t=_at(6), d=data, p=f"prev{i}", h=f"hash{i}")
    with app.app_context():
        upgrade(revision=AFTER)
    with engine.connect() as conn:
        chosen = dict(conn.execute(text("SELECT id, on_version FROM positions")).all())
    assert chosen == {1: 1, 2: 2, 3: 3}
    with app.app_context():  # and back
        downgrade(revision=BEFORE)
    with engine.connect() as conn:
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(positions)"))] \
            if scratch_url.startswith("sqlite") else list(conn.execute(text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'positions'")).scalars())
    assert "on_version" not in columns
    engine.dispose()
