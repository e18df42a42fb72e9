"""21 economies write at once while two secretariat desks decide on the same clauses.

Real HTTP against gunicorn (gunicorn.conf.py, 2 workers × 4 threads) on a PostgreSQL database
of the test's own. Each economy, in its own thread with its own API token, reads a clause,
proposes new wording for it and comments on it, several rounds over. Two secretariat users,
each in a thread with their own token, read the same clause and its open proposals, meet at a
barrier, then each accept a different proposal naming the version they both read: one must
win and the other must be refused with 409 `stale_version`.

Afterwards the database is read with SQL: every acknowledged proposal and comment is there
with the text the client sent, nothing unacknowledged appeared, every accepted proposal made
exactly one new clause version whose base is the version before it, and the audit chain
verifies (`flask verify-audit`).
"""
from __future__ import annotations

import json
import threading

from tests.faults import harness
from tests.faults.harness import Ledger, call

pytestmark = harness.MARKS

ROUNDS_PER_ECONOMY = 2  # each round: read the clause, propose, comment
TARGET_CLAUSES = 3  # the clauses everyone works on (so the desks race on each of them)
MIN_RACES = 5  # the desks go on after the economies are done until they raced this often
MAX_DESK_ROUNDS = 200  # a bound on the desks' loop, far above what the proposals need


def _economy_writer(base: str, username: str, index: int, targets: list[int],
                    start: threading.Barrier, ledger: Ledger, token: str) -> None:
    try:
        _write_as_economy(base, username, index, targets, start, ledger, token)
    except Exception as error:  # noqa: BLE001 - reported by the test, not lost with the thread
        with ledger.lock:
            ledger.unexpected.append(f"{username} stopped: {error!r}")


def _write_as_economy(base: str, username: str, index: int, targets: list[int],
                      start: threading.Barrier, ledger: Ledger, token: str) -> None:
    start.wait()
    mine: list[int] = []
    for round_ in range(ROUNDS_PER_ECONOMY):
        if round_ and mine:
            # Take back the first proposal while the desks may be deciding it: one of the two
            # wins, and the loser is told so (409 proposal_closed), never overwritten.
            answer = call("POST", f"{base}/api/v1/proposals/{mine[0]}/withdraw", token=token)
            ledger.record(answer)
            if answer.status == 200:
                with ledger.lock:
                    ledger.withdrawn.add(mine[0])
            elif answer.status != 409:
                ledger.unexpected.append(f"{username} withdraw #{mine[0]}: {answer.status}")
            mine.clear()
        clause_id = targets[(index + round_) % len(targets)]
        answer = call("GET", f"{base}/api/v1/clauses/{clause_id}", token=token)
        ledger.record(answer)
        if answer.status != 200:
            ledger.unexpected.append(f"{username} read clause {clause_id}: {answer.status}")
            continue
        # A word of its own in a place of its own: most proposals rebase cleanly when another
        # is accepted, some land next to each other and are marked in conflict.
        wording = harness.replace_word(answer.json()["text"], 3 * index + round_,
                                       f"{username.upper()}{round_}x")
        rationale = f"Fault test: {username} round {round_} — “wording” of ECONOMY {index}"
        answer = call("POST", f"{base}/api/v1/clauses/{clause_id}/proposals", token=token,
                      body={"action": "amend", "text": wording, "rationale": rationale})
        ledger.record(answer)
        if answer.status == 201:
            proposal = answer.json()
            mine.append(proposal["id"])
            with ledger.lock:
                ledger.proposals[proposal["id"]] = {"text": wording, "rationale": rationale,
                                                    "clause_id": clause_id, "user": username}
        body = f"Comment by **{username}**, round {round_}: ¿qué tal? — 中文 “quotes”"
        answer = call("POST", f"{base}/api/v1/clauses/{clause_id}/comments", token=token,
                      body={"body": body})
        ledger.record(answer)
        if answer.status == 201:
            with ledger.lock:
                ledger.comments[answer.json()["id"]] = {"body": body, "clause_id": clause_id}


class DeskRace:
    """Two secretariat desks that read the same state, then decide at the same moment."""

    def __init__(self, base: str, document_id: int, targets: list[int],
                 economies_done: threading.Event, ledger: Ledger):
        self.base, self.document_id, self.targets = base, document_id, targets
        self.economies_done, self.ledger = economies_done, ledger
        self.round = 0
        self.stop = False
        self.races = 0  # rounds in which both desks accepted on the same version
        self.race_winners: list[int] = []  # how many of the two accepts succeeded, per race
        self.race_losers: list[str] = []  # the error code each losing accept was answered
        self._attempts: dict[str, tuple[str, int, str]] = {}
        self._lock = threading.Lock()
        self.barrier = threading.Barrier(2, action=self._end_of_phase)
        self._phase = 0

    def _end_of_phase(self) -> None:
        """Runs once each time both desks reach the barrier (in one of the two threads)."""
        self._phase += 1
        if self._phase % 2:  # both have read: decisions go out next
            return
        accepts = [(status, code) for kind, status, code in self._attempts.values()
                   if kind == "accept"]
        if len(accepts) == 2:
            self.races += 1
            self.race_winners.append(sum(1 for status, _ in accepts if status == 200))
            self.race_losers += [f"{status} {code}" for status, code in accepts if status != 200]
        self._attempts.clear()
        self.round += 1
        # Decide while the economies write (the point is to race with them), then stop once
        # the desks have raced at least a few times, one of them lost to the other's decision
        # (not to a withdrawal); proposals left open stay open.
        self.stop = (self.economies_done.is_set() and self.races >= MIN_RACES
                     and "409 stale_version" in self.race_losers) \
            or self.round >= MAX_DESK_ROUNDS

    def run(self, desk: int, token: str) -> None:
        try:
            self._run(desk, token)
        except Exception as error:  # noqa: BLE001 - reported by the test, never a silent hang
            with self.ledger.lock:
                self.ledger.unexpected.append(f"desk {desk} stopped: {error!r}")
            self.barrier.abort()  # the other desk must not wait at the barrier for ever

    def _run(self, desk: int, token: str) -> None:
        base, ledger = self.base, self.ledger
        while True:
            clause_id = self.targets[self.round % len(self.targets)]
            clause = call("GET", f"{base}/api/v1/clauses/{clause_id}", token=token)
            listing = call("GET", f"{base}/api/v1/documents/{self.document_id}/proposals"
                                  f"?status=open", token=token)
            ledger.record(clause)
            ledger.record(listing)
            version = clause.json()["version"]
            open_here = [p for p in listing.json()["proposals"] if p["clause_id"] == clause_id]
            clean = [p for p in open_here if not p["in_conflict"]]
            conflicted = [p for p in open_here if p["in_conflict"]]
            self.barrier.wait()  # both desks have read version `version`
            choice = None
            if len(clean) > desk:
                choice = ("accept", clean[desk])
            elif desk == 1 and conflicted:
                choice = ("reject", conflicted[0])
            if choice is not None:
                kind, proposal = choice
                body = {"decision": kind, "expected_version": version,
                        "note": "" if kind == "accept" else "Conflicts with the agreed text."}
                answer = call("POST", f"{base}/api/v1/proposals/{proposal['id']}/decision",
                              token=token, body=body)
                ledger.record(answer)
                code = answer.json()["error"]["code"] if answer.status >= 400 else ""
                with self._lock:
                    self._attempts[f"desk{desk}"] = (kind, answer.status, code)
                with ledger.lock:
                    if answer.status == 200 and kind == "accept":
                        ledger.accepted[proposal["id"]] = version
                    elif answer.status == 200:
                        ledger.rejected.add(proposal["id"])
                    elif answer.status != 409:
                        ledger.unexpected.append(
                            f"desk {desk} {kind} #{proposal['id']}: {answer.status} "
                            f"{answer.body[:200]!r}")
            self.barrier.wait()  # both decisions are answered
            if self.stop:
                return


def test_21_economies_and_two_desks_lose_nothing_and_never_decide_on_a_stale_version(
        fault_db, start_server):
    url = fault_db.url
    server = start_server()
    base = server.base
    tokens = fault_db.tokens
    delegates = [name for name in tokens if name not in ("secretariat",
                                                         harness.SECOND_SECRETARIAT)]
    assert len(delegates) == 21

    secretariat = tokens["secretariat"]
    document_id = call("GET", f"{base}/api/v1/documents", token=secretariat
                       ).json()["documents"][0]["id"]
    document = call("GET", f"{base}/api/v1/documents/{document_id}", token=secretariat).json()
    candidates = sorted((c for c in document["clauses"] if c["open_proposals"] == 0
                         and len(c["text"].split()) >= 25),
                        key=lambda c: -len(c["text"]))
    targets = [c["id"] for c in candidates[:TARGET_CLAUSES]]
    assert len(targets) == TARGET_CLAUSES

    # Proposals and comments have random ids: what came after is told by their hidden `seq`.
    before = {
        "proposal": harness.query(url, "SELECT coalesce(max(seq), 0) FROM proposals")[0][0],
        "comment": harness.query(url, "SELECT coalesce(max(seq), 0) FROM comments")[0][0],
        "version": harness.query(url, "SELECT coalesce(max(id), 0) FROM clause_versions")[0][0],
    }

    ledger = Ledger()
    start = threading.Barrier(len(delegates))
    economies_done = threading.Event()
    desks = DeskRace(base, document_id, targets, economies_done, ledger)
    writers = [threading.Thread(target=_economy_writer,
                                args=(base, name, index, targets, start, ledger, tokens[name]))
               for index, name in enumerate(sorted(delegates))]
    desk_threads = [threading.Thread(target=desks.run, args=(0, tokens["secretariat"])),
                    threading.Thread(target=desks.run,
                                     args=(1, tokens[harness.SECOND_SECRETARIAT]))]
    for thread in writers + desk_threads:
        thread.start()
    for thread in writers:
        thread.join()
    economies_done.set()
    for thread in desk_threads:
        thread.join()

    # Every request got an answer, and none was a server error.
    assert ledger.no_answer == 0
    assert not [s for s in ledger.statuses if s >= 500], (ledger.statuses, server.log()[-3000:])
    assert not ledger.unexpected, ledger.unexpected

    # Acknowledged proposals are all there, as sent; nothing unacknowledged appeared.
    rows = harness.query(url, "SELECT id, rationale, clause_id FROM proposals WHERE seq > :b",
                         b=before["proposal"])
    assert {r.id for r in rows} == set(ledger.proposals)
    for row in rows:
        sent = ledger.proposals[row.id]
        assert (row.rationale, row.clause_id) == (sent["rationale"], sent["clause_id"])
    submitted = {r.proposal_id: json.loads(r.data) for r in harness.query(
        url, "SELECT proposal_id, data FROM audit_events WHERE kind = 'proposal.submitted' "
             "AND proposal_id IN (SELECT id FROM proposals WHERE seq > :b)",
        b=before["proposal"])}
    assert {pid: data["text"] for pid, data in submitted.items()} == {
        pid: sent["text"] for pid, sent in ledger.proposals.items()}

    # Acknowledged comments are all there, as sent; nothing unacknowledged appeared.
    rows = harness.query(url, "SELECT id, body, clause_id FROM comments WHERE seq > :b",
                         b=before["comment"])
    assert {r.id: (r.body, r.clause_id) for r in rows} == {
        cid: (sent["body"], sent["clause_id"]) for cid, sent in ledger.comments.items()}

    # Each accepted proposal made exactly one new version, one step after the version the
    # desk decided on; no other version appeared.
    versions = harness.query(url, "SELECT v.id, v.clause_id, v.number, v.proposal_id, "
                                  "p.status FROM clause_versions v "
                                  "LEFT JOIN proposals p ON p.id = v.proposal_id "
                                  "WHERE v.id > :b", b=before["version"])
    assert sorted(v.proposal_id for v in versions) == sorted(ledger.accepted)
    for version in versions:
        assert version.status in ("accepted", "accepted_modified")
        assert version.number == ledger.accepted[version.proposal_id] + 1
    final = {r.id: r.version for r in harness.query(
        url, "SELECT id, version FROM clauses WHERE id = ANY(:ids)", ids=targets)}
    for clause_id in targets:
        made_here = sorted(v.number for v in versions if v.clause_id == clause_id)
        at_start = next(c["version"] for c in document["clauses"] if c["id"] == clause_id)
        assert made_here == list(range(at_start + 1, final[clause_id] + 1)), clause_id
    rejected = harness.query(url, "SELECT id FROM proposals WHERE status = 'rejected' "
                                  "AND seq > :b", b=before["proposal"])
    assert {r.id for r in rejected} == ledger.rejected
    withdrawn = harness.query(url, "SELECT id FROM proposals WHERE status = 'withdrawn' "
                                   "AND seq > :b", b=before["proposal"])
    assert {r.id for r in withdrawn} == ledger.withdrawn
    assert not ledger.withdrawn & (set(ledger.accepted) | ledger.rejected)

    # Racing desks: never two winners on one version; a loser hears 409 stale_version, or
    # 409 proposal_closed when its economy withdrew the proposal meanwhile.
    assert desks.races > 0 and max(desks.race_winners) <= 1
    assert set(desks.race_losers) <= {"409 stale_version", "409 proposal_closed"}
    assert "409 stale_version" in desks.race_losers
    stale = ledger.count(409, "stale_version")
    assert ledger.count(409, "concurrent_change") == 0  # row locks, not the unique backstop

    assert harness.invariant_violations(url) == {name: [] for name in harness.INVARIANTS}
    verified = harness.audit_chain_verifies(url)

    figures = {
        "writers": len(delegates), "desks": 2, "requests": ledger.requests,
        "proposals_acknowledged": len(ledger.proposals),
        "comments_acknowledged": len(ledger.comments),
        "accepted": len(ledger.accepted), "rejected": len(ledger.rejected),
        "withdrawn": len(ledger.withdrawn),
        "desk_races": desks.races, "stale_version_409": stale,
        "statuses": dict(sorted(ledger.statuses.items())), "errors": ledger.errors,
        "audit": verified,
    }
    harness.report("concurrency", figures)
