"""The live-update bus: how a committed change reaches the open streams of every process.

Three transports with one interface (publish, subscribe, close): Redis pub/sub, PostgreSQL
LISTEN/NOTIFY, and an in-process bus for a single process on SQLite. Each process runs at most
one subscriber per bus and fans its messages out to the queues of its open streams
(`LocalFanout`, `Subscription`). What is published, and when, is services/live.py's business;
docs/live.md explains the choice of transport.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import weakref

from sqlalchemy import func, select

from drafting.extensions import db
from drafting.infrastructure.seen_ids import SeenIds

log = logging.getLogger(__name__)

# Messages waiting for one slow stream; beyond this it is told to reload instead.
STREAM_QUEUE_SIZE = 256

# Put in a stream's queue when messages may have been lost (bus reconnected, queue overflowed):
# the stream tells its client to reload.
GAP = {"gap": True}

# A message carrying this key is for the processes, not for the streams: it goes only to the
# observers of each process (`LocalFanout.observe`), e.g. "these users changed".
CONTROL = "control"

class Subscription:
    """One open stream's queue of bus messages. Use as a context manager, or close()."""

    def __init__(self, fanout: LocalFanout, maxsize: int = STREAM_QUEUE_SIZE,
                 accepts=None) -> None:
        self._fanout = fanout
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._overflowed = False
        # Which messages this stream would send on (None: all). The others never take a place
        # in the queue: a viewer who reads slowly must not be told to reload because of
        # messages they may not know of (counting them by the reload would be a side channel).
        self._accepts = accepts

    def offer(self, message: dict) -> None:
        if self._accepts is not None and message is not GAP and not message.get("gap"):
            try:
                if not self._accepts(message):
                    return
            except Exception:  # noqa: BLE001 - a malformed message is the stream's to ignore
                log.warning("live bus: a stream's filter failed", exc_info=True)
                return
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            self._overflowed = True

    @property
    def seen_ids(self) -> SeenIds:
        """Every id this process's bus delivered (not only the ones this stream accepted)."""
        return self._fanout.seen_ids

    def take_queued(self) -> list[dict]:
        """The messages waiting in the queue now, without waiting for more."""
        taken = []
        while True:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                return taken

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
        self.take_queued()

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
        self._observers: list = []
        self.seen_ids = SeenIds()

    def observe(self, method) -> None:
        """Call the bound `method(message)` for every message this process receives, GAP and
        control messages included, on the listener's thread: it must be quick. Held weakly, so
        an observer goes away with its owner (tests build an app, and a cache, per test)."""
        with self._lock:
            self._observers.append(weakref.WeakMethod(method))

    def add(self, accepts=None) -> Subscription:
        subscription = Subscription(self, accepts=accepts)
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    def deliver(self, message: dict) -> None:
        with self._lock:
            targets = [] if CONTROL in message else list(self._subscriptions)
            observers = [method for method in (ref() for ref in self._observers) if method]
            if len(observers) < len(self._observers):
                self._observers = [ref for ref in self._observers if ref() is not None]
        for observer in observers:
            try:
                observer(message)
            except Exception:  # noqa: BLE001 - an observer never stops the streams' messages
                log.exception("live bus: an observer failed")
        for subscription in targets:
            subscription.offer(message)
        if CONTROL not in message and isinstance(message.get("id"), int):
            # Only once every stream has it queued: an id marked seen is then either handled
            # by a stream already or waiting in its queue (`SeenIds`).
            self.seen_ids.add(message["id"])

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._subscriptions)


class InProcessBus:
    """A bus for one process: publishing delivers straight to this process's streams."""

    name = "in-process"
    # Reaches this process only: a change made by another process is never announced here.
    cross_process = False

    def __init__(self) -> None:
        self.fanout = LocalFanout()

    def publish(self, message: dict) -> None:
        self.fanout.deliver(dict(message))

    def subscribe(self, accepts=None) -> Subscription:
        return self.fanout.add(accepts)

    def close(self) -> None:
        pass


class _ListeningBus:
    """What the Redis and PostgreSQL buses share: one listener per process (a thread, or a
    greenlet under gevent), started by the first stream to subscribe, fanning messages out to
    the streams' queues. Each subclass provides `_listen`, the listener's loop.

    `epoch` counts the listener's connections; `listening` says whether it holds one now.
    Something remembered while the epoch stayed the same and the listener kept listening has
    missed no message (web/session_users.py relies on it)."""

    cross_process = True

    def _init_listener(self, channel: str, ready_timeout: float) -> None:
        self.channel = channel
        self.fanout = LocalFanout()
        self._ready_timeout = ready_timeout
        self._start_lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self.epoch = 0
        self.listening = False

    def _connected(self) -> None:
        self.epoch += 1
        self.listening = True

    def _disconnected(self) -> None:
        self.listening = False
        self.epoch += 1

    def ensure_listening(self) -> None:
        """Start this process's listener if it is not running (without waiting for it)."""
        self._ensure_listener()

    def subscribe(self, accepts=None) -> Subscription:
        subscription = self.fanout.add(accepts)
        self._ensure_listener()
        # Wait for the channel subscription to be confirmed, so an event committed right after
        # the stream opened is not lost; a bus that does not answer delays, never blocks.
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


class RedisBus(_ListeningBus):
    """Redis pub/sub on one channel. One listener per process (a thread, or a greenlet under
    gevent) holds the only subscribing connection and fans messages out to the streams;
    publishing borrows a connection from the client's pool."""

    name = "redis"

    def __init__(self, url: str, channel: str, *, ready_timeout: float = 5.0,
                 client_name: str = "drafting-live") -> None:
        import redis  # noqa: PLC0415 (only needed when configured)

        self.url = url
        self._init_listener(channel, ready_timeout)
        # No socket timeout for reads: the listener waits on its socket with its own timeout,
        # and a publish is one short command.
        self._client = redis.Redis.from_url(url, socket_connect_timeout=3,
                                            health_check_interval=30, client_name=client_name)

    def publish(self, message: dict) -> None:
        self._client.publish(self.channel, json.dumps(message, separators=(",", ":")))

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
                        self._connected()
                        if self._ready.is_set():  # a re-subscription: messages may be lost
                            self.fanout.deliver(GAP)
                        self._ready.set()
                        backoff = 0.5
                    elif item["type"] == "message":
                        self._deliver_raw(item["data"])
            except Exception:  # noqa: BLE001 - keep listening whatever Redis does
                self._disconnected()
                log.warning("live bus: Redis connection lost; reconnecting", exc_info=True)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                self.listening = False
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
        self._disconnected()
        self._ready.clear()
        self._client.close()


class PostgresBus(_ListeningBus):
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
        self._init_listener(channel, ready_timeout)
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        self._application_name = application_name
        self._publish_lock = threading.Lock()
        self._publisher = None

    def _connect(self):
        import psycopg  # noqa: PLC0415

        # Keepalives: a listener whose peer vanished without a word (a NAT timeout, a network
        # partition) must notice within half a minute, so that its process stops trusting
        # what it keeps (`epoch`) instead of missing news for good.
        return psycopg.connect(self._conninfo, autocommit=True, connect_timeout=3,
                               application_name=self._application_name, keepalives=1,
                               keepalives_idle=10, keepalives_interval=5, keepalives_count=3)

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

    def _listen(self) -> None:
        from psycopg import sql  # noqa: PLC0415

        backoff = 0.5
        while not self._stopping.is_set():
            try:
                with self._connect() as connection:
                    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self._connected()
                    if self._ready.is_set():  # listening again: messages may be lost
                        self.fanout.deliver(GAP)
                    self._ready.set()
                    backoff = 0.5
                    while not self._stopping.is_set():
                        for notification in connection.notifies(timeout=1.0):
                            if notification.channel == self.channel:
                                self._deliver_raw(notification.payload)
            except Exception:  # noqa: BLE001 - keep listening whatever the server does
                self._disconnected()
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
        self._disconnected()
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
