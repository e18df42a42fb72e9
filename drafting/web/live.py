"""Live updates over Server-Sent Events (docs/live.md).

- ``GET /documents/<id>/events`` — the events of one document the viewer may know of, plus a
  ``notification`` event when a change elsewhere put something in the viewer's inbox;
- ``GET /notifications/events`` — only the latter, for pages about no document;
- ``GET /api/v1/documents/<id>/events`` — the document stream for API clients (bearer token).

A stream authorises, subscribes to the bus, reads what the client missed, and then releases
its database session before it starts streaming: an idle stream holds a queue, never a
database connection.

Side channels (docs/live.md, "Event ids: opaque, and each viewer's own"): a stream queues
only the messages it would send, its cursor is the newest event its viewer may receive, and
every id it shows is opaque (`EventIdCodec`), so nothing on the wire moves when another
economy works unseen.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from drafting.web.helpers import signed_in_user
from drafting.domain.live import (EventIdCodec, Subscriber, may_receive, parse_last_event_id,
                                  sse_comment, sse_event, sse_retry)
from drafting.extensions import db
from drafting.services import live as live_service
from drafting.services.loading import get_document
from drafting.services.policy import Action, authorize
from drafting.web.api import bp as api_bp

bp = Blueprint("live", __name__)
log = logging.getLogger(__name__)

# The announcement that precedes the first event of each kind on a stream (see `event_stream`).
ANNOUNCE_FIELD = "listen"


@dataclass
class StreamSettings:
    keepalive_seconds: float = 15.0
    # Streams end after this long (the client reconnects at once with Last-Event-ID), so a
    # connection a proxy silently dropped does not linger for ever.
    max_seconds: float | None = 1800.0
    max_events: int | None = None  # tests: end after this many events
    retry_ms: int = 3000
    # How long a stream waits for an earlier event that has not reached this process before
    # it reads it from the log (see `event_stream`).
    gap_wait_seconds: float = 0.25
    clock: Callable[[], float] = field(default=time.monotonic)

    @classmethod
    def from_config(cls, config) -> StreamSettings:
        return cls(keepalive_seconds=float(config.get("LIVE_KEEPALIVE_SECONDS", 15.0)),
                   max_seconds=config.get("LIVE_STREAM_MAX_SECONDS", 1800.0),
                   max_events=config.get("LIVE_STREAM_MAX_EVENTS"),
                   retry_ms=int(config.get("LIVE_RETRY_MS", 3000)),
                   gap_wait_seconds=float(config.get("LIVE_GAP_WAIT_SECONDS", 0.25)))


def init_app(app: Flask) -> None:
    """Install the bus (Redis when REDIS_URL is set, else LISTEN/NOTIFY on PostgreSQL, else
    in-process; LIVE_BUS=memory forces in-process) and the page helper."""
    import os  # noqa: PLC0415

    redis_url = app.config.get("REDIS_URL", os.environ.get("REDIS_URL", "")) or None
    prefix = app.config.get("LIVE_CHANNEL_PREFIX",
                            os.environ.get("LIVE_CHANNEL_PREFIX", "drafting"))
    app.extensions["drafting.live_bus"] = live_service.make_bus(
        redis_url, prefix, database_url=app.config.get("SQLALCHEMY_DATABASE_URI"),
        choice=app.config.get("LIVE_BUS", os.environ.get("LIVE_BUS", "")))
    if app.config.get("TESTING"):
        # A test that reads a stream's body without meaning to (a crawler, a contract test)
        # gets the replay and `ready`, then the end; tests of the streams ask for longer.
        app.config.setdefault("LIVE_STREAM_MAX_SECONDS", 0)

    @app.context_processor
    def live_helpers():
        return {"live_cursor": _live_cursor}


def event_ids(app: Flask | None = None) -> EventIdCodec:
    """The application's codec of the event ids clients see, keyed by a derivative of its
    secret key (the same on every process that shares the secret)."""
    app = app or current_app
    codec = app.extensions.get("drafting.live_event_ids")
    if codec is None:
        secret = app.secret_key or ""
        secret = secret if isinstance(secret, bytes) else str(secret).encode()
        codec = app.extensions.setdefault("drafting.live_event_ids", EventIdCodec(
            hmac.new(secret, b"drafting live event ids", hashlib.sha256).digest()))
    return codec


def _live_cursor() -> int | str:
    """Where live.js starts its stream (shown opaque): the newest live event the viewer may
    receive when the page is rendered, so a change made between this render and the stream's
    opening is not missed — and a change the viewer may not know of does not move it."""
    if "live_cursor" not in g:
        user = current_user._get_current_object()
        if not getattr(user, "is_authenticated", False):
            return ""
        try:
            g.live_cursor = live_service.newest_visible_event_id(
                live_service.subscriber_for(user))
        except SQLAlchemyError:
            db.session.rollback()  # a page about a database failure must still render
            g.live_cursor = ""
    cursor = g.live_cursor
    return event_ids().encode(cursor) if isinstance(cursor, int) else cursor


# --- the stream -------------------------------------------------------------------------------

def stream_filter(subscriber: Subscriber, document_id: int | None) -> Callable[[dict], bool]:
    """Whether a bus message may lead the stream of `subscriber` on `document_id` (None: the
    notification stream) to send anything. The subscription queues only those
    (live_bus.Subscription), so a message the viewer may not know of leaves no trace on their
    stream: no event, no reload when the queue fills, no shift of a keep-alive."""

    def wanted(message: dict) -> bool:
        if not isinstance(message.get("id"), int):
            return False
        audience_allows = may_receive(live_service.message_audience(message), subscriber)
        if document_id is not None and message.get("document_id") == document_id:
            return audience_allows
        if subscriber.user_id in (message.get("notify") or ()):
            return True
        # Too many notified users to name: everyone who may know of the event recounts.
        return bool(message.get("notify_all")) and audience_allows

    return wanted


def event_stream(subscription, subscriber: Subscriber, document_id: int | None,
                 replay: live_service.Replay, settings: StreamSettings,
                 should_stop: Callable[[], bool] | None = None,
                 show: Callable[[int], int] = lambda event_id: event_id,
                 read_log: Callable[[int, int], list[dict] | None | Exception] | None = None,
                 ) -> Iterator[str]:
    """The text of one stream: retry hint, missed events (or a reload), a ``ready`` event
    carrying the cursor, then live events as they come, with keep-alive comments when idle.

    Browsers' EventSource delivers a named event only to a listener registered for that
    name, and kinds are open-ended (any audit kind): so before the first event of each kind,
    an unnamed message ``{"listen": kind}`` tells live.js to start listening for it.

    Ids are kept as they are in the log and turned into what the client sees by `show`
    (web: the application's `EventIdCodec`), in the ``id:`` lines and in the data alike.

    Events of the document go out in id (commit) order, each once. Processes publish after
    their own commits, so messages can cross on the bus, and a process killed between its
    commit and its publish sends none: before sending an id, the stream makes sure every id
    since its cursor reached this process (`SeenIds`), waiting up to
    `settings.gap_wait_seconds` for the stragglers, then sends them in order; if they do not
    come, it reads them from the log with `read_log(after, upto)` (the document's events the
    viewer may receive; None for too many, which asks the client to reload; an exception when
    the database cannot answer, and the stream goes on with what it has).

    Needs no request context; the database only through `read_log`. Ends when `should_stop()`
    says so, after `settings.max_events` events, or after `settings.max_seconds`.
    """
    announced: set[str] = set()
    sent = 0
    cursor = replay.cursor
    wanted = stream_filter(subscriber, document_id)
    held: list[dict] = []  # taken from the queue, to handle (in id order) before reading more

    def emit(kind: str, data: dict, event_id: int | None = None) -> str:
        nonlocal sent
        sent += 1
        prefix = ""
        if kind not in announced:
            announced.add(kind)
            prefix = sse_event(None, {ANNOUNCE_FIELD: kind})
        if isinstance(data.get("id"), int):
            data = {**data, "id": show(data["id"])}
        return prefix + sse_event(kind, data, None if event_id is None else show(event_id))

    try:
        yield sse_retry(settings.retry_ms)
        if replay.reload:
            yield emit("reload", {"reason": "missed", "cursor": show(cursor)}, cursor)
        else:
            for payload in replay.events:
                yield emit(payload["kind"], payload, payload["id"])
            yield emit("ready", {"document_id": document_id, "cursor": show(cursor)}, cursor)
        deadline = (settings.clock() + settings.max_seconds
                    if settings.max_seconds is not None else None)
        while True:
            if should_stop is not None and should_stop():
                return
            if settings.max_events is not None and sent >= settings.max_events:
                return
            wait = settings.keepalive_seconds
            if deadline is not None:
                remaining = deadline - settings.clock()
                if remaining <= 0:
                    return
                wait = min(wait, remaining)
            message = held.pop(0) if held else subscription.get(timeout=wait)
            if message is None:
                yield sse_comment("keep-alive")
                continue
            if message.get("gap"):
                held.clear()
                yield emit("reload", {"reason": "gap", "cursor": show(cursor)})
                continue
            if not wanted(message):  # the subscription filters already; never rely on it alone
                continue
            event_id = message["id"]
            if document_id is not None and message.get("document_id") == document_id:
                if event_id <= cursor:
                    continue  # already sent
                seen = subscription.seen_ids
                if event_id > cursor + 1 and (
                        seen.all_seen(cursor, event_id)
                        or seen.wait_for(cursor, event_id, settings.gap_wait_seconds)):
                    # Every id in between reached this process: each is another stream's,
                    # sent already, or queued here behind this one. Take the queue and go on
                    # in id order.
                    queued = subscription.take_queued()
                    if queued:
                        held = sorted([message, *held, *queued],
                                      key=lambda m: (not m.get("gap"), m.get("id") or 0))
                        continue
                elif event_id > cursor + 1:
                    missed = read_log(cursor, event_id) if read_log is not None else None
                    if missed is None:
                        cursor = event_id
                        held.clear()
                        yield emit("reload", {"reason": "missed", "cursor": show(cursor)},
                                   cursor)
                        continue
                    if not isinstance(missed, Exception):
                        for payload in missed:
                            if payload["id"] > cursor:
                                cursor = payload["id"]
                                yield emit(payload["kind"], payload, payload["id"])
                        continue
                cursor = event_id
                yield emit(message["kind"], live_service.client_payload(message), event_id)
            else:
                # A change elsewhere notified this viewer: only the header's count changes.
                # No id, so the document's replay position stays where it is.
                yield emit("notification", {"document_id": message.get("document_id")},
                           event_id if document_id is None else None)
    finally:
        subscription.close()


def _open_stream(user, document_id: int | None) -> Response:
    subscriber = live_service.subscriber_for(user)
    codec = event_ids()
    shown_id = parse_last_event_id(request.headers.get("Last-Event-ID"),
                                   request.args.get("last_event_id"))
    last_event_id = None
    if shown_id is not None:
        # A number no id is shown as (another secret, a made-up value) decodes to no id, or
        # to one far beyond the log: either way the client is told to reload.
        last_event_id = codec.decode(shown_id)
        if last_event_id is None:
            last_event_id = 1 << 62
    # Subscribe before reading the log: an event committed in between is then both replayed
    # and queued, and the stream drops the copy (ids at or below the cursor).
    subscription = live_service.current_bus().subscribe(
        accepts=stream_filter(subscriber, document_id))
    try:
        if document_id is not None:
            replay = live_service.replay(document_id, subscriber, last_event_id)
        else:
            replay = live_service.Replay(
                cursor=live_service.newest_visible_event_id(subscriber))
            if last_event_id is not None and last_event_id < replay.cursor:
                # Whether the inbox gained anything meanwhile is not worth working out: one
                # notification event makes the page recount.
                replay.events = [{"id": replay.cursor, "kind": "notification",
                                  "document_id": None}]
    except BaseException:
        subscription.close()
        raise
    finally:
        # Release the connection now: the stream may stay open for half an hour.
        db.session.remove()
    settings = StreamSettings.from_config(current_app.config)
    body = event_stream(subscription, subscriber, document_id, replay, settings,
                        show=codec.encode,
                        read_log=_log_reader(current_app._get_current_object(), document_id,
                                             subscriber))
    response = Response(body, mimetype="text/event-stream")
    # Never turn the stream into a list (which waits for its end): anything that asks for the
    # length of this response (the request log does) gets "unknown" instead.
    response.implicit_sequence_conversion = False
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    response.call_on_close(subscription.close)
    return response


def _log_reader(app: Flask, document_id: int | None, subscriber: Subscriber):
    """`read_log` for a stream: the document's events it may receive in a range, read in an
    app context of its own (the request's is gone by then), the connection released at once."""
    if document_id is None:
        return None

    def read_log(after: int, upto: int) -> list[dict] | None | Exception:
        with app.app_context():
            try:
                return live_service.events_between(document_id, subscriber, after, upto)
            except SQLAlchemyError as error:
                log.warning("live stream: could not read events %s..%s from the log",
                            after, upto, exc_info=True)
                return error
            finally:
                db.session.remove()

    return read_log


@bp.get("/documents/<int:document_id>/events")
@login_required
def document_events(document_id: int):
    """The live events of one document (text/event-stream)."""
    user = current_user._get_current_object()
    authorize(user, Action.VIEW, get_document(document_id))
    return _open_stream(user, document_id)


@bp.get("/notifications/events")
@login_required
def notification_events():
    """A ``notification`` event whenever the viewer's inbox gains something."""
    user = current_user._get_current_object()
    authorize(user, Action.VIEW)
    return _open_stream(user, None)


@api_bp.get("/documents/<int:document_id>/events")
def document_event_stream(document_id: int):
    """The document stream for API clients (the blueprint authenticates the bearer token)."""
    user = signed_in_user()
    authorize(user, Action.VIEW, get_document(document_id))
    return _open_stream(user, document_id)
