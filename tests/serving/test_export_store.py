"""The export store (web/export_store.py): a file one process rendered is served by another
through Redis, only under the same key (the viewer's visibility class is part of it), and Redis
being away costs a render, never an error."""
from __future__ import annotations

import os
import logging
import socket
import uuid

import pytest

from drafting.services.export_files import ExportFile
from drafting.web.export_store import ExportStore
from drafting.web.memory_cache import BoundedCache

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FILE = ExportFile(b"PK\x03\x04 a Word file \x00\xff", "application/vnd.openxmlformats-"
                  "officedocument.wordprocessingml.document", "Statement_clean_Rev.1.docx")


def _key(visibility: tuple) -> tuple:
    return ("export", "build", 7, "marker-hash", "clean", "docx", "", "", "2026-12-07", visibility)


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (TEST_REDIS_URL)")
    prefix = f"export-store-test-{uuid.uuid4().hex[:8]}"
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def _process(client, prefix: str) -> ExportStore:
    """What one worker process has: its own LRU, the shared Redis."""
    return ExportStore(BoundedCache(8, 1024 * 1024), client, prefix=prefix, ttl_seconds=60)


def test_a_file_kept_by_one_process_is_served_by_another(redis_client):
    client, prefix = redis_client
    one, other = _process(client, prefix), _process(client, prefix)
    delegate = ("delegate", 3, True)
    assert other.get(_key(delegate)) is None
    one.put(_key(delegate), FILE, len(FILE.content))

    assert other.get(_key(delegate)) == FILE
    assert other.local.get(_key(delegate)) == FILE  # kept in its own memory from then on
    assert (other.shared_hits, other.shared_misses) == (1, 1)
    # Stored as plain fields with an expiry, never as a pickle.
    [name] = list(client.scan_iter(match=f"{prefix}:export:*"))
    assert client.hgetall(name)[b"content"] == FILE.content
    assert 0 < client.ttl(name) <= 60


def test_another_visibility_class_never_gets_the_file(redis_client):
    client, prefix = redis_client
    one, other = _process(client, prefix), _process(client, prefix)
    one.put(_key(("delegate", 3, True)), FILE, len(FILE.content))
    for visibility in (("delegate", 4, True), ("secretariat", 1, True), ("observer", None, True),
                       ("delegate", 3, False)):
        assert other.get(_key(visibility)) is None, visibility


def test_files_above_the_shared_size_limit_stay_in_the_process(redis_client):
    client, prefix = redis_client
    one = ExportStore(BoundedCache(8, 1024 * 1024), client, prefix=prefix, max_shared_bytes=8)
    one.put(_key(("delegate", 3, True)), FILE, len(FILE.content))
    assert one.get(_key(("delegate", 3, True))) == FILE
    assert list(client.scan_iter(match=f"{prefix}:*")) == []


def test_redis_away_costs_a_render_not_an_error():
    redis = pytest.importorskip("redis")
    # Caught on the module's own logger: the app's logging set-up (run by other tests in the
    # same process) may stop records from reaching the root logger, where caplog listens.
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    export_log = logging.getLogger("drafting.web.export_store")
    export_log.addHandler(handler)
    level, export_log.level = export_log.level, logging.WARNING
    # logging.config.dictConfig (the app's logging set-up, run by other tests) disables
    # loggers that existed before it; this one must speak for the test.
    disabled, export_log.disabled = export_log.disabled, False
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5,
                         socket_timeout=0.5)
    store = ExportStore(BoundedCache(8, 1024 * 1024), client, prefix="nowhere")
    key = _key(("delegate", 3, True))
    assert store.get(key) is None
    store.put(key, FILE, len(FILE.content))  # no exception
    assert store.get(key) == FILE  # the process's own copy
    export_log.removeHandler(handler)
    export_log.setLevel(level)
    export_log.disabled = disabled
    assert any("export cache: Redis read failed" in r.getMessage() for r in records)
