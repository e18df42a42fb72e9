"""Application logging: JSON lines on stderr, and one structured line per HTTP request.

Everything the application logs goes through the ``drafting`` logger (Flask's ``app.logger``
has that name, so unhandled exceptions land there too). ``configure_logging`` gives it one
handler writing to stderr — one JSON object per line by default, or plain text with
``LOG_FORMAT=text`` — at the level named by ``LOG_LEVEL`` (default INFO). Under gunicorn the
access log is switched off (gunicorn.conf.py) in favour of the request lines written here, so
each request is logged once, with the request id, the user and the duration.

A request line, on the ``drafting.request`` logger::

    {"time": "2026-05-04T09:12:31.512Z", "level": "INFO", "logger": "drafting.request",
     "message": "GET /documents/1 200", "request_id": "9f1c…", "method": "GET",
     "path": "/documents/1", "query": "view=changes", "status": 200, "duration_ms": 41.7,
     "user": "aus", "remote_addr": "203.0.113.7", "bytes": 18342}

Never logged: request bodies (passwords, proposal texts), headers (cookies, bearer tokens) and
the values of query parameters whose name looks like a secret (``token``, ``password``, …),
which are replaced by ``[redacted]``.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode

from flask import Flask, Response, g, request

APP_LOGGER = "drafting"
REQUEST_LOGGER = "drafting.request"
REDACTED = "[redacted]"

# Query parameters whose values are never written to a log.
_SECRET_NAME = re.compile(r"pass|token|secret|key|auth|session|csrf|signature|code|otp",
                          re.IGNORECASE)
_START = "drafting.request_started"  # key in the WSGI environ (survives `g` being reset)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, tz=timezone.utc)
        line = {
            "time": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a person reading a terminal: the message, then the fields as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        extra = " ".join(f"{k}={v}" for k, v in fields.items() if k != "path")
        text = f"{self.formatTime(record)} {record.levelname} {record.name}: " \
               f"{record.getMessage()}" + (f" [{extra}]" if extra else "")
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the moment of writing (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # StreamHandler.__init__ assigns it
        pass


def _level(name: str | None) -> int:
    value = logging.getLevelName((name or "INFO").strip().upper())
    return value if isinstance(value, int) else logging.INFO


def configure_logging(app: Flask) -> None:
    """Attach the stderr handler to the ``drafting`` logger (once per process) and set levels.

    ``LOG_LEVEL`` and ``LOG_FORMAT`` come from the app's config when set there, else from the
    environment. Records still propagate to the root logger, so tools that listen there (a
    test's caplog, an embedding server's own logging set-up) see them as well; the root logger
    has no handler of ours, so nothing is written twice.
    """
    level = _level(app.config.get("LOG_LEVEL") or os.environ.get("LOG_LEVEL"))
    fmt = (app.config.get("LOG_FORMAT") or os.environ.get("LOG_FORMAT") or "json").lower()
    logger = logging.getLogger(APP_LOGGER)
    handler = next((h for h in logger.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        logger.addHandler(handler)
    handler.setFormatter(TextFormatter() if fmt == "text" else JsonFormatter())
    logger.setLevel(level)
    request_logger = logging.getLogger(REQUEST_LOGGER)
    request_logger.setLevel(logging.NOTSET)  # follows LOG_LEVEL
    # logging.config.fileConfig (Alembic's migrations run it) disables every logger existing at
    # that moment; an application built afterwards in the same process logs again.
    logger.disabled = request_logger.disabled = False


def redacted_query(query_string: bytes | str) -> str:
    """The query string with the values of secret-looking parameters replaced."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    if not query_string:
        return ""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return urlencode([(k, REDACTED if _SECRET_NAME.search(k) else v) for k, v in pairs],
                     safe="[]/:,")


def _user_name() -> str | None:
    """Who made the request, without loading anyone for it (static files stay query-free)."""
    if "request_user_name" in g:  # noted before the commit (web/helpers.commit)
        return g.request_user_name
    user = g.get("_login_user")  # Flask-Login's per-request cache, set once someone asked
    if user is not None and getattr(user, "is_authenticated", False):
        return user.username
    return None


def _size(response: Response) -> int | None:
    if response.status_code == 304 or request.method == "HEAD":
        return 0
    if response.content_length is not None:
        return response.content_length
    return response.calculate_content_length()


def request_fields(response: Response) -> dict:
    started = request.environ.get(_START)
    duration = (time.perf_counter() - started) * 1000 if started is not None else None
    return {
        "request_id": g.get("request_id") or response.headers.get("X-Request-Id") or None,
        "method": request.method,
        "path": request.path,
        "query": redacted_query(request.query_string) or None,
        "status": response.status_code,
        "duration_ms": round(duration, 1) if duration is not None else None,
        "user": _user_name(),
        "remote_addr": request.remote_addr,
        "bytes": _size(response),
    }


def install_request_logging(app: Flask) -> None:
    """Log one line per request on ``drafting.request``.

    The timer starts in the first before-request function and the line is written by the
    last after-request function, so it sees the final status and headers (X-Request-Id, ETag).
    Server errors are logged at ERROR, client errors at INFO like any other request.
    """
    logger = logging.getLogger(REQUEST_LOGGER)

    def start_timer() -> None:
        request.environ.setdefault(_START, time.perf_counter())

    def log_request(response: Response) -> Response:
        try:
            fields = request_fields(response)
            level = logging.ERROR if response.status_code >= 500 else logging.INFO
            if logger.isEnabledFor(level):
                logger.log(level, "%s %s %s", fields["method"], fields["path"],
                           fields["status"], extra={"fields": fields})
        except Exception:  # noqa: BLE001 - a logging failure must never fail the request
            logging.getLogger(APP_LOGGER).exception("request log line could not be written")
        return response

    # Before every other before-request function; after-request functions run in reverse
    # order of registration, so registering first makes this one run last.
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request_funcs.setdefault(None, []).insert(0, log_request)


__all__ = ["APP_LOGGER", "JsonFormatter", "REDACTED", "REQUEST_LOGGER", "TextFormatter",
           "configure_logging", "install_request_logging", "redacted_query", "request_fields"]
