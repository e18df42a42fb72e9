"""Issue 13's checks by hand, made repeatable: the production server under hostile clients.

Starts gunicorn exactly as `make serve` does (gunicorn.conf.py: gevent, 2 × cores + 1
workers, Redis for rate limits and live events), on a seeded PostgreSQL database of its own
reached through a TCP proxy that can cut the connection, then:

1. five delegations post a comment of 10,000 "[" at once, twice over, while a sixth delegate
   reads the document page and the clause page with those comments: the reader's p95, the
   comments' answers, and whether any worker timed out or was restarted;
2. a list of 3.9 million ids (a 30 MB body, with and without Content-Length): how fast it is
   refused, and that /healthz is served meanwhile;
3. 21 delegations write (proposals and comments, each with an Idempotency-Key) while the
   database is cut for 10 seconds; every write that got an error or no answer is retried
   with its key until it gets a definite answer: nothing lost, nothing doubled.

Usage (PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379, as on this machine):

    .venv/bin/python scripts/hostile_serve_check.py

It prints the figures as JSON; docs/reliability.md records the last run. Not a test: the
figures are timings, read by a person.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

from sqlalchemy.engine import make_url  # noqa: E402

from tests.faults import harness  # noqa: E402
from tests.servers import wait_until_healthy  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
ECONOMIES = ["aus", "bd", "cda", "chl", "prc", "hkc", "ina", "jpn", "rok", "mas", "mex", "nz",
             "png", "pe", "rp", "rus", "sgp", "ct", "tha", "usa", "vn"]
HOSTILE = "[" * 10_000
ORDINARY = "We support this paragraph; see [the BCG page](https://www.apec.org/bcg)."


def start_server(database_url: str, log_path: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn as `make serve` runs it (its environment, not the fault tests' narrower one)."""
    port = harness.free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "BIND": f"127.0.0.1:{port}",
           "REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL,
           "SECRET_KEY": "hostile-check", "LOG_FORMAT": "json", "LOG_LEVEL": "info"}
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "DATABASE_POOL_SIZE",
                 "DATABASE_MAX_OVERFLOW", "RATELIMIT_ENABLED"):
        env.pop(name, None)
    log = open(log_path, "ab")  # noqa: SIM115 - kept open for the server's life
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                "app:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_until_healthy(process, base, harness.START_DEADLINE,
                       lambda: log_path.read_text(errors="replace"))
    return process, base


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def worker_troubles(log_path: Path) -> dict[str, int]:
    text = log_path.read_text(errors="replace")
    return {"worker_timeouts": text.count("WORKER TIMEOUT"),
            "workers_booted_after_start": max(0, text.count("Booting worker") - worker_count()),
            "bare_500s": text.count('"status": 500')}


def worker_count() -> int:
    return 2 * len(os.sched_getaffinity(0)) + 1


# --- 1. hostile comments against a reader --------------------------------------------------------

def comments_against_a_reader(base: str, tokens: dict[str, str], body: str = HOSTILE) -> dict:
    """Five comments of `body` at once, twice, while a delegate reads; the same with an
    ordinary comment is the control run (what the machine does under five writers anyway)."""
    token = tokens["nz"]
    document_id = harness.call("GET", f"{base}/api/v1/documents", token=token
                               ).json()["documents"][0]["id"]
    clause_id = harness.call("GET", f"{base}/api/v1/documents/{document_id}", token=token
                             ).json()["clauses"][2]["id"]
    reader = harness.browser_session(base, "nz")
    pages = [f"/documents/{document_id}", f"/clauses/{clause_id}"]
    timings: list[float] = []
    during: list[float] = []  # reads that overlapped a post
    posting = threading.Event()
    reader_statuses: dict[int, int] = {}
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            for path in pages:
                started = time.monotonic()
                overlapped = posting.is_set()
                answer = harness.call("GET", base + path, opener=reader)
                timings.append((time.monotonic() - started) * 1000)
                if overlapped or posting.is_set():
                    during.append(timings[-1])
                reader_statuses[answer.status] = reader_statuses.get(answer.status, 0) + 1

    posted: list[tuple[int, float]] = []

    def post(economy: str) -> None:
        started = time.monotonic()
        answer = harness.call("POST", f"{base}/api/v1/clauses/{clause_id}/comments",
                              token=tokens[economy], body={"body": body})
        posted.append((answer.status, (time.monotonic() - started) * 1000))

    # Warm every worker (the first page of each compiles its templates and fills its caches),
    # so that the figures compare the comments' cost, not which run came first.
    for _ in range(4 * worker_count()):
        for path in pages:
            harness.call("GET", base + path, opener=reader)
    reading = threading.Thread(target=read)
    reading.start()
    time.sleep(2)  # the reader's steady pace first
    for _ in range(2):
        posters = [threading.Thread(target=post, args=(e,))
                   for e in ("aus", "usa", "prc", "jpn", "rok")]
        posting.set()
        for thread in posters:
            thread.start()
        for thread in posters:
            thread.join()
        posting.clear()
    time.sleep(3)  # and the pages with ten hostile comments on them
    stop.set()
    reading.join()
    return {"comment_answers": sorted({s for s, _ in posted}),
            "comment_ms_max": round(max(ms for _, ms in posted)),
            "reader_requests": len(timings), "reader_statuses": reader_statuses,
            "reader_p50_ms": round(statistics.median(timings)),
            "reader_p95_ms": round(percentile(timings, 0.95)),
            "reader_max_ms": round(max(timings)),
            "reader_during_posts": len(during),
            "reader_p95_during_posts_ms": round(percentile(during, 0.95)) if during else None}


# --- 2. a list of 3.9 million ids ------------------------------------------------------------------

def huge_id_list(base: str, tokens: dict[str, str]) -> dict:
    body = ('{"proposal_ids": [' + ",".join(str(i) for i in range(1, 3_900_001)) + "]}").encode()
    host, port = base.removeprefix("http://").split(":")
    figures = {"body_mb": round(len(body) / 1048576, 1)}
    for label, chunked in (("with_content_length", False), ("chunked", True)):
        health: list[int] = []
        stop = threading.Event()

        def poll_health() -> None:
            while not stop.is_set():
                health.append(harness.call("GET", base + "/healthz").status)
                time.sleep(0.05)

        polling = threading.Thread(target=poll_health)
        polling.start()
        started = time.monotonic()
        head = (f"POST /api/v1/documents/1/drafts/submit HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {tokens['aus']}\r\nContent-Type: application/json\r\n"
                + ("Transfer-Encoding: chunked\r\n" if chunked else
                   f"Content-Length: {len(body)}\r\n") + "Connection: close\r\n\r\n").encode()
        answer = b""
        with socket.create_connection((host, int(port)), timeout=60) as sock:
            sock.sendall(head)
            try:
                step = 1 << 20
                for offset in range(0, len(body), step):
                    piece = body[offset:offset + step]
                    sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server answered and closed before the whole body was sent
            try:
                while piece := sock.recv(65536):
                    answer += piece
            except OSError:
                pass
        figures[label] = {"status_line": answer.split(b"\r\n", 1)[0].decode(errors="replace"),
                          "answered_ms": round((time.monotonic() - started) * 1000),
                          "code": _error_code(answer)}
        stop.set()
        polling.join()
        figures[label]["healthz_meanwhile"] = sorted(set(health))
    return figures


def _code(answer: harness.Answer) -> str | None:
    try:
        return answer.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def _error_code(raw: bytes) -> str | None:
    try:
        return json.loads(raw.split(b"\r\n\r\n", 1)[1])["error"]["code"]
    except (IndexError, ValueError, KeyError, TypeError):
        return None


# --- 3. a database cut during writes, retried with Idempotency-Key ---------------------------------

def outage_with_retries(base: str, tokens: dict[str, str], proxy, database_url: str) -> dict:
    token = tokens["secretariat"]
    document_id = harness.call("GET", f"{base}/api/v1/documents", token=token
                               ).json()["documents"][0]["id"]
    clauses = harness.call("GET", f"{base}/api/v1/documents/{document_id}", token=token
                           ).json()["clauses"]
    run = uuid.uuid4().hex[:8]
    first_answers: dict[str, int] = {}
    retries = {"writes": 0, "retried": 0, "retry_attempts": 0, "replayed": 0,
               "gave_up": 0, "definite_refusals": 0}
    lock = threading.Lock()
    succeeded: dict[str, str] = {}  # key -> marker written
    refusals: dict[str, int] = {}
    stop = threading.Event()

    def send(economy: str, n: int) -> None:
        key = f"{run}-{economy}-{n}"
        marker = f"hostile-check {key}"
        clause = clauses[n % len(clauses)]
        if n % 2:
            path, body = f"/api/v1/clauses/{clause['id']}/comments", {"body": marker}
        else:
            path = f"/api/v1/documents/{document_id}/proposals"
            body = {"action": "amend", "clause_id": clause["id"],
                    "text": clause["text"] + f" ({economy} {n})", "rationale": marker}
        attempt, outcome = 0, None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            attempt += 1
            try:
                answer = _post(base + path, tokens[economy], body, key)
                status, replayed = answer.status, answer.headers.get(
                    "Idempotent-Replayed") == "true"
            except OSError:
                status, replayed = 0, False
            if attempt == 1:
                with lock:
                    first_answers[str(status)] = first_answers.get(str(status), 0) + 1
            if status in (200, 201):
                outcome = "written"
                with lock:
                    retries["replayed"] += replayed
                    succeeded[key] = marker
                break
            retryable = status in (408, 429) or (
                status == 409 and _code(answer) == "idempotency_key_unfinished")
            if 400 <= status < 500 and not retryable:
                outcome = "refused"  # e.g. 422: a definite answer, nothing written
                with lock:
                    refusals[f"{status} {_code(answer)}"] = refusals.get(
                        f"{status} {_code(answer)}", 0) + 1
                break
            time.sleep(1 if status in (0, 503) else 0.3)
        with lock:
            retries["writes"] += 1
            retries["retried"] += attempt > 1
            retries["retry_attempts"] += attempt - 1
            retries["gave_up"] += outcome is None
            retries["definite_refusals"] += outcome == "refused"

    def writer(economy: str) -> None:
        n = 0
        while not stop.is_set():
            send(economy, n)
            n += 1
            time.sleep(0.5)

    threads = [threading.Thread(target=writer, args=(e,)) for e in ECONOMIES if e in tokens]
    for thread in threads:
        thread.start()
    time.sleep(5)
    proxy.cut()
    time.sleep(10)
    proxy.restore()
    time.sleep(8)
    stop.set()
    for thread in threads:
        thread.join()
    return {"writers": len(threads), "first_answers": first_answers, **retries,
            "acknowledged": len(succeeded), "refusals": refusals,
            "connections_refused_by_proxy": proxy.refused}, (run, succeeded)


def stored_writes(database_url: str, run: str, succeeded: dict[str, str]) -> dict:
    """After the server stopped: what the database holds of the outage run's writes."""
    rows = harness.query(database_url, """
        SELECT rationale AS marker FROM proposals WHERE rationale LIKE :m
        UNION ALL SELECT body FROM comments WHERE body LIKE :m""", m=f"hostile-check {run}-%")
    stored = [row[0] for row in rows]
    doubled = sorted({m for m in stored if stored.count(m) > 1})
    lost = sorted(set(succeeded.values()) - set(stored))
    unacknowledged_but_stored = sorted(set(stored) - set(succeeded.values()))
    return {"rows_stored": len(stored), "lost": lost, "doubled": doubled,
            "stored_without_acknowledgement": unacknowledged_but_stored}


def _post(url: str, token: str, body: dict, key: str) -> harness.Answer:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
        "Accept": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (local)
            return harness.Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return harness.Answer(error.code, dict(error.headers), error.read())
    except Exception as error:  # noqa: BLE001 - a cut-off answer is no answer
        raise ConnectionError(repr(error)) from error


def _show(figures: dict) -> None:
    print(json.dumps(figures, ensure_ascii=False), file=sys.stderr, flush=True)


def main() -> int:
    template = harness.build_template_database()
    database = make_url(template.url)
    proxy = harness.CuttableProxy((database.host or "127.0.0.1", database.port or 5432))
    proxied = harness.url_string(database.set(host="127.0.0.1", port=proxy.port))
    log_path = Path(tempfile.mkdtemp()) / "gunicorn.log"
    process = None
    try:
        process, base = start_server(proxied, log_path)
        figures = {"workers": worker_count()}
        figures["ordinary_comments"] = comments_against_a_reader(base, template.tokens, ORDINARY)
        figures["hostile_comments"] = comments_against_a_reader(base, template.tokens)
        _show(figures)
        figures["huge_id_list"] = huge_id_list(base, template.tokens)
        _show(figures)
        figures["outage_with_retries"], (run, succeeded) = outage_with_retries(
            base, template.tokens, proxy, template.url)
        _show(figures)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        proxy.close()
        figures["outage_with_retries"].update(stored_writes(template.url, run, succeeded))
        figures["server"] = worker_troubles(log_path)
        figures["audit_chain"] = harness.audit_chain_verifies(template.url)
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return 0
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        proxy.close()
        harness.drop_database(template.name)
        print(f"server log: {log_path}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
