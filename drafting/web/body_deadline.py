"""A request body that does not arrive in time is answered 408, not waited for.

gunicorn hands the application a request as soon as its headers are in; the body is read from
the socket while the view runs. A client that declares a Content-Length and then sends less
(or a byte now and then) would hold its greenlet or thread, a database connection once the view
started, and, across many such clients, the worker. So under gunicorn a body of a declared
length is read before the application sees it, with one deadline for the whole body
(REQUEST_BODY_TIMEOUT seconds, default 20): when it passes, the socket's reading side is shut,
the pending read ends at once, the client gets 408, and the connection is closed (nothing more
can be read from it). Bodies over
MAX_CONTENT_LENGTH are not read at all (the application answers 413 first), and the development
server and the test client, which hold the whole body already, pass straight through.
"""
from __future__ import annotations

import io
import json
import logging
import secrets
import socket
import threading
import time

from drafting.logging_setup import REQUEST_LOGGER

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


class BodyDeadline:
    def __init__(self, app, seconds: float, max_length: int | None):
        self.app = app
        self.seconds = seconds
        self.max_length = max_length

    def __call__(self, environ, start_response):
        connection = environ.get("gunicorn.socket")
        declared = environ.get("CONTENT_LENGTH") or ""
        if connection is None or not declared.isdigit() or int(declared) == 0 \
                or (self.max_length is not None and int(declared) > self.max_length):
            return self.app(environ, start_response)
        started = time.perf_counter()
        body = self._read_in_time(environ["wsgi.input"], int(declared), connection)
        if body is None:
            return _timed_out(environ, start_response, self.seconds, started)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    def _read_in_time(self, stream, length: int, connection) -> bytes | None:
        expired = threading.Event()

        def stop_reading() -> None:
            expired.set()
            try:
                connection.shutdown(socket.SHUT_RD)
            except OSError:
                pass  # already closed by the client

        timer = threading.Timer(self.seconds, stop_reading)
        timer.daemon = True
        timer.start()
        received = bytearray()
        try:
            while len(received) < length:
                piece = stream.read(min(CHUNK, length - len(received)))
                if not piece:
                    break
                received += piece
        except (OSError, ValueError, EOFError) as error:
            # gunicorn raises its NoMoreData (a ValueError... or IOError subclass, by version)
            # when the socket ends early.
            log.info("request body ended early: %s", type(error).__name__)
        finally:
            timer.cancel()
        if expired.is_set() or len(received) < length:
            return None
        return bytes(received)


def _timed_out(environ, start_response, seconds: float, started: float):
    message = (f"The request body did not arrive within {seconds:g} seconds "
               "(fewer bytes than its Content-Length).")
    if "json" in (environ.get("HTTP_ACCEPT", "") + environ.get("CONTENT_TYPE", "")) or \
            environ.get("PATH_INFO", "").startswith("/api/"):
        body = json.dumps({"error": {"code": "request_timeout", "message": message}}).encode()
        content_type = "application/json"
    else:
        body = message.encode()
        content_type = "text/plain; charset=utf-8"
    request_id = (environ.get("HTTP_X_REQUEST_ID") or "")[:64] or secrets.token_hex(8)
    # The application never saw this request: its one log line is written here.
    fields = {"request_id": request_id, "method": environ.get("REQUEST_METHOD"),
              "path": environ.get("PATH_INFO"), "query": None, "status": 408,
              "duration_ms": round((time.perf_counter() - started) * 1000, 1), "user": None,
              "remote_addr": environ.get("REMOTE_ADDR"), "bytes": len(body)}
    logging.getLogger(REQUEST_LOGGER).info("%s %s 408", fields["method"], fields["path"],
                                           extra={"fields": fields})
    start_response("408 Request Timeout", [("Content-Type", content_type),
                                           ("X-Request-Id", request_id),
                                           ("Content-Length", str(len(body)))])
    return [body]


def init_app(app) -> None:
    seconds = float(app.config.get("REQUEST_BODY_TIMEOUT", 20))
    if seconds > 0:
        app.wsgi_app = BodyDeadline(app.wsgi_app, seconds, app.config.get("MAX_CONTENT_LENGTH"))
