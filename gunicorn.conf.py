"""gunicorn settings for serving the application in production: `gunicorn -c gunicorn.conf.py app:app`
(or `make serve`). Every value can be changed through the environment; docs/deploy.md explains
how to size them against PostgreSQL.

| variable | default | meaning |
|---|---|---|
| BIND | 127.0.0.1:8000 | address(es) to listen on, comma-separated (`0.0.0.0:8000`, `unix:/run/drafting.sock`) |
| GUNICORN_WORKER_CLASS | gevent | `gevent` (greenlets; live-update streams) or `gthread` (threads) — see below |
| WEB_CONCURRENCY | 2 × cores + 1 | worker processes |
| GUNICORN_WORKER_CONNECTIONS | 1000 | simultaneous connections per worker (gevent), open streams included |
| GUNICORN_THREADS | 4 | threads per worker (gthread only) |
| GEVENT_THREADPOOL_SIZE | 2 | real threads per gevent worker for password hashes (drafting/offload.py) |
| GUNICORN_TIMEOUT | 30 | seconds before a silent worker is killed and replaced |
| GUNICORN_GRACEFUL_TIMEOUT | 30 | seconds a worker has to finish its requests on restart / stop (open streams are cut then) |
| GUNICORN_KEEPALIVE | 5 | seconds an idle keep-alive connection is held (set above the load balancer's idle timeout when behind one) |
| GUNICORN_MAX_REQUESTS | 0 with gevent, 1000 with gthread | a worker is replaced after this many requests (0: never) |
| GUNICORN_MAX_REQUESTS_JITTER | 100 | random extra, so workers do not all restart together |
| FORWARDED_ALLOW_IPS | 127.0.0.1,::1 | proxies whose X-Forwarded-Proto gunicorn believes (`*` behind a private load balancer) |
| LOG_LEVEL | info | gunicorn's own log and the application's (JSON lines on stderr) |
| GUNICORN_CONTROL_SOCKET | (none) | path of gunicorn's control socket; off unless set |

Worker class: gevent by default. Live updates (Server-Sent Events at
/documents/<id>/events) keep one connection open per open page for as long as the page is
open: a meeting room is a thousand idle connections per host. A gevent worker holds each as a
greenlet (a few kB) instead of a thread; ordinary requests run the same way. What it implies:
- gunicorn monkey-patches the standard library in each worker *before* the application is
  imported (so `preload_app` stays off and nothing here imports the application or psycopg);
  psycopg ≥ 3.1.14 then waits on the database cooperatively — checked at worker start below.
- Concurrency is no longer capped by a thread count: the SQLAlchemy pool is what bounds the
  connections to PostgreSQL (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW per worker, default
  5 + 10; a request waits for a free connection up to DATABASE_POOL_TIMEOUT seconds).
- CPU-bound work (a PDF export, a password hash) holds its worker's only thread: the other
  requests of that worker wait meanwhile. Hence 2 × cores + 1 processes, so one busy worker
  delays a fifth of the traffic on two cores, and the export cache (exports are rendered once
  per document state, not once per request).
- Recycling a worker (max_requests) cuts the streams it holds — every page on it reconnects
  at once — so it is off by default with gevent.
`GUNICORN_WORKER_CLASS=gthread` is the fallback without live updates (each stream would hold a
thread: WEB_CONCURRENCY × GUNICORN_THREADS open pages per host at most).

File descriptors: each open connection is one. At start the soft limit of open files is
raised to the hard limit (workers inherit it), and a warning is logged when the hard limit is
below what the workers may need; raise it in the service manager (systemd `LimitNOFILE=`).

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
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent").strip() or "gevent"
threads = _int("GUNICORN_THREADS", 4)
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 1000)
_greenlets = worker_class in ("gevent", "gunicorn.workers.ggevent.GeventWorker")
_threadpool_size = max(1, _int("GEVENT_THREADPOOL_SIZE", 2))

timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Replace each worker after a while (bounded memory growth), staggered by the jitter — but not
# by default under gevent, where a recycled worker drops every live stream it holds.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0 if _greenlets else 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logging: gunicorn's own messages on stderr; no access log (the application writes its own).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# The app is imported in each worker, after the fork: no database connection is ever shared
# between processes.
preload_app = False

# Under any worker class, PDF/DOCX rendering and upload reading run in a child process of
# their own (drafting/isolation.py): under gevent they would stall the worker's one thread,
# under gthread they would hold the GIL its other threads need. Set to "inline" to opt out.
os.environ.setdefault("EXPORT_RENDER_ISOLATION", "process")

# Workers' heartbeat files in memory when available (a disk-backed /tmp can stall them).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn's runtime control socket is only opened when asked for.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True


# --- open files ---------------------------------------------------------------------------------

def _raise_open_files_limit() -> tuple[int, int]:
    """Soft limit of open files up to the hard one (inherited by the workers)."""
    try:
        import resource  # noqa: PLC0415 - POSIX only
    except ImportError:
        return 0, 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft, hard


_open_files, _ = _raise_open_files_limit()
# Per worker: its connections, its database pool, log and template files, a margin.
_needed_open_files = (worker_connections if _greenlets else threads * 4) + 128


def on_starting(server) -> None:
    if _open_files and _open_files < _needed_open_files:
        server.log.warning(
            "Open-files limit %s is below the %s a worker may need "
            "(GUNICORN_WORKER_CONNECTIONS=%s): raise it (ulimit -n, systemd LimitNOFILE=) or "
            "lower GUNICORN_WORKER_CONNECTIONS.", _open_files, _needed_open_files,
            worker_connections)


def post_worker_init(worker) -> None:
    """Under gevent, check that psycopg waits cooperatively: had it been imported before the
    monkey-patching, each query would block every greenlet of the worker."""
    if not _greenlets:
        return
    from psycopg import waiting  # noqa: PLC0415 - imported after the patching, in the worker

    # The thread pool runs password hashes beside the loop (drafting/offload.py): scrypt takes
    # 32 MiB and a core while it runs, so a few threads per worker are plenty.
    import gevent  # noqa: PLC0415

    gevent.get_hub().threadpool.maxsize = _threadpool_size
    if waiting.wait is getattr(waiting, "wait_c", None):
        worker.log.critical("psycopg was imported before gevent patched the standard library: "
                            "database waits would block the whole worker. Do not import the "
                            "application (or psycopg) in gunicorn.conf.py or with preload_app.")
        raise SystemExit(3)  # gunicorn halts on a worker boot error instead of retrying
