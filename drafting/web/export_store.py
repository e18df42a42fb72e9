"""Where rendered export files are kept between requests: this process's memory, and Redis
when the application has one (``REDIS_URL``), so that a file rendered by one worker or host is
served by every other instead of being rendered again there.

Two levels, looked up in order:

1. the process's LRU (``BoundedCache``: ``EXPORT_CACHE_ENTRIES``, default 32, and
   ``EXPORT_CACHE_BYTES``, default 32 MiB) — a hit costs no network;
2. Redis, under ``<LIVE_CHANNEL_PREFIX>:export:<sha256 of the key>`` — a hash with the file's
   bytes, media type and name, kept ``EXPORT_CACHE_SECONDS`` (a day; the key holds the date,
   so nothing older could be asked for) and at most ``EXPORT_CACHE_SHARED_MAX_BYTES`` (16 MiB)
   per file. ``EXPORT_CACHE_SHARED=0`` keeps exports out of Redis.

The key is the export's full key (web/http_cache.export_key): build, document, the viewer's
change marker, mode, format, revisions compared, date and the viewer's visibility class. So a
file is only ever served to viewers who see exactly the same proposals as the one it was
rendered for — on any host — and a change the viewer may see makes a new key.

Nothing depends on a hit. Redis being slow or away costs a render, never an error: every
Redis call has a short timeout, a failure is logged and Redis is left alone for a few seconds.
Values are stored as plain fields (bytes and two strings), never pickled: what is read back
from Redis is data, not code.

Why not Flask-Caching's RedisCache: it pickles values (so whoever can write to Redis could run
code in every worker), its in-process SimpleCache has no byte bound, and it would be a new
dependency for what is three Redis commands.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Hashable

from flask import Flask, current_app

from drafting.services.export_files import ExportFile
from drafting.web.memory_cache import BoundedCache, setting

log = logging.getLogger(__name__)

_EXTENSION = "drafting_export_cache"
REDIS_TIMEOUT_SECONDS = 1.0
PAUSE_AFTER_FAILURE_SECONDS = 5.0


class ExportStore:
    """The process's LRU in front of an optional Redis shared by every process and host."""

    def __init__(self, local: BoundedCache, redis_client=None, *, prefix: str = "drafting",
                 ttl_seconds: int = 86400, max_shared_bytes: int = 16 * 1024 * 1024) -> None:
        self.local = local
        self.redis = redis_client
        self.prefix = f"{prefix}:export:"
        self.ttl_seconds = max(1, ttl_seconds)
        self.max_shared_bytes = max_shared_bytes
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.shared_hits = 0
        self.shared_misses = 0

    @property
    def shared(self) -> bool:
        return self.redis is not None

    def redis_key(self, key: Hashable) -> str:
        return self.prefix + hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: Hashable):
        found = self.local.get(key)
        if found is not None or not self._redis_usable():
            return found
        try:
            fields = self.redis.hgetall(self.redis_key(key))
        except Exception as error:  # noqa: BLE001 - any Redis failure is a miss
            self._failed("read", error)
            return None
        file = _from_fields(fields)
        with self._lock:
            if file is None:
                self.shared_misses += 1
            else:
                self.shared_hits += 1
        if file is not None:
            self.local.put(key, file, len(file.content))
        return file

    def put(self, key: Hashable, value, size: int) -> None:
        self.local.put(key, value, size)
        if (not isinstance(value, ExportFile) or size > self.max_shared_bytes
                or not self._redis_usable()):
            return
        name = self.redis_key(key)
        try:
            with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(name)
                pipe.hset(name, mapping={"content": value.content,
                                         "media_type": value.media_type,
                                         "filename": value.filename})
                pipe.expire(name, self.ttl_seconds)
                pipe.execute()
        except Exception as error:  # noqa: BLE001 - the file was served; keeping it is a bonus
            self._failed("write", error)

    def _redis_usable(self) -> bool:
        return self.redis is not None and time.monotonic() >= self._paused_until

    def _failed(self, what: str, error: Exception) -> None:
        with self._lock:
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
        log.warning("export cache: Redis %s failed (%s); rendering instead for %.0f s",
                    what, str(error).strip().splitlines()[0] if str(error).strip() else
                    type(error).__name__, PAUSE_AFTER_FAILURE_SECONDS)


def _from_fields(fields: dict) -> ExportFile | None:
    try:
        content = fields[b"content"]
        media_type = fields[b"media_type"].decode()
        filename = fields[b"filename"].decode()
    except (KeyError, AttributeError, UnicodeDecodeError):
        return None  # absent, expired, or not ours
    return ExportFile(content, media_type, filename)


def _redis_client(app: Flask):
    url = app.config.get("REDIS_URL", os.environ.get("REDIS_URL", "")) or ""
    shared = str(app.config.get("EXPORT_CACHE_SHARED",
                                os.environ.get("EXPORT_CACHE_SHARED", "1"))).strip()
    if not url or shared in ("0", "false", "no", "off"):
        return None
    import redis  # noqa: PLC0415 (only needed when configured)

    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_timeout=REDIS_TIMEOUT_SECONDS,
                                client_name="drafting-export-cache")


def export_store() -> ExportStore:
    """The current application's export store (its LRU is per application object, i.e. per
    process; its Redis part, if any, is shared by all)."""
    store = current_app.extensions.get(_EXTENSION)
    if store is None:
        app = current_app._get_current_object()
        prefix = app.config.get("LIVE_CHANNEL_PREFIX",
                                os.environ.get("LIVE_CHANNEL_PREFIX", "drafting"))
        local = BoundedCache(setting("EXPORT_CACHE_ENTRIES", 32),
                             setting("EXPORT_CACHE_BYTES", 32 * 1024 * 1024))
        redis_client = _redis_client(app) if local.max_entries > 0 else None
        store = current_app.extensions.setdefault(_EXTENSION, ExportStore(
            local, redis_client, prefix=prefix,
            ttl_seconds=setting("EXPORT_CACHE_SECONDS", 86400),
            max_shared_bytes=setting("EXPORT_CACHE_SHARED_MAX_BYTES", 16 * 1024 * 1024)))
    return store
