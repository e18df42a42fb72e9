"""Small in-process caches: what a worker keeps in memory between requests.

Rendered exports (web/http_cache.py), document facts under a change marker (idem), shared
page fragments (web/page_cache.py) and recently checked sessions (web/session_users.py) are
each kept in a `BoundedCache`, one per application object (so per process), sized by settings.
Nothing depends on a hit: every host and worker has its own.
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from flask import current_app


class BoundedCache:
    """A thread-safe LRU bounded by entries and by total bytes (sizes given by the caller)."""

    def __init__(self, max_entries: int = 32, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_entries = max(0, max_entries)
        self.max_bytes = max(0, max_bytes)
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        return self._bytes

    def get(self, key: Hashable):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            return None

    def put(self, key: Hashable, value, size: int) -> None:
        """Keep `value`; a value larger than a quarter of the byte bound is not kept."""
        if self.max_entries == 0 or size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                self._bytes -= self._sizes.pop(key)
                del self._items[key]
            self._items[key] = value
            self._sizes[key] = size
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                old, _ = self._items.popitem(last=False)
                self._bytes -= self._sizes.pop(old)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            if key in self._items:
                self._bytes -= self._sizes.pop(key)
                del self._items[key]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()
            self._bytes = 0


def setting(name: str, default: int) -> int:
    """A whole-number setting from the app's config, else the environment, else `default`."""
    value = current_app.config.get(name, os.environ.get(name))
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


# Passed to `BusFollowingCache.forget` for "everything".
EVERYTHING = "all"


@dataclass(frozen=True)
class ReadTicket:
    """Taken before reading from the database what a `BusFollowingCache` will keep: the read is
    kept only if nothing was forgotten meanwhile (news of a change that was committed while the
    rows were on their way would otherwise be lost)."""
    generation: int
    epoch: int


@dataclass(frozen=True)
class _Kept:
    value: object
    epoch: int
    stored_at: float


class BusFollowingCache:
    """Database rows kept in this process for as long as the live bus says nothing changed.

    Every commit that writes announces it on the bus (web/commit_news.py); `news(message)` says
    what a message makes stale: EVERYTHING, some keys, or nothing. An entry is used only while this process's bus listener has
    stayed connected since the entry was read (the bus's `epoch`): a process that may have
    missed news trusts nothing it keeps. No entry outlives `max_age` seconds either, the bound
    for a change made outside the application (an UPDATE typed into psql).

    Only for a bus that reaches every process (`cross_process`): with the in-process bus a
    `flask` command writing from another process would go unseen.
    """

    def __init__(self, bus, max_entries: int, max_age: float, news) -> None:
        self._bus = bus
        self.news = news
        self._entries = BoundedCache(max_entries=max_entries, max_bytes=max_entries * 4096)
        self.max_age = max_age
        self._generation = 0
        self._lock = threading.Lock()
        bus.fanout.observe(self.on_bus_message)

    def __len__(self) -> int:
        return len(self._entries)

    def _listening(self) -> bool:
        if self._bus.listening:
            return True
        self._bus.ensure_listening()  # a worker's first request starts its listener
        return False

    def get(self, key: Hashable):
        if not self._listening():
            return None
        kept = self._entries.get(key)
        if (kept is None or kept.epoch != self._bus.epoch
                or time.monotonic() - kept.stored_at > self.max_age):
            return None
        return kept.value

    def ticket(self) -> ReadTicket:
        return ReadTicket(self._generation, self._bus.epoch)

    def put(self, key: Hashable, value, ticket: ReadTicket, size: int = 1024) -> None:
        if not self._bus.listening:
            return
        kept = _Kept(value, ticket.epoch, time.monotonic())
        with self._lock:
            if ticket.generation == self._generation and ticket.epoch == self._bus.epoch:
                self._entries.put(key, kept, size=size)

    def forget(self, keys) -> None:
        """Forget these keys (EVERYTHING: all of them)."""
        with self._lock:
            self._generation += 1
            if keys == EVERYTHING:
                self._entries.clear()
            else:
                for key in keys:
                    self._entries.discard(key)

    def on_bus_message(self, message: dict) -> None:
        stale = EVERYTHING if message.get("gap") else self.news(message)
        if stale:
            self.forget(stale)


def bus_following_cache(app, news, entries_setting: str, entries: int,
                        age_setting: str, max_age: int) -> BusFollowingCache | None:
    """A `BusFollowingCache` for `app` when its bus reaches every process and the settings
    allow it (0 entries or 0 seconds: off); else None."""
    bus = app.extensions.get("drafting.live_bus")
    with app.app_context():
        entries = setting(entries_setting, entries)
        max_age = setting(age_setting, max_age)
    if entries > 0 and max_age > 0 and bus.cross_process:
        return BusFollowingCache(bus, entries, max_age, news)
    return None
