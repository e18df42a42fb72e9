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
"""
from __future__ import annotations

from collections.abc import Hashable

from flask import current_app, g
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

from drafting.web.http_cache import ExportCache, _setting

_PINNED = "pinned_fragments"


def fragment_cache() -> ExportCache:
    """The current application's fragment cache (one per application object, i.e. process)."""
    cache = current_app.extensions.get("drafting_fragment_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("drafting_fragment_cache", ExportCache(
            _setting("FRAGMENT_CACHE_ENTRIES", 256),
            _setting("FRAGMENT_CACHE_BYTES", 32 * 1024 * 1024)))
    return cache


def lookup(key: Hashable | None) -> Markup | None:
    """The fragment kept under `key`, pinned for the rest of the request (so the template
    renders exactly what the view saw, even if another request evicts it meanwhile)."""
    if not key:
        return None
    html = fragment_cache().get(key)
    g.setdefault(_PINNED, {})[key] = html  # None: a miss, rendered and kept by the template
    return html


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
        return html


def init_app(app) -> None:
    app.jinja_env.add_extension(FragmentCacheExtension)
