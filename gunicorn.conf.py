"""gunicorn settings for serving the application in production: `gunicorn -c gunicorn.conf.py app:app`
(or `make serve`). Every value can be changed through the environment; docs/deploy.md explains
how to size them against PostgreSQL.

| variable | default | meaning |
|---|---|---|
| BIND | 127.0.0.1:8000 | address(es) to listen on, comma-separated (`0.0.0.0:8000`, `unix:/run/drafting.sock`) |
| WEB_CONCURRENCY | 2 × cores + 1 | worker processes |
| GUNICORN_WORKER_CLASS | gthread | `gthread` (threads) or `gevent` (see below) |
| GUNICORN_THREADS | 4 | threads per worker (gthread) |
| GUNICORN_WORKER_CONNECTIONS | 1000 | simultaneous connections per worker (gevent) |
| GUNICORN_TIMEOUT | 30 | seconds before a silent worker is killed and replaced |
| GUNICORN_GRACEFUL_TIMEOUT | 30 | seconds a worker has to finish its requests on restart / stop |
| GUNICORN_KEEPALIVE | 5 | seconds an idle keep-alive connection is held (set above the load balancer's idle timeout when behind one) |
| GUNICORN_MAX_REQUESTS | 1000 | a worker is replaced after this many requests (0: never) |
| GUNICORN_MAX_REQUESTS_JITTER | 100 | random extra, so workers do not all restart together |
| FORWARDED_ALLOW_IPS | 127.0.0.1,::1 | proxies whose X-Forwarded-Proto gunicorn believes (`*` behind a private load balancer) |
| LOG_LEVEL | info | gunicorn's own log and the application's (JSON lines on stderr) |
| GUNICORN_CONTROL_SOCKET | (none) | path of gunicorn's control socket; off unless set |

Worker class. `gthread` runs each request on a thread of a small per-worker pool: simple, no
monkey-patching, safe with every library used here (psycopg, SQLAlchemy, WeasyPrint) and right
for short request/response pages. Its limit: a connection held open — a live-update stream
(Server-Sent Events, long polling) — occupies a thread for its whole life, so
WEB_CONCURRENCY × GUNICORN_THREADS is the ceiling of open streams per host. When live updates
arrive, serve them with `gevent` workers (add `gevent` to requirements.txt): one worker then
holds thousands of idle connections as cheap greenlets. The price: gevent monkey-patches the
standard library before the app is imported (psycopg ≥ 3.1.14 detects this and waits
cooperatively); CPU-bound work (PDF rendering, word diffs of long texts) blocks every greenlet
of that worker while it runs; and the number of concurrent requests is no longer bounded by a
thread count, so the SQLAlchemy pool (and PgBouncer) is what bounds database connections. A
common split: gthread for pages, exports and the API, and a separate gevent deployment for the
stream endpoint only, behind the same load balancer.

Access log. gunicorn's access log is off: the application writes one structured JSON line per
request (request id, user, status, duration, bytes) on the `drafting.request` logger
(drafting/logging_setup.py), so each request is logged once, in one format.
"""
from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (containers)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


wsgi_app = "app:app"
proc_name = "drafting"

bind = [b.strip() for b in os.environ.get("BIND", "127.0.0.1:8000").split(",") if b.strip()]

workers = _int("WEB_CONCURRENCY", 2 * _cores() + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("GUNICORN_THREADS", 4)
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 1000)

timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Replace each worker after a while (bounded memory growth), staggered by the jitter.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logging: gunicorn's own messages on stderr; no access log (the application writes its own).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# The app is imported in each worker, after the fork: no database connection is ever shared
# between processes.
preload_app = False

# Workers' heartbeat files in memory when available (a disk-backed /tmp can stall them).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn's runtime control socket is only opened when asked for.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True
