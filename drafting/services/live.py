"""Live updates: the replay log, publishing after commit, and the bus between processes.

Flow (docs/live.md has the whole story):

1. `services.audit.record_event` calls `record_live_event` for every audit event that names a
   document. It writes a `LiveEvent` row in the caller's transaction — the database is the
   replay log, and Last-Event-ID is that row's id — and queues a bus message on the session.
2. When the session's outermost transaction commits, the queued messages are published on the
   bus; when it rolls back they are dropped. Nothing is ever announced that did not happen.
3. Each process runs at most one subscriber on the bus and fans its messages out to the
   in-process queues of the open streams (web/live.py), which filter them per viewer.

The bus is Redis pub/sub when a Redis URL is configured (`REDIS_URL`), else PostgreSQL
LISTEN/NOTIFY when the database is PostgreSQL: any number of workers and hosts then see every
event. With SQLite, an in-process bus serves the single process — `make run`, the Flask
development server.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
from dataclasses import dataclass, field

from sqlalchemy import delete, event, func, inspect, or_, select, true
from sqlalchemy.orm import Session

from drafting.domain.live import PUBLIC, Audience, ReplayWindow, Subscriber, needs_reload
from drafting.domain.states import ProposalStatus, Role
from drafting.extensions import db
from drafting.models import AuditEvent, Document, LiveEvent, Proposal, User

log = logging.getLogger(__name__)

# Replaying more than this many missed events is slower than reloading the page.
REPLAY_LIMIT = 200
# The log keeps the newest KEEP_EVENTS rows; every PRUNE_EVERY-th row written prunes older ones
# in the same transaction (a bounded delete on the primary key, no scheduler needed).
KEEP_EVENTS = 20_000
PRUNE_EVERY = 500
# Messages waiting for one slow stream; beyond this it is told to reload instead.
STREAM_QUEUE_SIZE = 256

_PENDING_KEY = "live_pending"
# Events about an economy's unsent work that name no single proposal.
_ECONOMY_BATCH_KINDS = frozenset({"proposals.batch_submitted"})


# --- writing the log --------------------------------------------------------------------------

def record_live_event(audit_event: AuditEvent, notified_user_ids=()) -> LiveEvent | None:
    """Write the live event for `audit_event` (in the caller's transaction) and queue its
    publication for after the commit. None for an event that names no document."""
    if audit_event.document_id is None:
        return None
    audience = audience_for(audit_event)
    live = LiveEvent(
        occurred_at=audit_event.occurred_at, audit_event_id=audit_event.id,
        document_id=audit_event.document_id, kind=audit_event.kind,
        clause_id=audit_event.clause_id, proposal_id=audit_event.proposal_id,
        clause_number=_clause_number(audit_event.document_id, audit_event.clause_id),
        audience_economy_id=audience.economy_id, audience_secretariat=audience.secretariat)
    session = db.session()
    session.add(live)
    session.flush()
    message = bus_message(live, notified_user_ids)
    session.info.setdefault(_PENDING_KEY, []).append((live, message, current_bus()))
    if live.id % PRUNE_EVERY == 0:
        session.execute(delete(LiveEvent).where(LiveEvent.id <= live.id - KEEP_EVENTS))
    return live


def audience_for(audit_event: AuditEvent) -> Audience:
    """Who may hear of the event, by the confidentiality rule of services/visibility.py."""
    from drafting.services.visibility import DRAFT_EVENT_KINDS, is_circulated  # noqa: PLC0415

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
    from drafting.services.reading import display_numbers  # noqa: PLC0415 (import cycle)

    document = db.session.get(Document, document_id)
    return display_numbers(document).get(clause_id) if document is not None else None


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

@event.listens_for(Session, "before_commit")
def _notify_within_the_transaction(session: Session) -> None:
    """On PostgreSQL, NOTIFY in the committing transaction itself: PostgreSQL delivers it at
    the commit, and drops it on a rollback. Publishing after the commit on another pooled
    connection, while the request still held its own, was a hold-and-wait: under gevent,
    21 economies writing at once exhausted the pool (each request waiting for a second
    connection), and requests failed after the pool timeout (tests/faults)."""
    pending = session.info.get(_PENDING_KEY)
    if not pending:
        return
    remaining = []
    for live, message, bus in pending:
        if isinstance(bus, PostgresBus) and inspect(live).persistent:
            session.execute(select(func.pg_notify(bus.channel, bus.payload(message))))
        elif inspect(live).persistent:
            remaining.append((live, message, bus))
    session.info[_PENDING_KEY] = remaining


@event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    for live, message, bus in pending or ():
        # A row added inside a savepoint that was rolled back is no longer persistent.
        if not inspect(live).persistent:
            continue
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


# --- the bus ----------------------------------------------------------------------------------

# Put in a stream's queue when messages may have been lost (bus reconnected, queue overflowed):
# the stream tells its client to reload.
GAP = {"gap": True}


class Subscription:
    """One open stream's queue of bus messages. Use as a context manager, or close()."""

    def __init__(self, fanout: LocalFanout, maxsize: int = STREAM_QUEUE_SIZE) -> None:
        self._fanout = fanout
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._overflowed = False

    def offer(self, message: dict) -> None:
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            self._overflowed = True

    def get(self, timeout: float) -> dict | None:
        """The next message, GAP when some were lost, or None after `timeout` seconds."""
        if self._overflowed:
            self._overflowed = False
            self._drain()
            return GAP
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        self._fanout.remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalFanout:
    """The open streams of this process. Only stdlib locks and queues, which gevent patches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()

    def add(self) -> Subscription:
        subscription = Subscription(self)
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    def deliver(self, message: dict) -> None:
        with self._lock:
            targets = list(self._subscriptions)
        for subscription in targets:
            subscription.offer(message)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._subscriptions)


class InProcessBus:
    """A bus for one process: publishing delivers straight to this process's streams."""

    name = "in-process"

    def __init__(self) -> None:
        self.fanout = LocalFanout()

    def publish(self, message: dict) -> None:
        self.fanout.deliver(dict(message))

    def subscribe(self) -> Subscription:
        return self.fanout.add()

    def close(self) -> None:
        pass


class RedisBus:
    """Redis pub/sub on one channel. One listener per process (a thread, or a greenlet under
    gevent) holds the only subscribing connection and fans messages out to the streams;
    publishing borrows a connection from the client's pool."""

    name = "redis"

    def __init__(self, url: str, channel: str, *, ready_timeout: float = 5.0,
                 client_name: str = "drafting-live") -> None:
        import redis  # noqa: PLC0415 (only needed when configured)

        self.url = url
        self.channel = channel
        self.fanout = LocalFanout()
        # No socket timeout for reads: the listener waits on its socket with its own timeout,
        # and a publish is one short command.
        self._client = redis.Redis.from_url(url, socket_connect_timeout=3,
                                            health_check_interval=30, client_name=client_name)
        self._ready_timeout = ready_timeout
        self._start_lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping = threading.Event()

    def publish(self, message: dict) -> None:
        self._client.publish(self.channel, json.dumps(message, separators=(",", ":")))

    def subscribe(self) -> Subscription:
        subscription = self.fanout.add()
        self._ensure_listener()
        # Wait for the channel subscription to be confirmed, so an event committed right after
        # the stream opened is not lost; a Redis that does not answer delays, never blocks.
        self._ready.wait(self._ready_timeout)
        return subscription

    def _ensure_listener(self) -> None:
        if self._listener is not None and self._listener.is_alive():
            return
        with self._start_lock:
            if self._listener is None or not self._listener.is_alive():
                self._stopping.clear()
                self._listener = threading.Thread(target=self._listen, daemon=True,
                                                  name=f"live-bus {self.channel}")
                self._listener.start()

    def _listen(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            pubsub = self._client.pubsub()
            try:
                pubsub.subscribe(self.channel)
                while not self._stopping.is_set():
                    item = pubsub.get_message(timeout=1.0)
                    if item is None:
                        continue
                    if item["type"] == "subscribe":
                        if self._ready.is_set():  # a re-subscription: messages may be lost
                            self.fanout.deliver(GAP)
                        self._ready.set()
                        backoff = 0.5
                    elif item["type"] == "message":
                        self._deliver_raw(item["data"])
            except Exception:  # noqa: BLE001 - keep listening whatever Redis does
                log.warning("live bus: Redis connection lost; reconnecting", exc_info=True)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                try:
                    pubsub.close()
                except Exception:  # noqa: BLE001
                    pass

    def _deliver_raw(self, data) -> None:
        try:
            message = json.loads(data)
        except (TypeError, ValueError):
            log.warning("live bus: ignored a message that is not JSON")
            return
        if isinstance(message, dict):
            self.fanout.deliver(message)

    def close(self) -> None:
        """Stop the listener (tests; a worker that exits does not need it)."""
        self._stopping.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
        self._ready.clear()
        self._client.close()


class PostgresBus:
    """PostgreSQL LISTEN/NOTIFY on one channel, for deployments on PostgreSQL without Redis.

    Same shape as RedisBus: one listening connection per process (its own, in autocommit,
    outside the application's pool, opened when the first stream subscribes) fans
    notifications out to the streams. Publishing borrows a connection of the application's
    pool for one statement; outside an application (tests of the bus itself) it uses one
    connection of its own, shared under a lock. A
    NOTIFY payload is limited to 8000 bytes: a message naming more notified users than fit says
    "notify_all" instead (every stream then refreshes its header's count).
    """

    name = "postgresql"
    PAYLOAD_LIMIT = 7900

    def __init__(self, url: str, channel: str, *, ready_timeout: float = 5.0,
                 application_name: str = "drafting-live") -> None:
        from sqlalchemy.engine import make_url  # noqa: PLC0415

        self.url = url
        self.channel = channel
        self.fanout = LocalFanout()
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        self._application_name = application_name
        self._ready_timeout = ready_timeout
        self._publish_lock = threading.Lock()
        self._publisher = None
        self._start_lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping = threading.Event()

    def _connect(self):
        import psycopg  # noqa: PLC0415

        return psycopg.connect(self._conninfo, autocommit=True, connect_timeout=3,
                               application_name=self._application_name)

    def payload(self, message: dict) -> str:
        payload = json.dumps(message, separators=(",", ":"))
        if len(payload.encode()) > self.PAYLOAD_LIMIT:
            payload = json.dumps({**message, "notify": [], "notify_all": True},
                                 separators=(",", ":"))
        return payload

    def publish(self, message: dict) -> None:
        payload = self.payload(message)
        if _publish_through_app_pool(payload, self.channel):
            return
        with self._publish_lock:
            for attempt in (1, 2):  # a connection the server dropped is replaced once
                try:
                    if self._publisher is None or self._publisher.closed:
                        self._publisher = self._connect()
                    self._publisher.execute("SELECT pg_notify(%s, %s)", (self.channel, payload))
                    return
                except Exception:
                    self._close_publisher()
                    if attempt == 2:
                        raise

    def _close_publisher(self) -> None:
        try:
            if self._publisher is not None:
                self._publisher.close()
        except Exception:  # noqa: BLE001
            pass
        self._publisher = None

    def subscribe(self) -> Subscription:
        subscription = self.fanout.add()
        self._ensure_listener()
        self._ready.wait(self._ready_timeout)
        return subscription

    def _ensure_listener(self) -> None:
        if self._listener is not None and self._listener.is_alive():
            return
        with self._start_lock:
            if self._listener is None or not self._listener.is_alive():
                self._stopping.clear()
                self._listener = threading.Thread(target=self._listen, daemon=True,
                                                  name=f"live-bus {self.channel}")
                self._listener.start()

    def _listen(self) -> None:
        from psycopg import sql  # noqa: PLC0415

        backoff = 0.5
        while not self._stopping.is_set():
            try:
                with self._connect() as connection:
                    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    if self._ready.is_set():  # listening again: messages may be lost
                        self.fanout.deliver(GAP)
                    self._ready.set()
                    backoff = 0.5
                    while not self._stopping.is_set():
                        for notification in connection.notifies(timeout=1.0):
                            if notification.channel == self.channel:
                                self._deliver_raw(notification.payload)
            except Exception:  # noqa: BLE001 - keep listening whatever the server does
                if self._stopping.is_set():
                    return
                log.warning("live bus: PostgreSQL listener lost its connection; reconnecting",
                            exc_info=True)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    _deliver_raw = RedisBus._deliver_raw

    def close(self) -> None:
        """Stop the listener and close both connections (tests)."""
        self._stopping.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
        self._ready.clear()
        with self._publish_lock:
            self._close_publisher()


def _publish_through_app_pool(payload: str, channel: str) -> bool:
    """NOTIFY on a connection of the current app's pool (no standing extra connection);
    False outside an app, or when the app is not on PostgreSQL."""
    from flask import has_app_context  # noqa: PLC0415

    if not has_app_context() or db.engine.dialect.name != "postgresql":
        return False
    with db.engine.connect() as connection:
        connection.execute(select(func.pg_notify(channel, payload)))
        connection.commit()
    return True


# One Redis or PostgreSQL bus per (URL, channel) and process, shared by every app object in
# the process (tests build many).
_shared_buses: dict[tuple[str, str, str], object] = {}
_shared_lock = threading.Lock()
_fallback_bus = InProcessBus()


def _shared(kind: str, url: str, channel: str, factory):
    with _shared_lock:
        bus = _shared_buses.get((kind, url, channel))
        if bus is None:
            bus = _shared_buses[(kind, url, channel)] = factory(url, channel)
        return bus


def redis_bus(url: str, channel: str) -> RedisBus:
    return _shared("redis", url, channel, RedisBus)


def postgres_bus(url: str, channel: str) -> PostgresBus:
    return _shared("postgresql", url, channel, PostgresBus)


def forget_shared_bus(bus) -> None:
    """Close a shared bus and drop it from the cache (tests)."""
    with _shared_lock:
        for key, value in list(_shared_buses.items()):
            if value is bus:
                del _shared_buses[key]
    bus.close()


def make_bus(redis_url: str | None, channel_prefix: str = "drafting",
             database_url: str | None = None, choice: str = ""):
    """The bus for these settings (docs/live.md):

    - `choice` "memory" forces the in-process bus (one process, whatever the database);
    - a Redis URL → Redis pub/sub;
    - else a PostgreSQL database → LISTEN/NOTIFY on it;
    - else (SQLite, one process) → a new in-process bus.
    """
    choice = (choice or "").strip().lower()
    if choice == "memory":
        return InProcessBus()
    if redis_url:
        return redis_bus(redis_url, f"{channel_prefix}:live")
    if database_url and database_url.startswith("postgresql"):
        return postgres_bus(database_url, f"{channel_prefix}:live")
    return InProcessBus()


def current_bus():
    """The bus of the current app (web/live.py installs it), or a process-wide in-process bus
    outside any app."""
    from flask import current_app, has_app_context  # noqa: PLC0415

    if has_app_context():
        bus = current_app.extensions.get("drafting.live_bus")
        if bus is not None:
            return bus
    return _fallback_bus


# --- reading the log --------------------------------------------------------------------------

def subscriber_for(user) -> Subscriber:
    role = user.role if isinstance(user.role, Role) else Role(user.role)
    return Subscriber(user_id=user.id, role=role, economy_id=user.economy_id)


def _audience_clause(subscriber: Subscriber):
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

    cursor: int  # the newest live event id on record (0 when none)
    events: list[dict] = field(default_factory=list)  # missed events, oldest first
    reload: bool = False  # too many missed, or some pruned: the client must reload


def newest_event_id() -> int:
    return db.session.execute(select(func.max(LiveEvent.id))).scalar() or 0


def replay(document_id: int, subscriber: Subscriber, last_event_id: int | None,
           limit: int | None = None) -> Replay:
    """The events of the document after `last_event_id` that the subscriber may receive, or a
    reload when they cannot all be replayed (more than `limit`, default REPLAY_LIMIT). Reads
    only; the caller releases the session."""
    limit = REPLAY_LIMIT if limit is None else limit
    oldest, newest = db.session.execute(
        select(func.min(LiveEvent.id), func.max(LiveEvent.id))).one()
    result = Replay(cursor=newest or 0)
    if last_event_id is None:
        return result
    rows = list(db.session.execute(
        select(LiveEvent)
        .where(LiveEvent.document_id == document_id, LiveEvent.id > last_event_id,
               _audience_clause(subscriber))
        .order_by(LiveEvent.id).limit(limit + 1)).scalars())
    if needs_reload(last_event_id, ReplayWindow(oldest, newest), len(rows), limit):
        result.reload = True
        return result
    result.events = [row.payload() for row in rows]
    return result


__all__ = [
    "audience_for", "bus_message", "client_payload", "current_bus", "forget_shared_bus", "GAP",
    "InProcessBus", "KEEP_EVENTS", "LocalFanout", "make_bus", "message_audience",
    "newest_event_id", "postgres_bus", "PostgresBus", "PRUNE_EVERY", "record_live_event",
    "redis_bus", "RedisBus", "Replay", "replay", "REPLAY_LIMIT", "subscriber_for", "Subscription",
]
