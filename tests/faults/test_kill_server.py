"""SIGKILL in the middle of a write load: nothing acknowledged is lost, nothing is half-written.

Six economies propose and comment in a loop while the secretariat decides, all over real
HTTP; once enough writes are acknowledged the whole gunicorn process group (master and
workers) gets SIGKILL, so no shutdown code, no `finally` and no commit of a request in flight
can run. Then the database is read with SQL: every write the clients saw acknowledged is
there, complete (its audit event, its clause version and the clause's pointer to it), a
write that was in flight is either all there or not there at all, and the audit chain
verifies. A new server on the same database accepts writes again.
"""
from __future__ import annotations

import json
import threading
import time

from tests.faults import harness
from tests.faults.harness import Ledger, call

pytestmark = harness.MARKS

WRITERS = ("aus", "cda", "jpn", "mex", "nz", "vn")
ACKNOWLEDGED_BEFORE_KILL = 40  # proposals + comments + decisions the clients saw succeed
LOAD_DEADLINE = 120  # seconds for the load to reach that many (a deadline, not a measure)
TAG = "kill-test"


def _writer(base: str, username: str, token: str, targets: list[int], stop: threading.Event,
            ledger: Ledger, attempts: dict[str, int]) -> None:
    sequence = 0
    while not stop.is_set():
        clause_id = targets[sequence % len(targets)]
        label = f"{TAG} {username} #{sequence}"
        try:
            clause = call("GET", f"{base}/api/v1/clauses/{clause_id}", token=token, timeout=30)
            if clause.status != 200:
                ledger.record(clause)
                continue
            wording = harness.replace_word(clause.json()["text"], sequence * 5 + len(username),
                                           f"{username.upper()}{sequence}k")
            with ledger.lock:
                attempts["proposal"] += 1
            answer = call("POST", f"{base}/api/v1/clauses/{clause_id}/proposals", token=token,
                          body={"action": "amend", "text": wording, "rationale": label},
                          timeout=30)
            ledger.record(answer)
            if answer.status == 201:
                with ledger.lock:
                    ledger.proposals[answer.json()["id"]] = {"rationale": label, "text": wording}
            with ledger.lock:
                attempts["comment"] += 1
            answer = call("POST", f"{base}/api/v1/clauses/{clause_id}/comments", token=token,
                          body={"body": label}, timeout=30)
            ledger.record(answer)
            if answer.status == 201:
                with ledger.lock:
                    ledger.comments[answer.json()["id"]] = {"body": label}
        except OSError:
            ledger.record(None)  # refused or reset: the server is gone
        sequence += 1


def _desk(base: str, token: str, document_id: int, stop: threading.Event, ledger: Ledger,
          attempts: dict[str, int]) -> None:
    while not stop.is_set():
        try:
            listing = call("GET", f"{base}/api/v1/documents/{document_id}/proposals?status=open",
                           token=token, timeout=30)
            ledger.record(listing)
            if listing.status != 200:
                continue
            ours = [p for p in listing.json()["proposals"]
                    if p["rationale"].startswith(TAG) and not p["in_conflict"]]
            if not ours:
                continue
            proposal = ours[0]
            clause = call("GET", f"{base}/api/v1/clauses/{proposal['clause_id']}", token=token,
                          timeout=30)
            ledger.record(clause)
            if clause.status != 200:
                continue
            with ledger.lock:
                attempts["decision"] += 1
            answer = call("POST", f"{base}/api/v1/proposals/{proposal['id']}/decision",
                          token=token, timeout=30,
                          body={"decision": "accept", "expected_version": clause.json()["version"]})
            ledger.record(answer)
            if answer.status == 200:
                with ledger.lock:
                    ledger.accepted[proposal["id"]] = clause.json()["version"]
        except OSError:
            ledger.record(None)


def _acknowledged(ledger: Ledger) -> int:
    with ledger.lock:
        return len(ledger.proposals) + len(ledger.comments) + len(ledger.accepted)


def test_sigkill_mid_load_loses_no_acknowledged_write_and_leaves_nothing_half_written(
        fault_db, start_server):
    url, tokens = fault_db.url, fault_db.tokens
    server = start_server()
    base = server.base
    document_id = call("GET", f"{base}/api/v1/documents", token=tokens["secretariat"]
                       ).json()["documents"][0]["id"]
    document = call("GET", f"{base}/api/v1/documents/{document_id}",
                    token=tokens["secretariat"]).json()
    targets = [c["id"] for c in document["clauses"] if c["open_proposals"] == 0][:4]

    ledger = Ledger()
    attempts = {"proposal": 0, "comment": 0, "decision": 0}
    stop = threading.Event()
    threads = [threading.Thread(target=_writer, args=(base, name, tokens[name], targets, stop,
                                                      ledger, attempts))
               for name in WRITERS]
    threads.append(threading.Thread(target=_desk, args=(base, tokens["secretariat"],
                                                        document["id"], stop, ledger, attempts)))
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + LOAD_DEADLINE
    while _acknowledged(ledger) < ACKNOWLEDGED_BEFORE_KILL:
        assert time.monotonic() < deadline, (
            f"only {_acknowledged(ledger)} writes acknowledged: {ledger.statuses}\n"
            f"{server.log()[-3000:]}")
        time.sleep(0.05)

    server.kill_group()  # mid-load: requests are in flight on every worker
    stop.set()
    for thread in threads:
        thread.join()
    # Answers already on their way still count: they are what the clients were told.
    acknowledged = {"proposals": ledger.proposals, "comments": ledger.comments,
                    "accepted": ledger.accepted}
    assert not [s for s in ledger.statuses if s >= 500], ledger.statuses
    assert ledger.no_answer > 0  # the kill did interrupt the clients

    # Every acknowledged proposal, comment and acceptance is there.
    proposals = {r.id: r for r in harness.query(
        url, "SELECT id, rationale, status, result_version_id FROM proposals "
             "WHERE rationale LIKE :tag", tag=f"{TAG} %")}
    missing_proposals = set(acknowledged["proposals"]) - set(proposals)
    assert not missing_proposals
    for pid, sent in acknowledged["proposals"].items():
        assert proposals[pid].rationale == sent["rationale"]
    submitted = {r.proposal_id: json.loads(r.data)["text"] for r in harness.query(
        url, "SELECT proposal_id, data FROM audit_events WHERE kind = 'proposal.submitted'")}
    for pid, sent in acknowledged["proposals"].items():
        assert submitted[pid] == sent["text"]
    comments = {r.id: r.body for r in harness.query(
        url, "SELECT id, body FROM comments WHERE body LIKE :tag", tag=f"{TAG} %")}
    assert {cid: comments.get(cid) for cid in acknowledged["comments"]} == {
        cid: sent["body"] for cid, sent in acknowledged["comments"].items()}
    for pid in acknowledged["accepted"]:
        assert proposals[pid].status == "accepted" and proposals[pid].result_version_id
    versions = harness.query(url, "SELECT v.proposal_id, v.number FROM clause_versions v "
                                  "JOIN proposals p ON p.id = v.proposal_id "
                                  "WHERE p.rationale LIKE :tag", tag=f"{TAG} %")
    for version in versions:
        if version.proposal_id in acknowledged["accepted"]:
            assert version.number == acknowledged["accepted"][version.proposal_id] + 1

    # Nothing is half-written: the database's own invariants hold and the chain verifies.
    assert harness.invariant_violations(url) == {name: [] for name in harness.INVARIANTS}
    verified_after_kill = harness.audit_chain_verifies(url, command=True)

    # A new server on the same database takes writes again.
    restarted = start_server(workers=1)
    token = tokens["aus"]
    clause = call("GET", f"{restarted.base}/api/v1/clauses/{targets[0]}", token=token).json()
    proposal = call("POST", f"{restarted.base}/api/v1/clauses/{targets[0]}/proposals",
                    token=token, body={"action": "amend", "rationale": "after the restart",
                                       "text": harness.replace_word(clause["text"], 1, "Restart")})
    assert proposal.status == 201, proposal.body
    comment = call("POST", f"{restarted.base}/api/v1/clauses/{targets[0]}/comments",
                   token=token, body={"body": "Still here after the restart."})
    assert comment.status == 201, comment.body
    decision = call("POST", f"{restarted.base}/api/v1/proposals/{proposal.json()['id']}/decision",
                    token=tokens["secretariat"],
                    body={"decision": "accept", "expected_version": clause["version"]})
    assert decision.status == 200, decision.body
    assert harness.query(url, "SELECT status FROM proposals WHERE id = :id",
                         id=proposal.json()["id"])[0][0] == "accepted"
    assert harness.invariant_violations(url) == {name: [] for name in harness.INVARIANTS}
    harness.audit_chain_verifies(url)

    in_flight_committed = {
        "proposals": len(set(proposals) - set(acknowledged["proposals"])),
        "comments": len(set(comments) - set(acknowledged["comments"])),
    }
    figures = {
        "writer_threads": len(WRITERS) + 1, "requests": ledger.requests,
        "write_attempts": attempts,
        "acknowledged": {k: len(v) for k, v in acknowledged.items()},
        "acknowledged_found": {
            "proposals": len(set(acknowledged["proposals"]) & set(proposals)),
            "comments": len(set(acknowledged["comments"]) & set(comments)),
            "accepted": sum(1 for pid in acknowledged["accepted"]
                            if proposals[pid].status == "accepted")},
        "committed_but_unacknowledged": in_flight_committed,
        "requests_without_answer": ledger.no_answer,
        "audit_after_kill": verified_after_kill,
    }
    harness.report("kill", figures)
