"""Two application hosts behind HAProxy, as `make serve-cluster` runs them.

scripts/serve-cluster.sh starts two gunicorn hosts (gunicorn.conf.py, one worker each here) and
HAProxy with deploy/haproxy.cfg, on a PostgreSQL database of this test's own and Redis. Every
request goes through the balancer; HAProxy's `X-Served-By` header says which host answered, so
the tests can tell that something made on one host was used on the other:

- a browser session and an API token work on both hosts; the client's address the hosts record
  is the one HAProxy saw, not a forged X-Forwarded-For;
- an export rendered by one host is served from the shared cache by the other — and only to
  viewers of the same visibility class;
- a live event committed on one host reaches a stream held on the other;
- SIGKILL of a whole host in the middle of a write load loses no acknowledged write, and a
  stream that was on it reconnects through the balancer with Last-Event-ID and misses nothing.

Skipped without PostgreSQL (TEST_DATABASE_URL), HAProxy or Redis; CI has all three. How fast
events cross hosts is measured by the meeting-day benchmark (`--cluster`), not here.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drafting.domain.live import EventIdCodec
from tests.faults import harness
from tests.faults.harness import Ledger, call

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
START_DEADLINE = 120  # seconds for both hosts to import the app and HAProxy to see them up
STREAM_DEADLINE = 30
SECRET_KEY = "cluster-test-secret"  # seconds a test waits for an event it expects (a deadline, not a measure)


def _redis_or_none():
    try:
        import redis
    except ImportError:
        return None
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError:
        return None
    return client


pytestmark = [
    *harness.MARKS,
    pytest.mark.skipif(shutil.which("haproxy") is None,
                       reason="HAProxy is not installed (`make system-packages`)"),
]


@pytest.fixture(scope="module")
def redis_client():
    client = _redis_or_none()
    if client is None:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (TEST_REDIS_URL)")
    return client


@pytest.fixture(scope="module")
def seeded_template(redis_client):
    template = harness.build_template_database()
    yield template
    harness.drop_database(template.name)


# --- the cluster ------------------------------------------------------------------------------

@dataclass
class Cluster:
    base: str
    stats: str
    run_dir: Path
    process: subprocess.Popen
    prefix: str
    database: harness.SeededDatabase
    hosts: dict[str, str] = field(default_factory=dict)  # name -> address

    def host_states(self) -> dict[str, str]:
        with urllib.request.urlopen(self.stats + "/;csv", timeout=5) as response:  # noqa: S310
            rows = response.read().decode().splitlines()
        header = rows[0].lstrip("# ").split(",")
        states = {}
        for row in rows[1:]:
            values = dict(zip(header, row.split(",")))
            if values.get("pxname") == "app_hosts" and values.get("svname") in self.hosts:
                states[values["svname"]] = values["status"]
        return states

    def kill_host(self, name: str) -> None:
        """SIGKILL a host's master and workers at once, as if its machine had gone."""
        pid = int((self.run_dir / f"{name}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)

    def log(self) -> str:
        parts = []
        for path in sorted(self.run_dir.glob("*.log")) + [self.run_dir / "cluster.out"]:
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture
def start_cluster(seeded_template, redis_client, tmp_path):
    started: list[Cluster] = []

    def start(**env_overrides) -> Cluster:
        database = harness.clone_database(seeded_template)
        balancer, app1, app2, stats = _free_ports(4)
        prefix = f"cluster-test-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "DATABASE_URL": database.url, "REDIS_URL": REDIS_URL,
               "SECRET_KEY": SECRET_KEY, "APP_RELEASE": "cluster-test",
               "CLUSTER_BIND": f"127.0.0.1:{balancer}", "CLUSTER_APP1": f"127.0.0.1:{app1}",
               "CLUSTER_APP2": f"127.0.0.1:{app2}", "CLUSTER_STATS": f"127.0.0.1:{stats}",
               "CLUSTER_RUN_DIR": str(tmp_path), "PYTHON": sys.executable,
               "LIVE_CHANNEL_PREFIX": prefix, "WEB_CONCURRENCY": "1",
               "GUNICORN_GRACEFUL_TIMEOUT": "3", "LOG_LEVEL": "warning", "LOG_FORMAT": "json",
               "DATABASE_POOL_SIZE": str(harness.POOL_SIZE), "DATABASE_MAX_OVERFLOW": "0",
               **env_overrides}
        for name in ("RATELIMIT_STORAGE_URI", "PROXY_FIX_HOPS", "GUNICORN_KEEPALIVE"):
            env.pop(name, None)
        with open(tmp_path / "cluster.out", "ab") as out:
            process = subprocess.Popen([str(ROOT / "scripts" / "serve-cluster.sh")], cwd=ROOT,
                                       env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True,
                                       preexec_fn=harness._stop_with_parent)
        cluster = Cluster(base=f"http://127.0.0.1:{balancer}", stats=f"http://127.0.0.1:{stats}",
                          run_dir=tmp_path, process=process, prefix=prefix, database=database,
                          hosts={"app1": f"127.0.0.1:{app1}", "app2": f"127.0.0.1:{app2}"})
        started.append(cluster)
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if process.poll() is not None:
                pytest.fail(f"serve-cluster.sh exited with {process.returncode}:\n{cluster.log()}")
            try:
                if set(cluster.host_states().values()) == {"UP"} and len(
                        cluster.host_states()) == 2:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the cluster did not come up within {START_DEADLINE}s:\n"
                            f"{cluster.log()}")
            time.sleep(0.2)
        return cluster

    yield start
    for cluster in started:
        for name in cluster.hosts:  # nothing to finish gracefully: stop the hosts at once
            try:
                cluster.kill_host(name)
            except (OSError, ValueError):
                pass  # already gone (killed by the test), or never started
        if cluster.process.poll() is None:
            os.killpg(cluster.process.pid, signal.SIGTERM)
            try:
                cluster.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(cluster.process.pid, signal.SIGKILL)
                cluster.process.wait(timeout=30)
        harness.drop_database(cluster.database.name)
    for key in redis_client.scan_iter(match="cluster-test-*:export:*"):
        redis_client.delete(key)


# --- a live-update stream read by hand --------------------------------------------------------

class Stream:
    """One SSE connection through the balancer (http.client, so the body is read as it
    comes); `events` holds (id, kind, data) of every event received, across reconnections."""

    def __init__(self, base: str, path: str, token: str) -> None:
        self.address = base.removeprefix("http://")
        self.path, self.token = path, token
        self.events: list[tuple[str, str, dict]] = []
        self.last_id: str | None = None
        self.hosts: list[str] = []
        self.ready_ids: list[str] = []  # the cursor of each connection's `ready`
        self._connection: http.client.HTTPConnection | None = None
        self._response = None
        self._buffer = b""

    def connect(self) -> str:
        host, port = self.address.split(":")
        self._connection = http.client.HTTPConnection(host, int(port), timeout=STREAM_DEADLINE)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        if self.last_id is not None:
            headers["Last-Event-ID"] = self.last_id
        self._connection.request("GET", self.path, headers=headers)
        self._response = self._connection.getresponse()
        assert self._response.status == 200, self._response.read()[:300]
        served_by = (self._response.getheader("X-Served-By") or "").removesuffix("-unchecked")
        self.hosts.append(served_by)
        self._buffer = b""
        self.read_until(lambda kind, data: kind == "ready")
        return served_by

    def read_until(self, done) -> None:
        """Read events until `done(kind, data)` holds for one; raises OSError (or
        http.client.IncompleteRead) if the connection breaks, TimeoutError past the deadline."""
        deadline = time.monotonic() + STREAM_DEADLINE
        while True:
            while b"\n\n" in self._buffer:
                block, self._buffer = self._buffer.split(b"\n\n", 1)
                event = self._parse(block.decode())
                if event is not None and done(event[1], event[2]):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("no such event within the deadline")
            chunk = self._response.read1(65536)
            if not chunk:
                raise ConnectionResetError("the stream ended")
            self._buffer += chunk.replace(b"\r\n", b"\n")

    def _parse(self, block: str):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        if "event" not in fields and "data" not in fields:
            return None
        kind = fields.get("event", "message")
        data = json.loads(fields["data"]) if fields.get("data") else {}
        if "id" in fields:
            self.last_id = fields["id"]
        if kind == "ready":
            self.ready_ids.append(fields.get("id", ""))
        elif kind != "listen":
            self.events.append((fields.get("id", ""), kind, data))
        return fields.get("id", ""), kind, data

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def _streams_on_both_hosts(base: str, path: str, token: str) -> dict[str, Stream]:
    """Open streams until one is held on each host (leastconn sends the second to the host
    that holds none); the extra ones are closed."""
    held: dict[str, Stream] = {}
    spare: list[Stream] = []
    for _ in range(6):
        stream = Stream(base, path, token)
        host = stream.connect()
        if host in held:
            spare.append(stream)
        else:
            held[host] = stream
        if len(held) == 2:
            break
    for stream in spare:
        stream.close()
    assert set(held) == {"app1", "app2"}, f"streams all on {set(held)}"
    return held


def header(answer: harness.Answer, name: str) -> str | None:
    """A response header by name, whatever its case (HAProxy sends them in lower case)."""
    value = next((v for k, v in answer.headers.items() if k.lower() == name.lower()), None)
    if name.lower() == "x-served-by" and value:
        value = value.removesuffix("-unchecked")  # the same host as its unchecked backup
    return value


def _on_each_host(request, attempts: int = 12) -> dict[str, harness.Answer]:
    """Repeat `request()` (an Answer) until both hosts have answered once; their answers."""
    answers: dict[str, harness.Answer] = {}
    for _ in range(attempts):
        answer = request()
        answers.setdefault(header(answer, "X-Served-By"), answer)
        if {"app1", "app2"} <= set(answers):
            break
    assert {"app1", "app2"} <= set(answers), f"only {set(answers)} answered"
    return answers


def _post_from(base: str, source: str, path: str, token: str, body: dict,
               extra_headers: dict) -> harness.Answer:
    """A POST from another loopback address (127.0.0.0/8 is all ours)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30,
                                            source_address=(source, 0))
    try:
        connection.request("POST", path, body=json.dumps(body), headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json",
            "Accept": "application/json", **extra_headers})
        response = connection.getresponse()
        return harness.Answer(response.status, dict(response.headers), response.read())
    finally:
        connection.close()


# --- the tests -----------------------------------------------------------------------------

def test_sessions_tokens_exports_and_live_events_work_across_hosts(start_cluster, redis_client):
    cluster = start_cluster()
    base, tokens = cluster.base, cluster.database.tokens
    documents = call("GET", f"{base}/api/v1/documents", token=tokens["secretariat"])
    assert documents.status == 200, documents.body
    document_id = documents.json()["documents"][0]["id"]
    document = call("GET", f"{base}/api/v1/documents/{document_id}",
                    token=tokens["secretariat"]).json()
    clause_id = document["clauses"][0]["id"]

    # A session made on one host is honoured by both.
    browser = harness.browser_session(base, "aus")
    pages = _on_each_host(lambda: call("GET", f"{base}/documents/{document_id}", opener=browser))
    for host, page in pages.items():
        assert page.status == 200 and b"Log out" in page.body, (host, page.body[:300])

    # A token works on both.
    listings = _on_each_host(lambda: call("GET", f"{base}/api/v1/documents", token=tokens["aus"]))
    assert {answer.status for answer in listings.values()} == {200}

    # The address recorded is the client's as HAProxy saw it (here 127.0.0.9), not the
    # balancer's and not one the client made up.
    comment = _post_from(base, "127.0.0.9", f"/api/v1/clauses/{clause_id}/comments",
                         tokens["aus"], {"body": "Sent from across the room."},
                         {"X-Forwarded-For": "203.0.113.66"})
    assert comment.status == 201, comment.body
    recorded = harness.query(
        cluster.database.url, "SELECT remote_addr FROM audit_events WHERE kind = "
        "'comment.posted' AND (data::jsonb ->> 'comment_id')::int = :id",
        id=comment.json()["id"])
    assert [row.remote_addr for row in recorded] == ["127.0.0.9"]

    # An export rendered by one host is served from Redis by the other. To tell a file read
    # from Redis from one rendered again, the stored copy's name is changed under the hosts.
    export = f"{base}/api/v1/documents/{document_id}/export?mode=clean&format=docx"
    first = call("GET", export, token=tokens["aus"])
    assert first.status == 200 and first.body.startswith(b"PK"), first.body[:200]
    rendered_on = header(first, "X-Served-By")
    stored = list(redis_client.scan_iter(match=f"{cluster.prefix}:export:*"))
    assert len(stored) == 1
    redis_client.hset(stored[0], "filename", "from-the-shared-cache.docx")
    other = None
    for _ in range(12):
        answer = call("GET", export, token=tokens["aus"])
        if header(answer, "X-Served-By") != rendered_on:
            other = answer
            break
    assert other is not None, "the balancer never sent the export to the other host"
    assert other.status == 200 and other.body == first.body
    assert "from-the-shared-cache.docx" in header(other, "Content-Disposition")
    # Another economy's delegate is another visibility class: never given that entry.
    for _ in range(2):
        theirs = call("GET", export, token=tokens["jpn"])
        assert theirs.status == 200
        assert "from-the-shared-cache" not in header(theirs, "Content-Disposition")

    # A live event committed on one host reaches the streams held on both.
    streams = _streams_on_both_hosts(base, f"/api/v1/documents/{document_id}/events",
                                     tokens["nz"])
    try:
        posted = call("POST", f"{base}/api/v1/clauses/{clause_id}/comments", token=tokens["cda"],
                      body={"body": "Heard on every host."})
        assert posted.status == 201, posted.body
        written_on = header(posted, "X-Served-By")
        for host, stream in streams.items():
            stream.read_until(lambda kind, data: kind == "comment.posted")
        received = {host: [e for e in stream.events if e[1] == "comment.posted"]
                    for host, stream in streams.items()}
        # Both heard of it once: the one on the host that did not commit it, through Redis.
        assert all(len(events) == 1 for events in received.values()), (written_on, received)
    finally:
        for stream in streams.values():
            stream.close()


WRITERS = ("aus", "cda", "jpn", "mex")
BEFORE_KILL = 16  # acknowledged writes before the kill
AFTER_KILL = 16  # acknowledged writes after it, all through the surviving host
LOAD_DEADLINE = 120


def _write_load(base: str, username: str, token: str, clause_ids: list[int],
                stop: threading.Event, ledger: Ledger) -> None:
    sequence = 0
    while not stop.is_set():
        clause_id = clause_ids[sequence % len(clause_ids)]
        label = f"cluster {username} #{sequence}"
        try:
            if sequence % 2 == 0:
                clause = call("GET", f"{base}/api/v1/clauses/{clause_id}", token=token, timeout=30)
                ledger.record(clause)
                if clause.status == 200:
                    text = harness.replace_word(clause.json()["text"], sequence,
                                                f"{username.upper()}{sequence}x")
                    answer = call("POST", f"{base}/api/v1/clauses/{clause_id}/proposals",
                                  token=token, timeout=30,
                                  body={"action": "amend", "text": text, "rationale": label})
                    ledger.record(answer)
                    if answer.status == 201:
                        with ledger.lock:
                            ledger.proposals[answer.json()["id"]] = {"rationale": label}
            else:
                answer = call("POST", f"{base}/api/v1/clauses/{clause_id}/comments",
                              token=token, body={"body": label}, timeout=30)
                ledger.record(answer)
                if answer.status == 201:
                    with ledger.lock:
                        ledger.comments[answer.json()["id"]] = {"body": label}
        except OSError:
            ledger.record(None)
        sequence += 1


def _acknowledged(ledger: Ledger) -> int:
    with ledger.lock:
        return len(ledger.proposals) + len(ledger.comments)


def test_killing_a_host_mid_load_loses_no_write_and_its_streams_resume_elsewhere(
        start_cluster):
    cluster = start_cluster(RATELIMIT_ENABLED="0")
    base, tokens = cluster.base, cluster.database.tokens
    document_id = call("GET", f"{base}/api/v1/documents", token=tokens["secretariat"]
                       ).json()["documents"][0]["id"]
    document = call("GET", f"{base}/api/v1/documents/{document_id}",
                    token=tokens["secretariat"]).json()
    clause_ids = [c["id"] for c in document["clauses"] if c["open_proposals"] == 0][:4]
    # The secretariat's streams: they receive every submitted proposal (a delegate's would not
    # receive other economies' uncirculated ones).
    streams = _streams_on_both_hosts(base, f"/api/v1/documents/{document_id}/events",
                                     tokens["secretariat"])
    victim, survivor = "app1", "app2"

    ledger = Ledger()
    stop = threading.Event()
    threads = [threading.Thread(target=_write_load, args=(base, name, tokens[name], clause_ids,
                                                          stop, ledger)) for name in WRITERS]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + LOAD_DEADLINE
        while _acknowledged(ledger) < BEFORE_KILL:
            assert time.monotonic() < deadline, (ledger.statuses, cluster.log())
            time.sleep(0.05)
        cluster.kill_host(victim)
        at_kill = _acknowledged(ledger)
        while _acknowledged(ledger) < at_kill + AFTER_KILL:
            assert time.monotonic() < deadline, (ledger.statuses, cluster.log())
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    # The balancer noticed: the victim is out of rotation, the survivor took the load.
    assert cluster.host_states()[victim] != "UP"
    # Requests in flight on the victim got 502 (never an acknowledgement); none other failed.
    assert not [s for s in ledger.statuses if s >= 500 and s != 502], ledger.statuses

    # Every acknowledged write is in the database.
    url = cluster.database.url
    proposals = {row.id for row in harness.query(
        url, "SELECT id FROM proposals WHERE rationale LIKE 'cluster %'")}
    comments = {row.id for row in harness.query(
        url, "SELECT id FROM comments WHERE body LIKE 'cluster %'")}
    assert set(ledger.proposals) <= proposals
    assert set(ledger.comments) <= comments
    assert harness.invariant_violations(url) == {name: [] for name in harness.INVARIANTS}

    # The stream held on the victim broke; it reconnects through the balancer with its
    # Last-Event-ID and lands on the survivor. Event ids are opaque; decoded with the hosts'
    # secret they are live_events rows, which say what each stream should have had.
    codec = EventIdCodec(hmac.new(SECRET_KEY.encode(), b"drafting live event ids",
                                  hashlib.sha256).digest())

    def received(stream: Stream) -> list[int]:
        return [codec.decode(int(e[0])) for e in stream.events if e[0]]

    acknowledged_events = {row.id for row in harness.query(
        url, "SELECT l.id FROM live_events l JOIN audit_events a ON a.id = l.audit_event_id "
             "WHERE (a.kind = 'proposal.submitted' AND a.proposal_id = ANY(:proposals)) "
             "OR (a.kind = 'comment.posted' AND (a.data::jsonb ->> 'comment_id')::int "
             "= ANY(:comments))",
        proposals=list(ledger.proposals), comments=list(ledger.comments))}
    assert len(acknowledged_events) == len(ledger.proposals) + len(ledger.comments)
    broken = streams[victim]
    start = codec.decode(int(broken.ready_ids[0]))
    # Everything committed since the stream opened that the secretariat may receive (all but
    # drafts, and the load writes none) — the writes in flight at the kill included.
    committed_events = {row.id for row in harness.query(
        url, "SELECT id FROM live_events WHERE document_id = :d AND id > :start "
             "AND NOT (audience_economy_id IS NOT NULL AND NOT audience_secretariat)",
        d=document_id, start=start)}
    wanted = {victim: committed_events, survivor: acknowledged_events}
    try:
        for host, stream in streams.items():
            reconnections = 0
            while not wanted[host] <= set(received(stream)):
                try:
                    stream.read_until(lambda kind, data: wanted[host] <= set(received(stream)))
                except (OSError, http.client.HTTPException):
                    assert reconnections < 3, stream.hosts
                    reconnections += 1
                    stream.close()
                    stream.connect()  # with Last-Event-ID
            assert not [e for e in stream.events if e[1] == "reload"], stream.events[-3:]
            ids = received(stream)
            assert len(ids) == len(set(ids)), "an event was delivered twice"
        assert broken.hosts == [victim, survivor]
        assert streams[survivor].hosts == [survivor]
        # The reconnected stream replayed from the database: it has every committed event,
        # nothing else, each once — even a write whose answer the kill cut off.
        assert set(received(broken)) == committed_events
    finally:
        for stream in streams.values():
            stream.close()
    harness.audit_chain_verifies(url)
    harness.report("cluster-kill", {
        "acknowledged": {"proposals": len(ledger.proposals), "comments": len(ledger.comments)},
        "statuses": ledger.statuses, "without_answer": ledger.no_answer,
        "events_committed": len(committed_events),
        "events_on_the_surviving_stream": len(streams[survivor].events),
        "events_on_the_reconnected_stream": len(broken.events),
        "broken_stream_hosts": broken.hosts})
