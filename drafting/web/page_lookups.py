"""What every view of a document page looks up besides its body, in one statement: the change
marker (newest audit events; web/http_cache.py builds ETags and cache keys on it), the live
cursor, the header's unread count, the viewer's last visit (services/visits.py: the digest's
"since") and the document row itself.

The marker and the cursor are the viewer's own: the newest audit event *the viewer may read*
(services/visibility's audit rule: no draft events, none about a proposal they cannot see) and
the newest live event they may receive. Another economy saving a draft, or submitting a
proposal that is not circulated, then moves neither, so no ETag, cache key or cursor tells a
viewer that it happened (docs/security.md, "Side channels"). The statements depend on the
viewer's visibility class only, and are built once per class and process.

Where the live bus reaches every process, the look-ups of each (document, viewer) are also kept
in this process's memory until news of any commit (`LOOKUPS_KEY`; memory_cache
.BusFollowingCache): a repeated view of an unchanged document then reaches no database.
"""
from __future__ import annotations

from flask import current_app, g
from flask_login import current_user
from sqlalchemy import bindparam, select, text

from drafting.domain.errors import NotFound
from drafting.extensions import db
from drafting.models import AuditEvent, Document, DocumentVisit
from drafting.models.audit import PAGE_RELEVANT_GENERAL_EVENT
from drafting.services import reminders
from drafting.services.live import newest_visible_event_query, subscriber_for
from drafting.infrastructure.live_bus import CONTROL
from drafting.services.loading import checked_id, get_document
from drafting.services.visits import last_visit
from drafting.services.visibility import AuditFilters, visible_audit_query
from drafting.web import commit_news, kept_rows
from drafting.web.memory_cache import EVERYTHING, bus_following_cache


# The page look-ups of (document, viewer) this process keeps while nothing is committed
# (memory_cache.BusFollowingCache; PAGE_LOOKUPS_ENTRIES, default 20,000, 0 turns it off):
# any commit may move a change marker, the live cursor or an unread count, so each one's news
# forgets them all. Repeated views of an unchanged document then reach no database at all.
# The unread count also moves with the clock alone (a reminder falls due), so an entry lives
# PAGE_LOOKUPS_SECONDS (default 15) at most: a reminder shows in the header up to 15 s late.
LOOKUPS_KEY = "drafting.page_lookups"


# Newest in chain (commit) order: an event inserted before another but committed after it must
# still move the marker. Unsealed rows (this transaction's own, before its commit) are skipped.
def _newest_event_hash(*conditions):
    return (select(AuditEvent.hash).where(*conditions, AuditEvent.seq.is_not(None))
            .order_by(AuditEvent.seq.desc()).limit(1).scalar_subquery())


def _newest_visible_document_event_hash(viewer, *conditions):
    """The hash of the newest event about the bound document that `viewer` may read in the
    audit trail (the trail's own query, so the two cannot disagree)."""
    query = visible_audit_query(viewer, AuditFilters(
        document_id=bindparam("marker_document_id")))
    return (query.with_only_columns(AuditEvent.hash).where(*conditions,
                                                          AuditEvent.seq.is_not(None))
            .order_by(AuditEvent.seq.desc()).limit(1).scalar_subquery())


# The chair's screen moving (screen.shown / screen.cleared) changes nothing the document page
# or an export shows; during a plenary it moves every minute or so, and must not make every
# delegate's page and every kept body and export stale each time.
NOT_SHOWN_DOCUMENT_KIND_PREFIXES = ("screen.",)

# Kinds that change nothing a page or an export shows by themselves. A batch submission of
# drafts also writes one `proposal.submitted` per proposal, which carries each one's
# visibility; the batch event itself names no proposal, so the audit rule would let everyone
# count it — it must not move anyone's marker.
NOT_SHOWN_DOCUMENT_KINDS = ("proposals.batch_submitted",)


def visibility_key(viewer) -> tuple:
    """Viewers for whom the marker and the cursor are the same statement: those the
    confidentiality rules (services/visibility.py, domain/live.may_receive) cannot tell
    apart — role, economy, active (the same classes as http_cache.visibility_class)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return ("anonymous",)
    role = getattr(viewer, "role", None)
    return (getattr(role, "value", role), viewer.economy_id, bool(viewer.is_active))


# Built once per visibility class: every page view and export asks for it (building it cost
# more than running it). A few dozen classes at most: roles times economies.
_CHANGE_MARKERS: dict[tuple, object] = {}


def _change_marker_statement(viewer):
    key = visibility_key(viewer)
    statement = _CHANGE_MARKERS.get(key)
    if statement is None:
        statement = _CHANGE_MARKERS.setdefault(key, select(
            _newest_visible_document_event_hash(
                viewer, AuditEvent.kind.not_in(NOT_SHOWN_DOCUMENT_KINDS),
                *(AuditEvent.kind.not_like(prefix + "%")
                  for prefix in NOT_SHOWN_DOCUMENT_KIND_PREFIXES)),
            # Exactly the partial index's condition (models/audit.py): the look-up reads one
            # entry. Events about no document (accounts…) concern no economy's confidences.
            _newest_event_hash(text(PAGE_RELEVANT_GENERAL_EVENT)),
        ))
    return statement


def change_marker(document_id: int, viewer) -> tuple[str, str]:
    """(newest event about the document that `viewer` may read, newest relevant event about
    no document), as hash prefixes."""
    about_document, general = db.session.execute(
        _change_marker_statement(viewer), {"marker_document_id": document_id}).one()
    return (about_document or "")[:24], (general or "")[:24]


_PAGE_LOOKUPS: dict[tuple, object] = {}


def _page_lookups_statement(unread, with_document: bool, user):
    """The change marker's statement plus the live cursor and the unread count — and, for
    `document_for_page`, the document row itself — built once per process, variant and
    visibility class."""
    key = (id(unread), with_document, visibility_key(user))
    statement = _PAGE_LOOKUPS.get(key)
    if statement is None:
        marker = _change_marker_statement(user)
        columns = (newest_visible_event_query(subscriber_for(user)), unread.scalar_subquery())
        if with_document:
            # The viewer's last visit of the document (None: never), for the page's digest.
            visit = (select(DocumentVisit.seen_at)
                     .where(DocumentVisit.user_id == bindparam("visit_user_id"),
                            DocumentVisit.document_id == bindparam("marker_document_id"))
                     .scalar_subquery())
            statement = (select(Document, *marker.selected_columns, *columns, visit)
                         .where(Document.id == bindparam("marker_document_id")))
        else:
            statement = marker.add_columns(*columns)
        statement = _PAGE_LOOKUPS.setdefault(key, statement)
    return statement


_NOT_READ = object()


def _remember_lookups(document_id: int, about_document, general, live_cursor,
                      unread_count, seen_at=_NOT_READ) -> tuple[str, str]:
    g.live_cursor = live_cursor or 0
    g.unread_notifications = unread_count
    if seen_at is not _NOT_READ:  # keyed by user too: `g` may outlive a request in tests
        user_id = current_user.get_id()
        g.setdefault("visit_points", {})[(document_id, user_id)] = seen_at
    marker = (about_document or "")[:24], (general or "")[:24]
    g.setdefault("page_markers", {})[document_id] = marker
    return marker


def page_marker(document_id: int) -> tuple[str, str]:
    """The change marker, as `change_marker`, with the two per-user look-ups every page's
    header makes folded into the same statement: the unread count (services/reminders.py)
    and the live cursor (web/live.py: the newest live event, read no later than the page's
    data, so the stream misses nothing). One round trip instead of three; the other two are
    kept in `g` where the header's helpers find them."""
    marker = g.get("page_markers", {}).get(document_id)
    if marker is not None:  # read with the document (document_for_page)
        return marker
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return change_marker(document_id, user)
    unread, params = reminders.unread_count_query(user)
    row = db.session.execute(_page_lookups_statement(unread, with_document=False, user=user),
                             {"marker_document_id": document_id, **params}).one()
    return _remember_lookups(document_id, *row)


def document_for_page(document_id) -> Document:
    """The document for its page, read in the same round trip as the page's change marker,
    live cursor and unread count (`page_marker`): a cached page body then costs the
    session's user and this one statement — or none, when this process keeps both from an
    earlier view with nothing committed since (`LOOKUPS_KEY`). NotFound as
    services/loading.get_document."""
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return get_document(document_id)
    key = checked_id(document_id, "document")
    kept_lookups = current_app.extensions.get(LOOKUPS_KEY)
    if kept_lookups is not None and kept_rows.held_by_session(Document, key) is not None:
        # The session's own instance comes back from the statement as it is, not as the row
        # now is: nothing to keep from it.
        kept_lookups = None
    if kept_lookups is not None:
        kept = kept_lookups.get((key, user.id))
        if kept is not None:
            columns, lookups = kept
            _remember_lookups(key, *lookups)
            return kept_rows.attached(Document, columns)
        ticket = kept_lookups.ticket()
    unread, params = reminders.unread_count_query(user)
    row = db.session.execute(_page_lookups_statement(unread, with_document=True, user=user),
                             {"marker_document_id": key, "visit_user_id": user.id,
                              **params}).first()
    if row is None:
        raise NotFound(f"No document with id {key}.")
    document, *lookups = row
    _remember_lookups(document.id, *lookups)
    if kept_lookups is not None:
        kept_lookups.put((key, user.id), (kept_rows.columns_of(document), tuple(lookups)),
                         ticket)
    return document


def visit_point(document_id: int):
    """The signed-in user's last visit of the document (None: never), as read with the
    document by `document_for_page`; read on its own when it was not."""
    points = g.get("visit_points", {})
    if (document_id, current_user.get_id()) in points:
        return points[(document_id, current_user.get_id())]
    user = current_user._get_current_object()
    return last_visit(user, document_id) if getattr(user, "is_authenticated", False) else None


def init_app(app) -> None:
    kept = bus_following_cache(app, _any_commit, "PAGE_LOOKUPS_ENTRIES", 20_000,
                               "PAGE_LOOKUPS_SECONDS", 15)
    if kept is not None:
        app.extensions[LOOKUPS_KEY] = kept


def _any_commit(message: dict):
    return EVERYTHING if message.get(CONTROL) == commit_news.COMMITTED else None


__all__ = ["LOOKUPS_KEY", "NOT_SHOWN_DOCUMENT_KINDS", "NOT_SHOWN_DOCUMENT_KIND_PREFIXES",
           "change_marker", "document_for_page", "init_app", "page_marker", "visibility_key",
           "visit_point"]
