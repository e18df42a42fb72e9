"""Live updates: the replay log and publishing after commit (the bus itself: live_bus.py).

Flow (docs/live.md has the whole story):

1. `record_live_event` receives the `audit.event_notified` signal (subscribed in create_app
   through `subscribe`) for every audit event, and acts on those that name a document: it
   prepares a `LiveEvent` (audience, clause number) on the session.
2. When the session's outermost transaction commits, the audit chain is sealed
   (`audit.events_sealed`, just before COMMIT, under the chain lock) and `_write_sealed` writes
   the `LiveEvent` rows then — the database is the replay log, Last-Event-ID is that row's id,
   and ids are in commit order — and NOTIFYs on PostgreSQL in the same transaction. Other
   buses publish after the commit; a rollback drops everything. Nothing is ever announced
   that did not happen.
3. Each process runs at most one subscriber on the bus (infrastructure/live_bus.py) and fans its
   messages out to the in-process queues of the open streams (web/live.py), which filter them
   per viewer.

The bus is Redis pub/sub when a Redis URL is configured (`REDIS_URL`), else PostgreSQL
LISTEN/NOTIFY when the database is PostgreSQL: any number of workers and hosts then see every
event. With SQLite, an in-process bus serves the single process — `make run`, the Flask
development server.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, event, func, inspect, or_, select, true
from sqlalchemy.orm import Session

from drafting.domain.live import PUBLIC, Audience, ReplayWindow, Subscriber, needs_reload
from drafting.domain.states import ProposalStatus, Role
from drafting.extensions import db
from drafting.models import AuditEvent, LiveEvent, Proposal, User
from drafting.services.audit import SealedRow, event_notified, events_sealed, rows_to_seal
from drafting.infrastructure.live_bus import (GAP, InProcessBus, LocalFanout, PostgresBus, RedisBus,
                                        Subscription, current_bus, forget_shared_bus, make_bus,
                                        postgres_bus, redis_bus)
from drafting.services.reading import clause_number
from drafting.services.visibility import DRAFT_EVENT_KINDS, is_circulated

log = logging.getLogger(__name__)

# Replaying more than this many missed events is slower than reloading the page.
REPLAY_LIMIT = 200
# The log keeps the newest KEEP_EVENTS rows; every PRUNE_EVERY-th row written prunes older ones
# in the same transaction (a bounded delete on the primary key, no scheduler needed).
KEEP_EVENTS = 20_000
PRUNE_EVERY = 500

_PENDING_KEY = "live_pending"  # written, to publish after the commit (Redis, in-process)
_UNWRITTEN_KEY = "live_unwritten"  # prepared, to write when the commit seals the chain
# Events about an economy's unsent work that name no single proposal.
_ECONOMY_BATCH_KINDS = frozenset({"proposals.batch_submitted"})


# --- writing the log --------------------------------------------------------------------------

def record_live_event(audit_event: AuditEvent, notified_user_ids=()) -> LiveEvent | None:
    """Prepare the live event for `audit_event` (None for an event that names no document).

    What it says and who may hear it are worked out now; the row is written when the commit
    seals the audit event (`_write_sealed`, under the chain lock, just before COMMIT), so
    live event ids are in commit order and a stream resuming from Last-Event-ID cannot miss
    an event that committed after a later id was shown."""
    if audit_event.document_id is None:
        return None
    audience = audience_for(audit_event)
    live = LiveEvent(
        occurred_at=audit_event.occurred_at, audit_event_id=audit_event.id,
        document_id=audit_event.document_id, kind=audit_event.kind,
        clause_id=audit_event.clause_id, proposal_id=audit_event.proposal_id,
        clause_number=_clause_number(audit_event.document_id, audit_event.clause_id),
        audience_economy_id=audience.economy_id, audience_secretariat=audience.secretariat)
    db.session().info.setdefault(_UNWRITTEN_KEY, []).append(
        (audit_event, live, tuple(notified_user_ids), current_bus()))
    return live


def _rows_to_seal(session: Session) -> list[SealedRow]:
    """Receiver of audit.rows_to_seal: the transaction's live events, for the seal to write."""
    unwritten = [item for item in session.info.get(_UNWRITTEN_KEY, ())
                 if inspect(item[0]).persistent]  # a savepoint rolled some back
    session.info[_UNWRITTEN_KEY] = unwritten
    return [SealedRow(audit.id, live.clause_number, live.audience_economy_id,
                      bool(live.audience_secretariat))
            for audit, live, _notified, _bus in unwritten]


def _write_sealed(session: Session, events=(), live_ids=None) -> None:
    """Receiver of audit.events_sealed (under the chain lock, just before COMMIT): the live
    events got their ids in commit order — from the seal itself on PostgreSQL (`live_ids`),
    or written here (SQLite). Then NOTIFY on PostgreSQL within the transaction (delivered at
    the commit, dropped by a rollback); other buses' messages wait for the commit.

    NOTIFY in the committing transaction itself: publishing after the commit on another
    pooled connection, while the request still held its own, was a hold-and-wait: under
    gevent, 21 economies writing at once exhausted the pool (tests/faults)."""
    unwritten = session.info.pop(_UNWRITTEN_KEY, None)
    if not unwritten:
        return
    lives = [live for _audit, live, _notified, _bus in unwritten]
    if live_ids is None:
        session.add_all(lives)
        session.flush()
    else:
        for live, live_id in zip(lives, live_ids, strict=True):
            live.id = live_id  # written by the seal; the object stays out of the session
    for _audit, live, notified, bus in unwritten:
        message = bus_message(live, notified)
        if isinstance(bus, PostgresBus):
            session.execute(select(func.pg_notify(bus.channel, bus.payload(message))))
        else:
            session.info.setdefault(_PENDING_KEY, []).append((live, message, bus))
        if live.id % PRUNE_EVERY == 0:
            session.execute(delete(LiveEvent).where(LiveEvent.id <= live.id - KEEP_EVENTS))


def audience_for(audit_event: AuditEvent) -> Audience:
    """Who may hear of the event, by the confidentiality rule of services/visibility.py."""

    if audit_event.kind in DRAFT_EVENT_KINDS:
        return Audience(economy_id=_actor_economy_id(audit_event))
    if audit_event.proposal_id is not None:
        proposal = db.session.get(Proposal, audit_event.proposal_id)
        if proposal is None:  # a deleted draft
            return Audience(economy_id=_actor_economy_id(audit_event))
        if proposal.status is ProposalStatus.DRAFT:
            return Audience(economy_id=proposal.economy_id)
        if not is_circulated(proposal):
            return Audience(economy_id=proposal.economy_id, secretariat=True)
        return PUBLIC
    if audit_event.kind in _ECONOMY_BATCH_KINDS:
        # Each proposal of the batch has its own event with its own audience; the batch event
        # itself concerns the submitting economy (and the secretariat, who receives it).
        return Audience(economy_id=_actor_economy_id(audit_event), secretariat=True)
    return PUBLIC


def _actor_economy_id(audit_event: AuditEvent) -> int:
    actor = db.session.get(User, audit_event.actor_id) if audit_event.actor_id else None
    # 0 names no economy: an event about unsent work with no economy behind it goes to nobody.
    return actor.economy_id if actor is not None and actor.economy_id else 0


def _clause_number(document_id: int, clause_id: int | None) -> str | None:
    if clause_id is None:
        return None

    return clause_number(document_id, clause_id)


def bus_message(live: LiveEvent, notified_user_ids=()) -> dict:
    """The message published on the bus: the client payload plus what the streams filter on
    (audience, and which users got a notification from it). Plain JSON values."""
    return {**live.payload(), "audience_economy_id": live.audience_economy_id,
            "audience_secretariat": bool(live.audience_secretariat),
            "notify": sorted(set(notified_user_ids))}


def message_audience(message: dict) -> Audience:
    return Audience(economy_id=message.get("audience_economy_id"),
                    secretariat=bool(message.get("audience_secretariat")))


def client_payload(message: dict) -> dict:
    return {key: message.get(key) for key in
            ("id", "kind", "document_id", "clause_id", "proposal_id", "clause_number")}


# --- publishing after commit ------------------------------------------------------------------

@event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    pending = session.info.pop(_PENDING_KEY, None)
    for _live, message, bus in pending or ():
        # Written at the seal, right before this commit: no savepoint can have undone it.
        try:
            bus.publish(message)
        except Exception:  # noqa: BLE001 - the change is committed; a lost message only delays
            log.warning("live event %s could not be published", message.get("id"),
                        exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session: Session, transaction) -> None:
    # Runs after after_commit for a commit (nothing left then) and for every rollback or close.
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
        session.info.pop(_UNWRITTEN_KEY, None)


# --- reading the log --------------------------------------------------------------------------

def subscriber_for(user) -> Subscriber:
    role = user.role if isinstance(user.role, Role) else Role(user.role)
    return Subscriber(user_id=user.id, role=role, economy_id=user.economy_id)


def audience_clause(subscriber: Subscriber):
    """SQL form of domain.live.may_receive (a test checks they agree)."""
    public = LiveEvent.audience_economy_id.is_(None)
    if subscriber.role is Role.SECRETARIAT:
        return or_(public, LiveEvent.audience_secretariat == true())
    if subscriber.role is Role.DELEGATE and subscriber.economy_id is not None:
        return or_(public, LiveEvent.audience_economy_id == subscriber.economy_id)
    return public


@dataclass
class Replay:
    """What a (re)connecting stream sends first."""

    cursor: int  # the newest live event id the subscriber may receive (0 when none)
    events: list[dict] = field(default_factory=list)  # missed events, oldest first
    reload: bool = False  # too many missed, or some pruned: the client must reload


def newest_event_id() -> int:
    """The newest live event id on record, whoever may receive it: for the server's own
    reckoning (the replay window), never to be shown to a viewer."""
    return db.session.execute(select(func.max(LiveEvent.id))).scalar() or 0


def newest_visible_event_query(subscriber: Subscriber):
    """The newest live event id (of any document) that `subscriber` may receive, as a scalar
    subquery: a page's and a stream's cursor. The newest id on record would move when another
    economy saves a draft, and a viewer comparing two cursors would learn that it did."""
    return select(func.max(LiveEvent.id)).where(audience_clause(subscriber)).scalar_subquery()


def newest_visible_event_id(subscriber: Subscriber) -> int:
    return db.session.execute(select(newest_visible_event_query(subscriber))).scalar() or 0


def replay(document_id: int, subscriber: Subscriber, last_event_id: int | None,
           limit: int | None = None) -> Replay:
    """The events of the document after `last_event_id` that the subscriber may receive, or a
    reload when they cannot all be replayed (more than `limit`, default REPLAY_LIMIT). Reads
    only; the caller releases the session."""
    limit = REPLAY_LIMIT if limit is None else limit
    oldest, newest, visible = db.session.execute(
        select(func.min(LiveEvent.id), func.max(LiveEvent.id),
               newest_visible_event_query(subscriber))).one()
    result = Replay(cursor=visible or 0)
    if last_event_id is None:
        return result
    rows = _visible_events(document_id, subscriber, last_event_id, None, limit + 1)
    if needs_reload(last_event_id, ReplayWindow(oldest, newest), len(rows), limit):
        result.reload = True
        return result
    result.events = [row.payload() for row in rows]
    return result


def events_between(document_id: int, subscriber: Subscriber, after: int, upto: int,
                   limit: int | None = None) -> list[dict] | None:
    """The document's events with `after` < id <= `upto` that the subscriber may receive,
    oldest first; None when there are more than `limit` (default REPLAY_LIMIT): the client
    must reload. For a stream that cannot vouch an earlier event reached it (infrastructure/seen_ids.SeenIds).
    Reads only; the caller releases the session."""
    limit = REPLAY_LIMIT if limit is None else limit
    rows = _visible_events(document_id, subscriber, after, upto, limit + 1)
    return None if len(rows) > limit else [row.payload() for row in rows]


def _visible_events(document_id: int, subscriber: Subscriber, after: int, upto: int | None,
                    at_most: int) -> list[LiveEvent]:
    """The document's events after `after` (up to `upto`, if given) that the subscriber may
    receive, oldest first, at most `at_most` of them."""
    query = select(LiveEvent).where(LiveEvent.document_id == document_id,
                                    LiveEvent.id > after, audience_clause(subscriber))
    if upto is not None:
        query = query.where(LiveEvent.id <= upto)
    return list(db.session.execute(query.order_by(LiveEvent.id).limit(at_most)).scalars())


def subscribe() -> None:
    """Open pages follow the audit trail (called once by create_app)."""
    event_notified.connect(record_live_event, weak=False)
    rows_to_seal.connect(_rows_to_seal, weak=False)
    events_sealed.connect(_write_sealed, weak=False)


__all__ = [
    "audience_clause", "audience_for", "bus_message", "client_payload", "current_bus",
    "events_between", "forget_shared_bus", "GAP",
    "InProcessBus", "KEEP_EVENTS", "LocalFanout", "make_bus", "message_audience",
    "newest_event_id", "newest_visible_event_id", "newest_visible_event_query",
    "postgres_bus", "PostgresBus", "PRUNE_EVERY", "record_live_event",
    "redis_bus", "RedisBus", "Replay", "replay", "REPLAY_LIMIT", "subscribe", "subscriber_for",
    "Subscription",
]
