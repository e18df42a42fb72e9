"""Configuration read from the environment; the defaults run the whole product on a laptop."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one kept in the instance folder.

    A key generated once and stored keeps sessions valid across restarts of `make run`
    without anyone having to configure anything.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _engine_options(database_url: str) -> dict:
    """Connection pool per process. Under gevent workers nothing else caps how many requests
    of a worker use the database at once, so the pool does: at most DATABASE_POOL_SIZE +
    DATABASE_MAX_OVERFLOW connections per worker (SQLAlchemy's defaults, 5 + 10); a request
    beyond that waits up to DATABASE_POOL_TIMEOUT seconds for one (docs/deploy.md)."""
    options: dict = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        for option, variable, default in (("pool_size", "DATABASE_POOL_SIZE", 5),
                                          ("max_overflow", "DATABASE_MAX_OVERFLOW", 10),
                                          ("pool_timeout", "DATABASE_POOL_TIMEOUT", 30)):
            value = os.environ.get(variable, "").strip()
            try:
                options[option] = int(value) if value else default
            except ValueError:
                raise SystemExit(f"{variable} must be a whole number, not {value!r}.") from None
    return options


def _limit_setting(variable: str, default: str) -> str:
    """A rate limit from the environment ("120 per minute", "10/second"), checked at start:
    Flask-Limiter would skip a limit it cannot read, silently, at every request."""
    from limits import parse_many

    value = os.environ.get(variable, "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        raise SystemExit(f"{variable} must be a rate such as \"120 per minute\", "
                         f"not {value!r}.") from None
    return value


_YES = ("1", "true", "yes", "on")


def _whole_number(variable: str, default: int) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        raise SystemExit(f"{variable} must be a whole number, not {value!r}.")
    return int(value)


def load_config(instance_path: str) -> dict:
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "drafting.sqlite3")
    )
    # Cookies only over HTTPS: set SESSION_COOKIE_SECURE=1 wherever the site is served on https.
    secure_cookies = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        # Whole-request cap: a clause is a paragraph, and uploads are Word files of a few MB.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)),
        # JSON bodies of the API (fields, id lists, a Markdown draft): docs/api.md, limits.
        "MAX_JSON_BODY_BYTES": int(os.environ.get("MAX_JSON_BODY_BYTES", 1024 * 1024)),
        # Seconds for a whole request body to arrive under gunicorn (drafting/web/body_deadline.py).
        "REQUEST_BODY_TIMEOUT": float(os.environ.get("REQUEST_BODY_TIMEOUT", 20)),
        # PDF and DOCX files: rendered in a child process under gevent, killed after this many
        # seconds, at most this many at once per worker (drafting/isolation.py). Uploads and
        # pasted drafts are read the same way, within IMPORT_PARSE_TIMEOUT seconds.
        "EXPORT_RENDER_TIMEOUT": float(os.environ.get("EXPORT_RENDER_TIMEOUT", 60)),
        "IMPORT_PARSE_TIMEOUT": float(os.environ.get("IMPORT_PARSE_TIMEOUT", 30)),
        "EXPORT_RENDER_PROCESSES": int(os.environ.get("EXPORT_RENDER_PROCESSES", 1)),
        "EXPORT_RENDER_ISOLATION": os.environ.get("EXPORT_RENDER_ISOLATION", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "WTF_CSRF_TIME_LIMIT": None,
        # Login throttling (Flask-Limiter; see docs/security.md). Memory storage counts per
        # process: with several workers or hosts use Redis, e.g. redis://127.0.0.1:6379.
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_KEY_PREFIX": "drafting",
        # Every write is counted: should Redis be unreachable, each process counts in its own
        # memory meanwhile (same limits) rather than failing the writes with a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per minute"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT",
                                                  "10 per 15 minutes"),
        # Per-user limits (drafting/web/rate_limits.py, docs/security.md). Writes: every POST,
        # PUT, PATCH and DELETE of pages and API together. A delegate in a meeting acts a few
        # times a minute, and the secretariat deciding proposals back to back at the desk a
        # dozen; 120 a minute is two a second held for a whole minute, which only a script does.
        "WRITE_LIMIT_PER_USER": _limit_setting("WRITE_LIMIT_PER_USER", "120 per minute"),
        # Exports (every format, pages and API) and imports build or read a whole document,
        # up to seconds of CPU each (PDF): 30 a minute still lets a delegate download every
        # mode and format of a text in one go, and keeps a looping script from taking a worker.
        "EXPORT_LIMIT_PER_USER": _limit_setting("EXPORT_LIMIT_PER_USER", "30 per minute"),
        # E-mail (drafting/mailer.py, docs/notifications.md): no MAIL_SERVER, no e-mail sent
        # (the queue waits). MAIL_USE_TLS=1 is STARTTLS; MAIL_USE_SSL=1 TLS from the start.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip(),
        "MAIL_PORT": _whole_number("MAIL_PORT", 25),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0").strip().lower() in _YES,
        "MAIL_USE_SSL": os.environ.get("MAIL_USE_SSL", "0").strip().lower() in _YES,
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "drafting@localhost"),
        # The site's address as people reach it, for the links in e-mail.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").strip(),
        # Seconds between two rounds of `flask scheduler` (tick + send-mail).
        "SCHEDULER_INTERVAL": _whole_number("SCHEDULER_INTERVAL", 60),
    }
