"""Writing audit events onto the hash chain."""
from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass

from blinker import signal
from sqlalchemy import bindparam, func, inspect, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from drafting.domain.audit_chain import (GENESIS_HASH, ChainBreak, canonical_json, event_hash,
                                         payload_around_prev, verify_chain)
from drafting.extensions import db
from drafting.models import AuditEvent
from drafting.models.types import utcnow


@dataclass(frozen=True)
class RequestOrigin:
    remote_addr: str = ""
    request_id: str = ""


# Set by the web layer for each request (and by the CLI), read here, so services can say
# "from which request" without importing Flask.
current_origin: contextvars.ContextVar[RequestOrigin] = contextvars.ContextVar(
    "current_origin", default=RequestOrigin()
)

# Sent for every event appended to the chain (the event is the sender).
event_recorded = signal("drafting.audit.event-recorded")
# Sent next, with `notified_user_ids`: the users whose inboxes the event just reached.
event_notified = signal("drafting.audit.event-notified")

# The seal's two moments, for what must be written in commit order (services/live):
# `rows_to_seal` (sender: the session) is answered with lists of `SealedRow`, written with the
# events under the chain lock; `events_sealed` then tells the ids they got (`live_ids`, in the
# same order; None when the receiver is to write them itself, on SQLite, still under the lock).
rows_to_seal = signal("drafting.audit.rows-to-seal")
events_sealed = signal("drafting.audit.events-sealed")


@dataclass(frozen=True)
class SealedRow:
    """A live-update row to write at the seal (table live_events): the columns it takes from
    its audit event, plus these."""
    audit_event_id: int
    clause_number: str | None
    audience_economy_id: int | None
    audience_secretariat: bool


# The chain lock: PostgreSQL advisory lock 0x41504543 (1095779651), taken by `audit_seal` for
# the seal and released by the COMMIT, so chain places are handed out one commit at a time; the
# unique seq and prev_hash are the backstop on every database. SQLite serialises writing
# transactions itself.
# The session's events recorded and not yet sealed (session.info key).
_UNSEALED_KEY = "audit_unsealed"


def record_event(kind: str, actor=None, *, document_id: int | None = None,
                 clause_id: int | None = None, proposal_id: int | None = None,
                 **data) -> AuditEvent:
    """Write one event in the caller's transaction; its commit puts it on the chain.

    The row is inserted now, unsealed (no seq, no hashes), so the transaction reads it and
    the fan-out can name its id; no lock is taken here. `seal_events` chains it right before
    COMMIT (see docs/architecture.md, "Audit chain").
    """
    session = db.session
    origin = current_origin.get()
    economy = getattr(actor, "economy", None)
    event = AuditEvent(
        occurred_at=utcnow(),
        kind=kind,
        actor_id=getattr(actor, "id", None),
        actor_username=getattr(actor, "username", "") or "",
        economy_code=economy.code if economy else "",
        document_id=document_id,
        clause_id=clause_id,
        proposal_id=proposal_id,
        data=canonical_json(data),
        remote_addr=origin.remote_addr,
        request_id=origin.request_id,
    )
    session.add(event)
    session.flush()
    session.info.setdefault(_UNSEALED_KEY, []).append(event)
    # Fan-out, in the caller's transaction, to the services subscribed in create_app
    # (subscribe_fan_out): inboxes first — each receiver of `event_recorded` returns the
    # notifications it made — then open pages, told which users were just notified.
    notified = [notification.user_id for _receiver, made in event_recorded.send(event)
                for notification in made or ()]
    event_notified.send(event, notified_user_ids=notified)
    return event


@sa_event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: wait for the real commit
        return
    pending = session.info.get(_UNSEALED_KEY)
    if pending:
        seal_events(session, pending)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_unsealed(session: Session, transaction) -> None:
    # After a commit (already sealed) or a rollback (the rows are gone with it).
    if transaction.parent is None:
        session.info.pop(_UNSEALED_KEY, None)


def seal_events(session: Session, events: list[AuditEvent]) -> None:
    """Give the transaction's events their chain places and hashes, in the order recorded.

    Everything else of the transaction is flushed and every payload serialised first, outside
    the lock. On PostgreSQL one statement then does the rest — the function `audit_seal`
    (migration e7a3c19d5b42) takes the chain lock, reads the head, chains and updates the
    events and writes the live-update rows — and the COMMIT follows: the lock is held for that
    statement and the COMMIT, with no Python work of the worker's in between but reading the
    answer. On SQLite (whose writing transaction holds the database's lock already) the same
    steps run here in Python.
    """
    session.flush()
    session.info[_UNSEALED_KEY] = []
    events = [e for e in events if inspect(e).persistent]  # a savepoint rolled some back
    if not events:
        return
    fields = [hashed_fields(e) for e in events]
    rows = [row for _receiver, made in rows_to_seal.send(session) for row in made or ()]
    if session.get_bind().dialect.name == "postgresql":
        parts = [payload_around_prev(content) for content in fields]
        answer = session.execute(_SEAL_FUNCTION, {
            "ids": [e.id for e in events], "befores": [p[0] for p in parts],
            "afters": [p[1] for p in parts], "live_ids": [r.audit_event_id for r in rows],
            "live_extras": canonical_json([[r.clause_number, r.audience_economy_id,
                                            r.audience_secretariat] for r in rows])}).scalar()
        answer = json.loads(answer) if isinstance(answer, str) else answer
        by_id = {row[0]: row[1:] for row in answer["events"]}
        for event in events:
            seq, prev, digest = by_id[event.id]
            _mark_sealed(event, seq, prev, digest)
        events_sealed.send(session, events=events, live_ids=answer["live_ids"])
        return
    head = session.execute(_HEAD).first()
    seq, prev = (head[0], head[1]) if head else (0, GENESIS_HASH)
    params = []
    for event, content in zip(events, fields):
        seq += 1
        digest = event_hash(content, prev)
        params.append({"b_id": event.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
        prev = digest
    session.execute(_SEAL, params)
    for event, row in zip(events, params):
        _mark_sealed(event, row["b_seq"], row["b_prev"], row["b_hash"])
    events_sealed.send(session, events=events, live_ids=None)


def _mark_sealed(event: AuditEvent, seq: int, prev: str, digest: str) -> None:
    # The row is written; tell the ORM without marking the object dirty.
    set_committed_value(event, "seq", seq)
    set_committed_value(event, "prev_hash", prev)
    set_committed_value(event, "hash", digest)


_SEAL_FUNCTION = text("SELECT audit_seal(:ids, :befores, :afters, :live_ids, "
                      "CAST(:live_extras AS json))")
_HEAD = (select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.is_not(None))
         .order_by(AuditEvent.seq.desc()).limit(1))
_table = AuditEvent.__table__
_SEAL = (update(_table).where(_table.c.id == bindparam("b_id"))
         .values(seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"),
                 hash=bindparam("b_hash")))


def hashed_fields(event: AuditEvent) -> dict:
    return {
        "occurred_at": event.occurred_at.isoformat(),
        "kind": event.kind,
        "actor_username": event.actor_username,
        "economy_code": event.economy_code,
        "document_id": event.document_id,
        "clause_id": event.clause_id,
        "proposal_id": event.proposal_id,
        "data": event.data,
        "remote_addr": event.remote_addr,
        "request_id": event.request_id,
    }


def verify_audit_chain():
    """Return (number of events checked, first ChainBreak or None).

    The chain is read in seq (commit) order. A committed event with no place on the chain was
    not written by the application (every commit seals its events): it is reported too.
    """
    outside = db.session.execute(
        select(AuditEvent.id).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(1)
    ).scalar()
    if outside is not None:
        count = db.session.execute(select(func.count(AuditEvent.id))).scalar()
        return count, ChainBreak(outside, "the event has no place on the chain: it was inserted "
                                          "or its place removed outside the application")
    events = db.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    count = 0

    def rows():
        nonlocal count
        for event in events:
            count += 1
            yield event.id, hashed_fields(event), event.prev_hash, event.hash

    broken = verify_chain(rows())
    return count, broken
