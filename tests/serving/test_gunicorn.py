"""gunicorn serves the application for real: gunicorn.conf.py, a free port, the test database."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.factories import PASSWORD as TEST_PASSWORD
from tests.servers import wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 40  # seconds: importing the app (WeasyPrint, lxml …) in each worker
BODY_TIMEOUT = 2  # seconds for a request body to arrive (drafting/web/body_deadline.py)
STOP_TIMEOUT = 20


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local URL)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def gunicorn_server(migrated, tmp_path):
    """A running gunicorn (2 workers × 2 threads); yields (base URL, process, stderr path)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": migrated, "SECRET_KEY": "serving-test-secret",
           "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2",
           "GUNICORN_GRACEFUL_TIMEOUT": "10", "LOG_LEVEL": "info", "LOG_FORMAT": "json",
           "REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT)}
    env.pop("GUNICORN_CONTROL_SOCKET", None)
    log_path = tmp_path / "gunicorn.stderr"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base, START_TIMEOUT, log_path.read_text)
        yield base, process, log_path
    finally:
        if process.poll() is None:
            process.kill()  # only when the test itself did not stop it
            process.wait(timeout=STOP_TIMEOUT)


def test_gunicorn_serves_health_readiness_and_login_then_stops_cleanly(gunicorn_server):
    base, process, log_path = gunicorn_server

    status, headers, body = fetch(base + "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert headers["Server"].startswith("gunicorn")

    status, _headers, body = fetch(base + "/readyz")
    assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok"}

    status, headers, body = fetch(base + "/login?next=/documents",
                                  headers={"X-Request-Id": "serving-login-1"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'name="password"' in body and b'name="csrf_token"' in body
    assert headers["X-Request-Id"] == "serving-login-1"

    process.send_signal(signal.SIGTERM)  # graceful stop: workers finish, then the master exits
    assert process.wait(timeout=STOP_TIMEOUT) == 0
    log = log_path.read_text()
    assert "Shutting down" in log
    # The application's own request log replaced gunicorn's access log: one JSON line each.
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "drafting.request"]
    login = [line for line in requests if line["request_id"] == "serving-login-1"]
    assert len(login) == 1
    assert login[0]["path"] == "/login" and login[0]["status"] == 200
    assert login[0]["query"] == "next=/documents" and login[0]["bytes"] == len(body)
    assert {line["path"] for line in requests} >= {"/healthz", "/readyz", "/login"}
    assert not any('"GET /healthz HTTP/1.1"' in line for line in log.splitlines())


def test_the_configuration_reads_its_settings_from_the_environment(monkeypatch):
    import runpy

    monkeypatch.setenv("BIND", "0.0.0.0:9000, unix:/tmp/drafting.sock")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == ["0.0.0.0:9000", "unix:/tmp/drafting.sock"]
    assert (settings["workers"], settings["threads"]) == (3, 8)
    # gevent by default: live-update streams are idle connections held for hours.
    assert settings["worker_class"] == "gevent"
    assert settings["worker_connections"] >= 1000
    assert settings["forwarded_allow_ips"] == "10.0.0.0/8"
    assert settings["accesslog"] is None
    # Recycling a gevent worker would cut every stream it holds: off unless asked for.
    assert settings["max_requests"] == 0
    assert settings["graceful_timeout"] > 0 and settings["timeout"] > 0
    assert settings["preload_app"] is False  # gevent must patch before the app is imported

    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "gthread")
    threaded = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert threaded["worker_class"] == "gthread"
    assert threaded["max_requests"] > 0 and threaded["max_requests_jitter"] > 0
    monkeypatch.delenv("GUNICORN_WORKER_CLASS")

    monkeypatch.delenv("WEB_CONCURRENCY")
    monkeypatch.delenv("BIND")
    defaults = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert defaults["workers"] == 2 * cores + 1
    assert defaults["bind"] == ["127.0.0.1:8000"]

    monkeypatch.setenv("WEB_CONCURRENCY", "many")
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number"):
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gevent_workers_serve_login_pages_and_exports(demo, gunicorn_server):
    """The default worker class end to end: a real login (CSRF and all), the document page,
    a PDF export (CPU-bound: it runs on the worker's one thread) and the health checks."""
    import http.cookiejar
    import re

    base, process, log_path = gunicorn_server
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(path: str) -> tuple[int, bytes]:
        with opener.open(base + path, timeout=60) as response:  # noqa: S310 (local URL)
            return response.status, response.read()

    status, page = get("/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode({"csrf_token": token, "username": "aus",
                                   "password": TEST_PASSWORD}).encode()
    with opener.open(base + "/login", data=form, timeout=30) as response:  # noqa: S310
        assert response.status == 200 and response.url.endswith("/documents")
    listing = get("/documents")[1]
    document_id = re.search(rb'href="/documents/(\d+)"', listing).group(1).decode()
    status, page = get(f"/documents/{document_id}")
    assert status == 200 and b"Bangkok Goals" in page and b"PP1" in page
    status, pdf = get(f"/documents/{document_id}/export?format=pdf&mode=clean")
    assert status == 200 and pdf.startswith(b"%PDF")
    assert fetch(base + "/readyz")[0] == 200

    # A body shorter than its Content-Length: answered 408 once the deadline passes, and the
    # worker serves others meanwhile.
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as slow:
        slow.sendall(b"POST /api/v1/documents/1/proposals HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nX-Request-Id: slow-body-1\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"action\": ")
        assert fetch(base + "/healthz")[0] == 200
        answer = b""
        while piece := slow.recv(4096):  # to the end: the server closes the connection
            answer += piece
    assert answer.startswith(b"HTTP/1.1 408")
    assert b'"code": "request_timeout"' in answer

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=STOP_TIMEOUT) == 0
    log = log_path.read_text()
    assert "Using worker: gevent" in log
    assert "psycopg was imported before gevent" not in log
    # Under gevent the PDF was laid out in a child process, not on the worker's loop.
    assert "clean pdf done in a child process: done after" in log
    slow_lines = [json.loads(line) for line in log.splitlines()
                  if line.startswith("{") and "slow-body-1" in line]
    assert [(line["status"], line["path"]) for line in slow_lines] == [
        (408, "/api/v1/documents/1/proposals")]
