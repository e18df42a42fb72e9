"""Run CPU-bound work that releases the GIL off the gevent loop.

Under gevent workers (gunicorn.conf.py) every request of a worker shares one OS thread: a
password hash (scrypt, ~0.15 s of CPU) would stall every other request of that worker for as
long — and, at the start of a meeting when hundreds of delegates log in, those stalls pile up
behind one another while each waiting request holds a database connection. OpenSSL's scrypt
releases the GIL, so on one of gevent's real threads it runs beside the loop instead of
blocking it. Without gevent (threads, the development server, tests) the function is simply
called.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def gevent_is_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


def off_event_loop(function: Callable[..., T], *args) -> T:
    """`function(*args)`, on gevent's thread pool when the process runs under gevent."""
    if gevent_is_patched():
        import gevent  # noqa: PLC0415 - only under gevent

        return gevent.get_hub().threadpool.apply(function, args)
    return function(*args)
