"""The database goes away and comes back, under a running server.

gunicorn reaches PostgreSQL through a TCP proxy of the test's own (harness.CuttableProxy).
Cutting the proxy resets every connection and each new one: pages then answer a clear 503
HTML page (no traceback, no driver message), the API a 503 in its documented JSON error
shape, /readyz 503 and /healthz 200. Restoring the proxy brings everything back without
restarting the server: the pool (pool_pre_ping) drops the dead connections and opens new ones.
PostgreSQL itself is never stopped.
"""
from __future__ import annotations

import re
import time
import urllib.request

from sqlalchemy.engine import make_url

from tests.faults import harness
from tests.faults.harness import CuttableProxy, call

pytestmark = harness.MARKS

RECOVERY_DEADLINE = 60  # seconds for /readyz to answer 200 again after the proxy is restored
ROUNDS = 3  # each outage request is made this often, so every thread and pool slot meets it
LEAKS = (b"Traceback", b'File "', b"psycopg", b"OperationalError", b"sqlalchemy", b"5432")


def _assert_clear_page(answer: harness.Answer, path: str) -> None:
    assert answer.status == 503, (path, answer.status, answer.body[:300])
    assert answer.headers["Content-Type"].startswith("text/html"), path
    assert b"The service is unavailable for a moment" in answer.body and b"database is not reachable" in answer.body
    for leak in LEAKS:
        assert leak not in answer.body, (path, leak)


def _assert_json_503(answer: harness.Answer, path: str) -> None:
    assert answer.status == 503, (path, answer.status, answer.body[:300])
    assert answer.headers["Content-Type"].startswith("application/json"), path
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == "database_unavailable"
    for leak in LEAKS:
        assert leak.decode() not in body["error"]["message"], (path, leak)


def test_database_outage_answers_503_then_recovers_without_a_restart(
        fault_db, start_server):
    database = make_url(fault_db.url)
    proxy = CuttableProxy((database.host or "127.0.0.1", database.port or 5432))
    try:
        proxied = harness.url_string(database.set(host="127.0.0.1", port=proxy.port))
        server = start_server(proxied)
        base, tokens = server.base, fault_db.tokens
        token = tokens["aus"]
        document_id = call("GET", f"{base}/api/v1/documents", token=token
                           ).json()["documents"][0]["id"]
        clause = call("GET", f"{base}/api/v1/documents/{document_id}", token=token
                      ).json()["clauses"][0]
        browser = harness.browser_session(base, "aus")
        pages = ["/documents", f"/documents/{document_id}", f"/clauses/{clause['id']}"]
        for path in pages:
            assert call("GET", base + path, opener=browser).status == 200, path
        assert call("GET", base + "/readyz").status == 200

        proxy.cut()
        seen: dict[str, list[int]] = {}
        for _ in range(ROUNDS):
            for path in pages:
                answer = call("GET", base + path, opener=browser)
                _assert_clear_page(answer, path)
                seen.setdefault("page " + path, []).append(answer.status)
            # A login needs the database too: the form answers 503, not a crash.
            stranger = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            login_page = call("GET", base + "/login", opener=stranger)
            csrf = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', login_page.body)
            answer = call("POST", base + "/login", opener=stranger,
                          form={"csrf_token": csrf.group(1).decode(), "username": "jpn",
                                "password": harness.PASSWORD})
            _assert_clear_page(answer, "POST /login")
            seen.setdefault("POST /login", []).append(answer.status)
            for method, path, body in (
                    ("GET", f"/api/v1/documents/{document_id}", None),
                    ("GET", f"/api/v1/clauses/{clause['id']}", None),
                    ("POST", f"/api/v1/clauses/{clause['id']}/comments",
                     {"body": "Written while the database is away."})):
                answer = call(method, base + path, token=token, body=body)
                _assert_json_503(answer, path)
                seen.setdefault(f"{method} {path}", []).append(answer.status)
            ready = call("GET", base + "/readyz")
            assert ready.status == 503
            assert ready.json() == {"status": "unavailable", "database": "unreachable"}
            assert call("GET", base + "/healthz").status == 200
            seen.setdefault("/readyz", []).append(ready.status)
        assert proxy.refused > 0  # the server did try to reconnect, and was refused
        pid = server.process.pid

        proxy.restore()
        deadline = time.monotonic() + RECOVERY_DEADLINE
        polls = 0
        while call("GET", base + "/readyz").status != 200:
            polls += 1
            assert time.monotonic() < deadline, f"/readyz still failing:\n{server.log()[-3000:]}"
            time.sleep(0.2)
        assert server.process.poll() is None and server.process.pid == pid  # never restarted
        for path in pages:
            assert call("GET", base + path, opener=browser).status == 200, path
        written = call("POST", f"{base}/api/v1/clauses/{clause['id']}/comments", token=token,
                       body={"body": "Written after the database came back."})
        assert written.status == 201, written.body
        stored = harness.query(fault_db.url, "SELECT body FROM comments WHERE id = :id",
                               id=written.json()["id"])
        assert stored[0][0] == "Written after the database came back."
        # Nothing from the outage reached the database.
        assert harness.query(fault_db.url, "SELECT count(*) FROM comments WHERE body = :b",
                             b="Written while the database is away.")[0][0] == 0
        assert harness.invariant_violations(fault_db.url) == {
            name: [] for name in harness.INVARIANTS}
        harness.audit_chain_verifies(fault_db.url)

        figures = {"outage_answers": {k: sorted(set(v)) for k, v in seen.items()},
                   "requests_during_outage": sum(len(v) for v in seen.values()),
                   "connections_refused_by_proxy": proxy.refused,
                   "readyz_polls_until_ready": polls, "server_restarted": False}
        harness.report("outage", figures)
    finally:
        proxy.close()
