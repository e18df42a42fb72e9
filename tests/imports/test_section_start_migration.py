"""The migration that adds proposals.section_id, run down and up again on a database of its
own (SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is set)."""
import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from drafting.extensions import db
from tests.conftest import _postgres_database, make_test_app

REVISION, PREVIOUS = "4c2e8d1a6f35", "9b1f64f9c60a"


def _columns(url: str) -> tuple[set[str], list]:
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return ({c["name"] for c in found.get_columns("proposals")},
                [fk for fk in found.get_foreign_keys("proposals")
                 if fk["referred_table"] == "sections"])
    finally:
        engine.dispose()


def _row_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM proposals")).scalar()
    finally:
        engine.dispose()


def test_section_id_migration_runs_down_and_up(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    admin = name = None
    if base:
        admin, url_obj, name = _postgres_database(base)
        url = url_obj.render_as_string(hide_password=False)
    else:
        url = "sqlite:///" + str(tmp_path / "migration.sqlite3")
    app = make_test_app(url)
    try:
        with app.app_context():
            upgrade(revision=PREVIOUS)
            assert "section_id" not in _columns(url)[0]
            upgrade(revision=REVISION)
            columns, foreign_keys = _columns(url)
            assert "section_id" in columns
            assert [fk["name"] for fk in foreign_keys] == ["fk_proposals_section_id_sections"]
            downgrade(revision=PREVIOUS)
            columns, foreign_keys = _columns(url)
            assert "section_id" not in columns and foreign_keys == []
            assert _row_count(url) == 0  # the table is still there, intact
            upgrade()
            assert "section_id" in _columns(url)[0]
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n"), {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()
