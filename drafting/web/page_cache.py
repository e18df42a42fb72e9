"""Rendered page fragments shared by every viewer who would see the same thing.

When the secretariat issues a revision, every delegate in the room reloads the document page
within seconds. Their pages differ only in the header (name, unread count, the log-out form's
CSRF token); the document itself — sections, clauses, tracked changes, banners, the links a
role may follow — is the same for everyone of one visibility class (role, economy, active:
see http_cache.visibility_class) looking at the same state of the document. So that part is
rendered once per (state, view, class) and kept, per process, in a small LRU
(``FRAGMENT_CACHE_ENTRIES``, default 256; ``FRAGMENT_CACHE_BYTES``, default 32 MiB; 0 entries
turns it off).

The key is the document page's ETag key without the viewer's own identity (see
http_cache.document_body_key): the change marker (newest audit event about the document, so
any audited change makes a new key), the view, the revision, the viewer's class, the deadline
countdowns (they tick by the minute) and the build. A fragment must therefore hold nothing
personal: no CSRF token, no user name — templates/documents/show.html keeps its forms outside
the cached block.

In a template::

    {% cache body_cache_key %} … {% endcache %}

A false key (None, undefined) renders the block as usual and keeps nothing.

**One rendering at a time.** When a revision is issued, the whole room asks for the new state
within a second, and every request of a worker misses the cache at once; under gevent each of
them would build the read model and render the same body while the others wait on the
database. So the first request to miss a key renders it, and the worker's other requests for
that key wait for it (up to ``FRAGMENT_RENDER_WAIT`` seconds, default 5) and then take it from
the cache. If that rendering fails, they render it themselves.
"""
from __future__ import annotations

import threading
from collections.abc import Hashable

from flask import current_app, g
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

from drafting.web.memory_cache import BoundedCache, setting

_PINNED = "pinned_fragments"
_RENDERING = "fragments_rendering"  # keys this request promised to render
_DEFAULT_RENDER_WAIT = 5.0


class _RenderingRegistry:
    """Keys being rendered in this process, each with the event its waiters wait on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[Hashable, threading.Event] = {}

    def claim(self, key: Hashable) -> threading.Event | None:
        """None when the caller is now the one rendering `key`; otherwise the event that is
        set when the request rendering it is done."""
        with self._lock:
            event = self._events.get(key)
            if event is None:
                self._events[key] = threading.Event()
            return event

    def release(self, key: Hashable) -> None:
        with self._lock:
            event = self._events.pop(key, None)
        if event is not None:
            event.set()


def _registry() -> _RenderingRegistry:
    registry = current_app.extensions.get("drafting_fragments_rendering")
    if registry is None:
        registry = current_app.extensions.setdefault("drafting_fragments_rendering",
                                                     _RenderingRegistry())
    return registry


def _render_wait() -> float:
    value = current_app.config.get("FRAGMENT_RENDER_WAIT", _DEFAULT_RENDER_WAIT)
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return _DEFAULT_RENDER_WAIT


def fragment_cache() -> BoundedCache:
    """The current application's fragment cache (one per application object, i.e. process)."""
    cache = current_app.extensions.get("drafting_fragment_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("drafting_fragment_cache", BoundedCache(
            setting("FRAGMENT_CACHE_ENTRIES", 256),
            setting("FRAGMENT_CACHE_BYTES", 32 * 1024 * 1024)))
    return cache


def lookup(key: Hashable | None) -> Markup | None:
    """The fragment kept under `key`, pinned for the rest of the request (so the template
    renders exactly what the view saw, even if another request evicts it meanwhile)."""
    if not key:
        return None
    cache = fragment_cache()
    html = cache.get(key)
    if html is None and cache.max_entries:  # switched off: nothing to wait for
        rendering = _registry().claim(key)
        if rendering is None:  # ours to render: the template keeps it and releases the key
            g.setdefault(_RENDERING, set()).add(key)
        elif rendering.wait(_render_wait()):
            html = cache.get(key)  # None if that rendering failed: render it here
    g.setdefault(_PINNED, {})[key] = html  # None: a miss, rendered and kept by the template
    return html


def _release_claims(exc=None) -> None:
    """Let waiters go, also when this request failed before keeping what it claimed."""
    for key in g.pop(_RENDERING, ()):
        _registry().release(key)


class FragmentCacheExtension(Extension):
    """The ``{% cache key %}…{% endcache %}`` tag."""

    tags = {"cache"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_cached", [key]), [], [], body) \
            .set_lineno(lineno)

    def _cached(self, key, caller) -> str:
        if not key:
            return caller()
        pinned = g.get(_PINNED, {})
        html = pinned[key] if key in pinned else fragment_cache().get(key)
        if html is None:
            html = Markup(caller())
            fragment_cache().put(key, html, len(html))
            if key in g.get(_RENDERING, ()):
                g.get(_RENDERING).discard(key)
                _registry().release(key)
        return html


def init_app(app) -> None:
    app.jinja_env.add_extension(FragmentCacheExtension)
    app.teardown_request(_release_claims)
