"""Conditional GET for the document page and the exports, and a small cache of export files.

**ETags.** A page is only worth re-sending when something it shows has changed. Every change of
state writes an audit event (services/audit.py), so the newest event about a document that the
viewer may read (the audit trail's rule, services/visibility.py: no draft events, none about a
proposal they cannot see) — plus, to be safe, the newest event about no document at all
(accounts, say) — marks the document's state for that viewer: the *change marker*. Another
economy's unseen work (drafts, proposals not circulated) therefore moves no one else's ETag,
cached body or cached export (docs/security.md, "Side channels"). Log-ins and API tokens
(``auth.*``, ``token.*`` events) change no page and are left out, and so are the chair's
screen moves (``screen.*``: only the merge desk and the screen itself show them, and neither is
cached under the marker). We use the event's
hash rather than its id: the hash chains every earlier event, so a marker never repeats even
across a database rebuilt or restored from an older backup. Finding it costs two index
look-ups (the document's events newest first, each joined to its proposal by primary key);
nothing is rendered to compute an ETag.

The key of the document page also holds everything else the page shows that is not an audited
change: who is looking (id, role, economy, display name — pages differ by viewer), the view
(clean / changes / ?rev=N), the header's unread-notification count, the viewer's last visit
(the digest counts from it: services/visits.py), the countdowns of a
running silence procedure or submission round (they tick by the minute), the session's CSRF
secret (forms on the page carry a token derived from it), and the build of the application
(templates and code: a deployment changes every ETag). A page carrying a one-time flash message
gets no ETag at all, so a message is never replayed from a browser's cache.

ETags are weak (``W/"…"``): two renderings for the same key mean the same thing but are not
byte-identical (CSRF tokens are timestamped, Word files embed the time they were written).
Every response says ``Cache-Control: private, no-cache``: negotiating texts are confidential,
so no shared cache may keep them, and a browser must ask again each time — answered with
``304 Not Modified`` and no body when the ETag still matches.

**Export cache.** Rendering a Word or PDF file of the whole statement is the most expensive
thing the application does, and during a meeting many delegates download the same text. The
rendered file is kept under (build, document id, change marker, mode, format, from, to, date,
visibility class of the viewer): in memory, per process, in a small LRU bounded by entry count
(``EXPORT_CACHE_ENTRIES``, default 32) and total size (``EXPORT_CACHE_BYTES``, default 32 MiB),
and in Redis when the application has one (``REDIS_URL``), so that a file one host rendered is
served by every other (web/export_store.py). 0 entries disables both. It is an optimisation
only: nothing depends on a hit.

**Document facts.** Besides the change marker, the page's key needs the countdowns of the
newest silence procedure and submission round, whether a running procedure is due to be
settled, and which uncirculated proposals the viewer's class sees (the body's audience). None
of these changes without an audited change of the document — only the clock moves — so they
are looked up once per change marker and kept per process (``DocumentFacts``; plain values;
``DOCUMENT_FACTS_ENTRIES``, default 256). The document page reads the document row, the
marker, the header's unread count and the live cursor in one statement (web/page_lookups.py),
so a view whose body is cached runs two: the session's user, and that one. Where the live bus
reaches every process, both are kept in memory until a commit's news (web/session_users.py,
web/page_lookups.py), and a repeated view of an unchanged document runs none.

The visibility class is (role, economy, active): the confidentiality rules
(services/visibility.py) decide by role and economy only, so sharing a cached file inside such
a class can never show a viewer a proposal they may not see.
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import Response, current_app, g, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

from drafting.domain import workflow as wf
from drafting.domain.states import SilenceStatus
from drafting.extensions import db
from drafting.models import Document, SilenceProcedure, SubmissionRound
from drafting.models.types import utcnow
from drafting.services import stages
from drafting.services import settling
from drafting.web import page_lookups
from drafting.web.audit import _unread_notifications as unread_notifications
from drafting.web.export_store import ExportStore, export_store
from drafting.web.memory_cache import BoundedCache, setting

CACHE_CONTROL = "private, no-cache"
_ROOT = Path(__file__).resolve().parent.parent.parent
_BUILD_SOURCES = (("templates", (".html", ".txt", ".xml")), ("static", (".css", ".js")),
                  ("drafting", (".py",)))

_build_lock = threading.Lock()
_build_id: str | None = None


# --- the parts of a key -------------------------------------------------------------------------

def build_id() -> str:
    """Identifies the code being served: ``APP_RELEASE`` if set (e.g. a git commit), else a
    digest of the templates, static files and Python sources, computed once per process.
    Every process running the same code computes the same value, on every host."""
    global _build_id
    if _build_id is None:
        with _build_lock:
            if _build_id is None:
                release = os.environ.get("APP_RELEASE", "").strip()
                _build_id = release or _digest_sources()
    return _build_id


def _digest_sources() -> str:
    digest = hashlib.sha256()
    for folder, suffixes in _BUILD_SOURCES:
        base = _ROOT / folder
        for path in sorted(p for p in base.rglob("*") if p.suffix in suffixes and p.is_file()):
            digest.update(str(path.relative_to(_ROOT)).encode())
            try:
                digest.update(path.read_bytes())
            except OSError:  # a file removed while we read: it still changes the digest
                digest.update(b"\0missing")
    return digest.hexdigest()[:16]


def viewer_identity(user) -> tuple:
    """What of the viewer a page shows or depends on."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ("anonymous",)
    role = getattr(user, "role", None)
    return (user.id, getattr(role, "value", role), user.economy_id, user.display_name,
            bool(user.is_active))


def visibility_class(user) -> tuple:
    """Viewers who see exactly the same proposals (see the module's docstring)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ("anonymous",)
    role = getattr(user, "role", None)
    return (getattr(role, "value", role), user.economy_id, bool(user.is_active))


def deadline_parts(document: Document) -> tuple:
    """The countdowns and open/closed states the document page's banners show."""
    summary = stages.workflow_summary(document)
    parts: list = []
    if summary.silence is not None:
        parts += ["silence", summary.silence.id, summary.silence.status.value,
                  summary.remaining(summary.silence)]
    if summary.round is not None:
        parts += ["round", summary.round.id, summary.round_open, summary.remaining(summary.round)]
    return tuple(parts)


def _session_secret_digest() -> str:
    """Digest of the session's CSRF secret, made now if the session has none yet (the page's
    forms would make it anyway): the first rendering and the next request share one key."""
    generate_csrf()
    raw = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "")
    return hashlib.sha256(str(raw).encode()).hexdigest()[:12] if raw else ""


def make_etag(parts: Iterable) -> str:
    """A short opaque tag for the key `parts` (any values with a stable `repr`)."""
    text = "\x1f".join(repr(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- answering ----------------------------------------------------------------------------------

def matches(etag: str) -> bool:
    """Whether the request's If-None-Match names `etag` (weak comparison, as RFC 9110 asks)."""
    return request.if_none_match.contains_weak(etag)


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def respond(etag: str | None, render: Callable[[], object]) -> Response:
    """304 when the client already has `etag`; otherwise `render()`, tagged if it is a 200.

    `etag` None means "do not tag this one" (e.g. a page carrying a flash message): the
    response is rendered and marked private, no-cache, with no validator.
    """
    if etag is not None and matches(etag):
        return _not_modified(etag)
    response = make_response(render())
    if etag is not None and response.status_code == 200:
        response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@dataclass
class DocumentFacts:
    """What the document page needs to know about a document's state besides its text, kept
    per process under the change marker (so exactly as fresh as the ETag): every change of a
    silence procedure, a submission round or a proposal's circulation writes an audit event
    about the document, hence a new marker. Plain values only, never ORM objects."""

    settle_due_at: datetime | None  # earliest deadline of a running silence procedure
    silence: tuple | None  # newest procedure: (id, status value, deadline)
    round: tuple | None  # newest submission round: (id, deadline)
    # visibility class -> ids of the uncirculated open proposals it sees (see body_audience)
    private: dict = field(default_factory=dict)


def _facts_cache() -> BoundedCache:
    cache = current_app.extensions.get("drafting_document_facts")
    if cache is None:
        cache = current_app.extensions.setdefault("drafting_document_facts", BoundedCache(
            setting("DOCUMENT_FACTS_ENTRIES", 256)))
    return cache


def _load_facts(document_id: int) -> DocumentFacts:
    due = db.session.execute(
        select(func.min(SilenceProcedure.deadline))
        .where(SilenceProcedure.document_id == document_id,
               SilenceProcedure.status == SilenceStatus.RUNNING)).scalar()
    silence = db.session.execute(
        select(SilenceProcedure.id, SilenceProcedure.status, SilenceProcedure.deadline)
        .where(SilenceProcedure.document_id == document_id)
        .order_by(SilenceProcedure.id.desc()).limit(1)).first()
    latest_round = db.session.execute(
        select(SubmissionRound.id, SubmissionRound.deadline)
        .where(SubmissionRound.document_id == document_id)
        .order_by(SubmissionRound.id.desc()).limit(1)).first()
    return DocumentFacts(
        settle_due_at=due,
        silence=(silence.id, silence.status.value, silence.deadline) if silence else None,
        round=(latest_round.id, latest_round.deadline) if latest_round else None)


def _facts_deadline_parts(facts: DocumentFacts) -> tuple:
    """`deadline_parts` from the kept facts, on the banners' clock (stages.utcnow)."""
    now = stages.utcnow()
    parts: list = []
    if facts.silence is not None:
        procedure_id, status, deadline = facts.silence
        parts += ["silence", procedure_id, status, wf.time_remaining(deadline, now)]
    if facts.round is not None:
        round_id, deadline = facts.round
        parts += ["round", round_id, now < deadline, wf.time_remaining(deadline, now)]
    return tuple(parts)


def _document_state(document: Document) -> tuple:
    """(change marker, deadline parts) of the document, looked up once per request: the ETag
    and the shared-fragment key (web/page_cache.py) both need them. The facts behind the
    deadline parts are kept per process under the change marker (DocumentFacts)."""
    memo = g.setdefault("document_state", {})
    if document.id not in memo:
        marker = page_lookups.page_marker(document.id)
        key = (document.id, *marker)
        cache = _facts_cache()
        facts = cache.get(key)
        if facts is None:
            facts = _load_facts(document.id)
            cache.put(key, facts, 1)
        g.setdefault("document_facts", {})[document.id] = facts
        memo[document.id] = (*marker, _facts_deadline_parts(facts))
    return memo[document.id]


def silence_settle_due(document: Document) -> bool:
    """Whether a running silence procedure of the document has passed its deadline, so that
    the page must show it settled (web/workflow.shown_settled) — answered from the facts
    kept under the change marker, on the clock settling itself uses."""
    _document_state(document)
    due = g.document_facts[document.id].settle_due_at
    return due is not None and due <= settling.utcnow()


def forget_document_state(document: Document) -> None:
    """Drop this request's memo of the document's state (after a change made while reading)."""
    g.get("document_state", {}).pop(document.id, None)
    g.get("page_markers", {}).pop(document.id, None)
    g.get("document_facts", {}).pop(document.id, None)


def document_page_etag(document: Document, *, view_mode: str,
                       revision_number: int | None) -> str | None:
    """The ETag of GET /documents/<id> for the logged-in user, or None when the page must not
    be tagged (a flash message is waiting to be shown on it)."""
    if session.get("_flashes"):
        return None
    return make_etag((
        "document-page", build_id(), document.id, *_document_state(document),
        viewer_identity(current_user._get_current_object()), view_mode, revision_number or "",
        unread_notifications(),  # the header's count, computed once per request
        str(page_lookups.visit_point(document.id)),  # the digest's "since" (read with the page)
        _session_secret_digest(),
    ))


def body_audience(document: Document, user) -> tuple:
    """Viewers who see the same document body (sections, clauses, open proposals, the links
    their role may follow): the same role, and the same open proposals that are not public.

    An open proposal is seen by everyone once circulated; before that only by its economy's
    delegates and the secretariat (services/visibility.py). So the private part of what a
    viewer sees is the set of uncirculated open proposals visible to them — usually empty,
    which lets the delegates of all 21 economies share one rendering instead of one each.
    Links and buttons depend on the role only (services/policy.py). Drafts are never on the
    page (they are not open) and the comment counts are of clause comments, seen by all."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ("anonymous",)
    from drafting.domain.states import ProposalStatus  # noqa: PLC0415
    from drafting.models import Proposal  # noqa: PLC0415
    from drafting.services.visibility import visible_proposals_clause  # noqa: PLC0415

    # Kept with the document's facts per visibility class (who sees which proposals depends
    # on role and economy only; circulating or opening a proposal makes a new change marker).
    facts = g.get("document_facts", {}).get(document.id)
    audience_class = visibility_class(user)
    private = facts.private.get(audience_class) if facts is not None else None
    if private is None:
        private = tuple(db.session.execute(
            select(Proposal.id).where(Proposal.document_id == document.id,
                                      Proposal.status == ProposalStatus.OPEN,
                                      Proposal.circulated_at.is_(None),
                                      visible_proposals_clause(user))
            .order_by(Proposal.seq, Proposal.id)).scalars())
        if facts is not None:
            facts.private[audience_class] = private
    role = getattr(user, "role", None)
    return (getattr(role, "value", role), bool(user.is_active), user.economy_id is not None,
            private)


def document_body_key(document: Document, *, view_mode: str,
                      revision_number: int | None) -> tuple:
    """Key of the document page's body, shared by every viewer who would see the same body:
    the ETag's parts without the viewer's own identity, header and session (web/page_cache.py).
    A revision's snapshot (?rev=N) keeps the coarser visibility class."""
    user = current_user._get_current_object()
    audience = visibility_class(user) if revision_number else body_audience(document, user)
    return ("document-body", build_id(), document.id, *_document_state(document), view_mode,
            revision_number or "", audience)


# --- exports ------------------------------------------------------------------------------------

def export_cache() -> ExportStore:
    """The current application's export cache: this process's LRU, in front of Redis when the
    application has one (web/export_store.py)."""
    return export_store()


def export_key(document: Document, viewer, *, mode: str, fmt: str, from_revision,
               to_revision, include_unchanged: bool = False) -> tuple:
    """Everything an export file depends on. The date is in it because an export of the
    current text is dated the day it is made; whether a silence deadline has passed unwritten,
    because the file then shows the procedure adopted (web/workflow.shown_settled)."""
    return ("export", build_id(), document.id, *page_lookups.change_marker(document.id, viewer),
            silence_settle_due(document), mode, fmt,
            str(from_revision or "").strip(), str(to_revision or "").strip(),
            include_unchanged, utcnow().date().isoformat(), visibility_class(viewer))


def export_response(key: tuple, build: Callable[[], object],
                    send: Callable[[object], Response]) -> Response:
    """304 when the client holds the tag of `key`; else the file from the cache, or `build()`
    (kept in the cache) — handed to `send` to make the response."""
    etag = make_etag(key)
    if matches(etag):
        return _not_modified(etag)
    cache = export_cache()
    file = cache.get(key)
    if file is None:
        file = build()
        cache.put(key, file, len(getattr(file, "content", b"")))
    response = send(file)
    if response.status_code == 200:
        response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


__all__ = ["CACHE_CONTROL", "DocumentFacts", "build_id", "deadline_parts",
           "document_body_key", "document_page_etag", "export_cache",
           "export_key", "export_response", "forget_document_state", "make_etag", "matches",
           "respond", "silence_settle_due", "viewer_identity", "visibility_class"]
