"""21 writers seal the audit chain at once: it stays gap-free, totally ordered and verifies.

In this process, on a PostgreSQL database of the test's own: 21 threads, one per economy's
delegate, each with its own application context (session, connection). In each round every
thread submits a proposal and records a second event in the same transaction — both rows
written unsealed, without any lock (services/audit.record_event) — then all 21 wait at a
barrier, so that every transaction holds its unsealed rows before any commits, and then all
commit at once: the chain lock is contended by 21 sealing commits whose ids were handed out
in another order than the one they commit in.

Afterwards, with SQL: every event has a place (seq) and the places are 1..N with no gap and no
repeat; each transaction's two events are adjacent on the chain; the live-update rows are in
the chain's order (so a stream resuming from Last-Event-ID misses nothing); and the chain
verifies (services/audit.verify_audit_chain, what `flask verify-audit` runs).
"""
from __future__ import annotations

import threading

from sqlalchemy import select

from tests.faults import harness

pytestmark = harness.MARKS

WRITERS = 21
ROUNDS = 3
BARRIER_TIMEOUT = 120  # a guard against a hung thread, never a measure of speed


def test_21_writers_seal_a_gap_free_totally_ordered_chain(fault_db):
    from drafting import create_app
    from drafting.extensions import db
    from drafting.domain.states import Role
    from drafting.models import Clause, Document, User
    from drafting.services import proposals
    from drafting.services.audit import record_event

    app = create_app({"SQLALCHEMY_DATABASE_URI": fault_db.url, "SECRET_KEY": "faults-secret",
                      "TESTING": True,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": WRITERS + 2,
                                                    "max_overflow": 0}})
    with app.app_context():
        delegates = db.session.execute(
            select(User.id).where(User.role == Role.DELEGATE, User.economy_id.is_not(None))
            .order_by(User.id)).scalars().all()[:WRITERS]
        document_id = db.session.execute(select(Document.id).order_by(Document.id)).scalar()
        clause_ids = db.session.execute(
            select(Clause.id).where(Clause.document_id == document_id)
            .order_by(Clause.position)).scalars().all()
        events_before = len(harness.query(fault_db.url, "SELECT id FROM audit_events"))
        db.session.remove()
    assert len(delegates) == WRITERS

    barrier = threading.Barrier(WRITERS, timeout=BARRIER_TIMEOUT)
    errors: list[str] = []

    def write(index: int, user_id: int) -> None:
        for round_ in range(ROUNDS):
            with app.app_context():
                try:
                    user = db.session.get(User, user_id)
                    clause = db.session.get(Clause, clause_ids[(index + round_) % len(clause_ids)])
                    document = db.session.get(Document, document_id)
                    proposal = proposals.submit_proposal(
                        user, document, "amend", clause=clause,
                        text=f"{clause.text} Concurrent wording {index}-{round_}.")
                    record_event("test.concurrent_note", user, document_id=document_id,
                                 proposal_id=proposal.id, round=round_)
                except Exception as error:  # noqa: BLE001 - reported below, not lost
                    errors.append(f"writer {index} round {round_}: {error!r}")
                    db.session.rollback()
                    barrier.abort()
                    return
                try:
                    barrier.wait()  # all 21 hold unsealed events; now all commit at once
                    db.session.commit()
                except Exception as error:  # noqa: BLE001
                    errors.append(f"writer {index} round {round_} commit: {error!r}")
                    return
                finally:
                    db.session.remove()

    threads = [threading.Thread(target=write, args=(i, user_id))
               for i, user_id in enumerate(delegates)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        db.engine.dispose()
    assert errors == []

    rows = harness.query(fault_db.url, "SELECT id, seq, kind, proposal_id FROM audit_events "
                                       "ORDER BY seq")
    assert len(rows) == events_before + WRITERS * ROUNDS * 2
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))  # no gap, no repeat, no NULL
    ours = [r for r in rows if r.kind in ("proposal.submitted", "test.concurrent_note")
            and r.seq > events_before]
    # One transaction's events are adjacent on the chain, in the order they were recorded.
    for submitted, note in zip(ours[::2], ours[1::2]):
        assert (submitted.kind, note.kind) == ("proposal.submitted", "test.concurrent_note")
        assert submitted.proposal_id == note.proposal_id and note.seq == submitted.seq + 1
    # Ids were handed out before the commits: the chain order is the commit order, not theirs.
    live = harness.query(fault_db.url, "SELECT l.id, e.seq FROM live_events l "
                                       "JOIN audit_events e ON e.id = l.audit_event_id "
                                       "ORDER BY l.id")
    assert [r.seq for r in live] == sorted(r.seq for r in live)
    harness.audit_chain_verifies(fault_db.url)  # what `flask verify-audit` runs, in this process
