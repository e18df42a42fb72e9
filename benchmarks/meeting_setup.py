"""Databases and accounts for the meeting-day benchmark (benchmarks/bench_meeting_day.py).

A *template* database is built once — migrated with `flask db upgrade`, seeded with
`flask seed-demo`, plus the benchmark's extra accounts and API tokens — and every run starts
from a fresh copy of it (`CREATE DATABASE … TEMPLATE …`, a file-level copy that takes about a
second). So runs never see each other's proposals and revisions, and the 1,200 accounts are
hashed once, not once per run.

The accounts: the demo's 21 delegates (one per economy, the writers), the secretariat, and
enough extra delegates per economy and observers to make up the crowd. They are created
through services/accounts.create_user like any account; their password hash is then replaced
by one real scrypt hash of the benchmark password, made once and shared (a salt shared between
throw-away accounts is harmless here), because hashing 1,200 passwords with scrypt would cost
over three minutes of CPU. Logging in still pays the full scrypt check, as in production.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
STATE_DIR = ROOT / "instance" / "bench"
ACCOUNTS_FILE = STATE_DIR / "accounts.json"

BENCH_PASSWORD = os.environ.get("BENCH_PASSWORD", "meeting-day-bench-2026")
# The demo's submission round closes 14 days after seeding; rebuild the template well before.
TEMPLATE_MAX_AGE_DAYS = 7


@dataclass(frozen=True)
class Databases:
    admin_url: str     # the server's maintenance database (postgres)
    template_url: str  # built once
    run_url: str       # a fresh copy per run

    @classmethod
    def from_base(cls, base_url: str) -> "Databases":
        url = make_url(base_url)
        name = url.database or "drafting_bench"
        return cls(admin_url=url.set(database="postgres").render_as_string(hide_password=False),
                   template_url=url.set(database=name + "_template")
                   .render_as_string(hide_password=False),
                   run_url=url.render_as_string(hide_password=False))


def _name(url: str) -> str:
    return make_url(url).database


def _admin(databases: Databases):
    return create_engine(databases.admin_url, isolation_level="AUTOCOMMIT")


def _drop(conn, name: str) -> None:
    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _flask(database_url: str, *args: str) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, FLASK_APP="app", LOG_LEVEL="warning")
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), *args], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)


def accounts() -> dict:
    """The accounts file written by `build_template` (usernames, roles, API tokens)."""
    return json.loads(ACCOUNTS_FILE.read_text())


def template_is_usable(databases: Databases, crowd: int) -> bool:
    if not ACCOUNTS_FILE.exists():
        return False
    data = accounts()
    if data.get("template") != _name(databases.template_url) or data.get("crowd", 0) < crowd:
        return False
    if time.time() - data.get("built_at", 0) > TEMPLATE_MAX_AGE_DAYS * 86400:
        return False
    engine = _admin(databases)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                     {"n": _name(databases.template_url)}).scalar())
    finally:
        engine.dispose()


def build_template(databases: Databases, crowd: int) -> None:
    """(Re)build the template database: migrations, demo, `crowd` accounts in all, tokens."""
    started = time.perf_counter()
    template = _name(databases.template_url)
    engine = _admin(databases)
    with engine.connect() as conn:
        _drop(conn, template)
        conn.execute(text(f'CREATE DATABASE "{template}"'))
    engine.dispose()
    _flask(databases.template_url, "db", "upgrade")
    _flask(databases.template_url, "seed-demo", "--password", BENCH_PASSWORD)
    data = _create_accounts(databases.template_url, crowd)
    data.update(template=template, crowd=crowd, built_at=time.time())
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    (STATE_DIR / "sessions.json").unlink(missing_ok=True)  # sessions of the old accounts
    ACCOUNTS_FILE.write_text(json.dumps(data, indent=1))
    ACCOUNTS_FILE.chmod(0o600)
    print(f"template database {template} built in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)


def _create_accounts(database_url: str, crowd: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select, update
    from werkzeug.security import generate_password_hash

    from drafting import create_app
    from drafting.extensions import db
    from drafting.domain.states import Role
    from drafting.models import Document, Economy, User
    from drafting.services import accounts as account_service

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        economies = db.session.execute(select(Economy).order_by(Economy.sort_order)).scalars().all()
        writers = [e.code.lower() for e in economies]  # the demo's one delegate per economy
        # Everyone but the 21 writers and the secretariat: ~95 % delegates, the rest observers.
        extra = max(0, crowd - len(writers) - 1)
        observers = max(1, extra // 20)
        per_economy, remainder = divmod(extra - observers, len(economies))
        readers: list[str] = []
        cheap = "pbkdf2:sha256:1"  # replaced below by one real scrypt hash
        original_method = account_service.PASSWORD_HASH_METHOD
        account_service.PASSWORD_HASH_METHOD = cheap
        try:
            for index, economy in enumerate(economies):
                for n in range(per_economy + (1 if index < remainder else 0)):
                    username = f"{economy.code.lower()}-d{n + 1:03d}"
                    account_service.create_user(None, username=username, password=BENCH_PASSWORD,
                                                role=Role.DELEGATE, economy=economy,
                                                display_name=f"{economy.name} delegate {n + 1}")
                    readers.append(username)
            for n in range(observers):
                username = f"observer-{n + 1:03d}"
                account_service.create_user(None, username=username, password=BENCH_PASSWORD,
                                            role=Role.OBSERVER,
                                            display_name=f"Observer {n + 1}")
                readers.append(username)
        finally:
            account_service.PASSWORD_HASH_METHOD = original_method
        shared_hash = generate_password_hash(BENCH_PASSWORD, method=original_method)
        db.session.execute(update(User).where(User.username.in_(readers))
                           .values(password_hash=shared_hash))
        tokens = {}
        for username in [*writers, "secretariat"]:
            user = db.session.execute(select(User).where(User.username == username)).scalar_one()
            tokens[username] = account_service.issue_token(None, user, "meeting-day benchmark")
        document_id = db.session.execute(select(Document.id).order_by(Document.id)).scalar()
        db.session.commit()
    with app.app_context():
        db.engine.dispose()
    return {"password": BENCH_PASSWORD, "writers": writers, "secretariat": "secretariat",
            "readers": readers, "tokens": tokens, "document_id": document_id}


def fresh_run_database(databases: Databases) -> None:
    """Drop the run database and copy it anew from the template."""
    engine = _admin(databases)
    try:
        with engine.connect() as conn:
            _drop(conn, _name(databases.run_url))
            conn.execute(text(f'CREATE DATABASE "{_name(databases.run_url)}" '
                              f'TEMPLATE "{_name(databases.template_url)}"'))
    finally:
        engine.dispose()
