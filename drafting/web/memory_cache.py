"""Small in-process caches: what a worker keeps in memory between requests.

Rendered exports (web/http_cache.py), document facts under a change marker (idem) and shared
page fragments (web/page_cache.py) are each kept in a `BoundedCache`, one per application
object (so per process), sized by settings. Nothing depends on a hit: every host and worker
has its own.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Hashable

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
