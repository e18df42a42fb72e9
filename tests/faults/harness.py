"""Shared machinery of the fault tests: databases, a real gunicorn, an HTTP client, a proxy.

Everything here talks to real processes over real sockets: the server is gunicorn started
with the repository's gunicorn.conf.py, the database is a PostgreSQL database of its own
(migrated with `flask db upgrade` and seeded with `flask seed-demo`), and the client speaks
HTTP like any other client would.
"""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import URL, make_url

from tests.servers import wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "test-artifacts" / "faults"  # each test's figures, as JSON (docs/reliability.md)
PASSWORD = "faults-Bangkok-2022-demo"
SECOND_SECRETARIAT = "secretariat2"

# Waiting for things that take a while on a busy two-core machine. These are deadlines for
# polling loops and socket timeouts, never assertions about speed.
START_DEADLINE = 90  # seconds for gunicorn's workers to import the app and answer /healthz
REQUEST_TIMEOUT = 60  # seconds a client waits for one answer
POOL_SIZE = 4  # database connections per server worker
STOP_DEADLINE = 30

_BASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = bool(_BASE_URL) and make_url(_BASE_URL).get_backend_name() == "postgresql"

# Every fault test module starts with `pytestmark = MARKS`.
MARKS = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="fault tests need PostgreSQL (row locks, a server process on its own database): "
               "set TEST_DATABASE_URL=postgresql+psycopg://… — CI runs them in its "
               "`make test-postgres` pass"),
]


# --- databases ---------------------------------------------------------------------------------

def _admin_engine():
    return create_engine(make_url(_BASE_URL), isolation_level="AUTOCOMMIT")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def drop_database(name: str) -> None:
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(name)}"))
    finally:
        admin.dispose()


def create_database(name: str, template: str | None = None) -> URL:
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            if template:
                # Copying needs the template to itself: the seeding process may still hold a
                # connection to it (the live-update bus publishes on one of its own).
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n AND pid <> pg_backend_pid()"),
                             {"n": template})
            clause = f" TEMPLATE {_quoted(template)}" if template else ""
            conn.execute(text(f"CREATE DATABASE {_quoted(name)}{clause}"))
    finally:
        admin.dispose()
    return make_url(_BASE_URL).set(database=name)


def url_string(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def flask_cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """Run `flask --app app ARGS` against `database_url`; fail the test if it fails."""
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "app",
           "SECRET_KEY": "faults-secret", "LOG_LEVEL": "warning"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        pytest.fail(f"flask {' '.join(args)} failed ({done.returncode}):\n"
                    f"{done.stdout}\n{done.stderr}")
    return done


@dataclass
class SeededDatabase:
    """A migrated, seeded database plus an API token for every account the tests use."""

    name: str
    url: str
    tokens: dict[str, str]


def build_template_database() -> SeededDatabase:
    """Create the database the tests copy: `flask db upgrade` (the real command), then the
    demo (what `flask seed-demo` runs), a second secretariat account and an API token for
    every delegate and both secretariat users (what `flask create-user` and `flask
    issue-token` run), in this process: one command start instead of 25 on a busy machine."""
    name = f"drafting_faults_tpl_{uuid.uuid4().hex[:8]}"
    url = url_string(create_database(name))
    try:
        flask_cli(url, "db", "upgrade")
        tokens = _seed_and_issue_tokens(url)
    except BaseException:
        drop_database(name)
        raise
    return SeededDatabase(name=name, url=url, tokens=tokens)


@contextmanager
def app_context(url: str):
    """An application context on `url` in this process (for seeding and reading)."""
    from drafting import create_app
    from drafting.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "faults-secret",
                      "TESTING": True})
    with app.app_context():
        try:
            yield db
        finally:
            db.session.remove()
            db.engine.dispose()


def _seed_and_issue_tokens(url: str) -> dict[str, str]:
    from drafting.demo import seed_demo
    from drafting.domain.states import Role
    from drafting.models import Economy, User
    from drafting.services import accounts

    original = accounts.PASSWORD_HASH_METHOD
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # test accounts: cheap hashes
    try:
        with app_context(url) as db:
            seed_demo(PASSWORD)
            host = db.session.execute(select(Economy).where(Economy.code == "THA")).scalar_one()
            accounts.create_user(None, username=SECOND_SECRETARIAT, password=PASSWORD,
                                 role=Role.SECRETARIAT, economy=host,
                                 display_name="Secretariat (second desk officer)")
            db.session.commit()
            users = db.session.execute(
                select(User).where(User.role.in_([Role.DELEGATE, Role.SECRETARIAT]))
            ).scalars().all()
            tokens = {user.username: accounts.issue_token(None, user, "fault tests")
                      for user in users}
            db.session.commit()
    finally:
        accounts.PASSWORD_HASH_METHOD = original
    return tokens


def clone_database(template: SeededDatabase) -> SeededDatabase:
    """A fresh copy of the seeded database (PostgreSQL copies it file by file: fast)."""
    name = f"drafting_faults_{uuid.uuid4().hex[:10]}"
    url = url_string(create_database(name, template=template.name))
    return SeededDatabase(name=name, url=url, tokens=dict(template.tokens))


def query(database_url: str, sql: str, **params) -> list:
    """Rows of one SQL query on the given database (a short-lived connection of its own)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


# --- the server ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies, even by SIGKILL, so a
    test run that is killed leaves no server (and no database connections) behind."""
    import ctypes  # noqa: PLC0415

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Server:
    """gunicorn with the repository's gunicorn.conf.py, in a process group of its own, so the
    whole group (master and workers) can be killed at once."""

    def __init__(self, database_url: str, log_path: Path, *, workers: int = 2, threads: int = 4):
        self.database_url = database_url
        self.log_path = log_path
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen | None = None
        self.base = ""

    def start(self) -> "Server":
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": self.database_url, "SECRET_KEY": "faults-secret",
               "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(self.workers),
               "GUNICORN_THREADS": str(self.threads), "GUNICORN_GRACEFUL_TIMEOUT": "5",
               "LOG_LEVEL": "warning", "LOG_FORMAT": "json", "RATELIMIT_ENABLED": "0",
               # Fewer connections than concurrent requests (gevent workers take them all),
               # as behind PgBouncer: requests queue for the pool, and a request that held
               # one connection while waiting for a second would exhaust it.
               "DATABASE_POOL_SIZE": str(POOL_SIZE), "DATABASE_MAX_OVERFLOW": "0"}
        env.pop("GUNICORN_CONTROL_SOCKET", None)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True, preexec_fn=_stop_with_parent)
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        wait_until_healthy(self.process, self.base, START_DEADLINE, self.log)

    def kill_group(self) -> None:
        """SIGKILL the master and every worker at once: no shutdown code runs anywhere."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_DEADLINE)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_DEADLINE)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- the client ----------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


def call(method: str, url: str, *, token: str | None = None, body: dict | None = None,
         opener: urllib.request.OpenerDirector | None = None, form: dict | None = None,
         timeout: float = REQUEST_TIMEOUT) -> Answer:
    """One HTTP request. HTTP errors are answers; a refused, broken or cut-off connection raises
    OSError."""
    headers = {"Accept": "application/json"} if token else {}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    open_url = opener.open if opener else urllib.request.urlopen
    try:
        with open_url(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())
    except http.client.HTTPException as error:  # e.g. an answer cut off by a killed server
        raise ConnectionError(f"incomplete answer: {error!r}") from error


def browser_session(base: str, username: str, password: str = PASSWORD
                    ) -> urllib.request.OpenerDirector:
    """Log in through the login form (CSRF token and all); the opener keeps the cookie."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(
        http.cookiejar.CookieJar()))
    page = call("GET", base + "/login", opener=opener)
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.body)
    assert page.status == 200 and match, page.body[:500]
    answer = call("POST", base + "/login", opener=opener,
                  form={"csrf_token": match.group(1).decode(), "username": username,
                        "password": password})
    assert answer.status == 200 and b"Log out" in answer.body, answer.body[:500]
    return opener


# --- a database connection that can be cut --------------------------------------------------------

class CuttableProxy:
    """A TCP proxy (threads and sockets) between the server and PostgreSQL.

    `cut()` resets every open connection and, until `restore()`, resets each new one as soon
    as it arrives, so the database looks gone; PostgreSQL itself is never touched.
    """

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # the accept loop checks for close() this often
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._closed = threading.Event()
        self.accepted = self.refused = 0
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                refusing = self._cut
            if refusing:
                self.refused += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            self.accepted += 1
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with self._lock:
                    self._open.discard(sock)
                _reset(sock)

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            victims = list(self._open)
            self._open.clear()
        for sock in victims:
            _reset(sock)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed.set()
        self.cut()
        self._listener.close()
        self._thread.join(timeout=5)


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (not a polite FIN): the peer learns at once that it is gone."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


# --- bookkeeping of what the clients saw --------------------------------------------------------

@dataclass
class Ledger:
    """Every request the clients made and how it ended, kept under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # error code of 4xx/5xx JSON bodies
    no_answer: int = 0  # connection refused, reset or timed out: the client knows nothing
    proposals: dict[int, dict] = field(default_factory=dict)  # acknowledged (201), by id
    comments: dict[int, dict] = field(default_factory=dict)
    accepted: dict[int, int] = field(default_factory=dict)  # proposal id -> expected_version
    rejected: set[int] = field(default_factory=set)
    withdrawn: set[int] = field(default_factory=set)
    unexpected: list[str] = field(default_factory=list)

    def record(self, answer: Answer | None) -> None:
        with self.lock:
            self.requests += 1
            if answer is None:
                self.no_answer += 1
                return
            self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
            if answer.status >= 400:
                try:
                    code = answer.json()["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = f"unparsed {answer.status}"
                key = f"{answer.status} {code}"
                self.errors[key] = self.errors.get(key, 0) + 1

    def count(self, status: int, code: str | None = None) -> int:
        with self.lock:
            if code is None:
                return self.statuses.get(status, 0)
            return self.errors.get(f"{status} {code}", 0)


def report(name: str, figures: dict) -> None:
    """Keep a test's figures in test-artifacts/faults/<name>.json and print them (-s)."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"\n{name} figures:", json.dumps(figures, ensure_ascii=False))


def replace_word(text_: str, index: int, token: str) -> str:
    """`text_` with its `index`-th word (modulo the word count) replaced by `token`."""
    words = list(re.finditer(r"\w+", text_))
    match = words[index % len(words)]
    return text_[:match.start()] + token + text_[match.end():]


def audit_chain_verifies(database_url: str, *, command: bool = False) -> str:
    """Verify the audit chain (services/audit.verify_audit_chain in this process, or with
    `command` the `flask verify-audit` command); fail the test unless it is intact."""
    if command:
        done = flask_cli(database_url, "verify-audit")
        assert "Audit chain intact" in done.stdout, done.stdout + done.stderr
        return done.stdout.strip()
    from drafting.services.audit import verify_audit_chain

    with app_context(database_url):
        count, broken = verify_audit_chain()
    assert broken is None, broken
    return f"Audit chain intact: {count} events verified."


# --- invariants of a database that must hold whatever happened to the server ----------------------

INVARIANTS = {
    "proposal submitted without its audit event": """
        SELECT p.id FROM proposals p
        WHERE p.status <> 'draft' AND NOT EXISTS (
            SELECT 1 FROM audit_events e
            WHERE e.proposal_id = p.id AND e.kind = 'proposal.submitted')""",
    "comment without its audit event": """
        SELECT c.id FROM comments c
        WHERE NOT EXISTS (SELECT 1 FROM audit_events e
                          WHERE e.kind = 'comment.posted'
                              AND (e.data::jsonb ->> 'comment_id')::int = c.id)""",
    "accepted proposal without its clause version": """
        SELECT p.id FROM proposals p
        WHERE p.status IN ('accepted', 'accepted_modified') AND NOT EXISTS (
            SELECT 1 FROM clause_versions v
            WHERE v.id = p.result_version_id AND v.proposal_id = p.id)""",
    "accepted proposal without its audit event": """
        SELECT p.id FROM proposals p
        WHERE p.status IN ('accepted', 'accepted_modified') AND NOT EXISTS (
            SELECT 1 FROM audit_events e
            WHERE e.proposal_id = p.id AND e.kind = 'proposal.accepted')""",
    "rejected proposal without its audit event": """
        SELECT p.id FROM proposals p
        WHERE p.status = 'rejected' AND NOT EXISTS (
            SELECT 1 FROM audit_events e
            WHERE e.proposal_id = p.id AND e.kind = 'proposal.rejected')""",
    "clause version whose proposal is not accepted with it": """
        SELECT v.id FROM clause_versions v JOIN proposals p ON p.id = v.proposal_id
        WHERE p.result_version_id IS DISTINCT FROM v.id
           OR p.status NOT IN ('accepted', 'accepted_modified')""",
    "open proposal left on an old version without being marked in conflict": """
        SELECT p.id FROM proposals p
        JOIN clauses c ON c.id = p.clause_id
        JOIN clause_versions b ON b.id = p.base_version_id
        WHERE p.status IN ('draft', 'open', 'option') AND p.action <> 'insert'
          AND b.number <> c.version AND NOT p.in_conflict""",
    "clause version beyond the clause's pointer": """
        SELECT v.id FROM clause_versions v JOIN clauses c ON c.id = v.clause_id
        WHERE v.number > c.version""",
    "clause pointing at a version that does not exist": """
        SELECT c.id FROM clauses c
        WHERE NOT EXISTS (SELECT 1 FROM clause_versions v
                          WHERE v.clause_id = c.id AND v.number = c.version)""",
    "gap in a clause's version numbers": """
        SELECT clause_id FROM clause_versions GROUP BY clause_id
        HAVING count(*) <> max(number) OR min(number) <> 1""",
    "accepted amendment whose base is not the version before": """
        SELECT p.id FROM proposals p
        JOIN clause_versions r ON r.id = p.result_version_id
        JOIN clause_versions b ON b.id = p.base_version_id
        WHERE p.action <> 'insert'
          AND (b.clause_id <> r.clause_id OR b.number <> r.number - 1)""",
    "proposal everyone sees without a public number": """
        SELECT p.id FROM proposals p
        WHERE p.status <> 'draft' AND p.number IS NULL
          AND (p.circulated_at IS NOT NULL
               OR p.status IN ('accepted', 'accepted_modified', 'option'))""",
}


def invariant_violations(database_url: str) -> dict[str, list]:
    """Each invariant's offending row ids (empty lists when all is well)."""
    return {name: [row[0] for row in query(database_url, sql)]
            for name, sql in INVARIANTS.items()}
