"""Export files rendered in a process of their own, with a deadline, and each at most once at a
time.

A PDF of a long statement is seconds of pure-Python layout (WeasyPrint), a DOCX redline a good
fraction of one. Under gevent every request of a worker shares one thread, so rendering in the
request would stall every other request of that worker — page loads and live streams alike —
for as long. So the PDF and DOCX writers run in a child process forked from a server that has
already imported them (multiprocessing's forkserver: a fork costs milliseconds, not the seconds
of importing WeasyPrint again); the request waits for it on one of gevent's real threads, so
its worker goes on serving. A render that outlives EXPORT_RENDER_TIMEOUT seconds is killed and
answered 503 `export_busy` with Retry-After, and at most EXPORT_RENDER_PROCESSES renders of a
worker run at once (others queue, within the same deadline).

Identical requests arriving together (the same file for the same audience, as when a room
downloads the new revision at once) share one render: the first renders, the others wait for
its file (`RenderOnce`).

EXPORT_RENDER_ISOLATION: "process" (the default under gevent, i.e. `make serve`), or "inline"
(render in the request: the development server and the tests, where a child per file would
only cost time).
"""
from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from drafting.domain.errors import DomainError
from drafting.offload import gevent_is_patched, off_event_loop

T = TypeVar("T")
log = logging.getLogger(__name__)
ISOLATED_FORMATS = frozenset({"pdf", "docx"})
_PRELOADED = ["drafting.services.export_files"]


class ExportBusy(DomainError):
    status = 503
    code = "export_busy"


class _RefusedInChild(DomainError):
    """A refusal raised by the writer in the child (e.g. PDF unavailable), carried back."""


@dataclass
class Settings:
    isolation: str = "inline"  # "process" or "inline"
    processes: int = 1
    timeout: float = 60.0


def settings_from(config) -> Settings:
    isolation = config.get("EXPORT_RENDER_ISOLATION") or (
        "process" if gevent_is_patched() else "inline")
    if isolation not in ("process", "inline"):
        raise ValueError("EXPORT_RENDER_ISOLATION must be 'process' or 'inline', "
                         f"not {isolation!r}.")
    return Settings(isolation=isolation,
                    processes=max(1, int(config.get("EXPORT_RENDER_PROCESSES", 1))),
                    timeout=float(config.get("EXPORT_RENDER_TIMEOUT", 60)))


# --- the child --------------------------------------------------------------------------------

def _render_child(connection, export, fmt: str) -> None:
    from drafting.services.export_files import render_file  # noqa: PLC0415 - preloaded

    try:
        outcome = ("file", render_file(export, fmt))
    except DomainError as refusal:
        outcome = ("refused", (refusal.status, refusal.code, refusal.message, refusal.details))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which raises
        outcome = ("failed", f"{type(error).__name__}: {error}")
    try:
        connection.send(outcome)
    finally:
        connection.close()


_context_lock = threading.Lock()
_context = None


def _forkserver():
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOADED)
            _context = context
        return _context


def _render_in_child(export, fmt: str, timeout: float):
    """Run on a real thread: start the child, wait for its file at most `timeout` seconds."""
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_render_child, args=(sender, export, fmt), daemon=True,
                            name=f"render-{fmt}")
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            return ("timeout", None)
        return receiver.recv()
    except EOFError:
        return ("failed", f"the rendering process ended with code {child.exitcode}")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()


@dataclass
class RenderIsolation:
    settings: Settings
    _slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.settings.processes)

    def render(self, export, fmt: str, render_inline: Callable[[object, str], T]) -> T:
        if self.settings.isolation == "inline" or fmt not in ISOLATED_FORMATS:
            return render_inline(export, fmt)
        deadline = time.monotonic() + self.settings.timeout
        if not self._slots.acquire(timeout=self.settings.timeout):
            raise _busy("every rendering process of this server is busy")
        try:
            remaining = max(0.0, deadline - time.monotonic())
            started = time.monotonic()
            kind, value = off_event_loop(_render_in_child, export, fmt, remaining)
        finally:
            self._slots.release()
        log.info("%s %s rendered in a child process: %s after %.0f ms", export.mode, fmt, kind,
                 (time.monotonic() - started) * 1000)
        if kind == "file":
            return value
        if kind == "refused":
            status, code, message, details = value
            refusal = _RefusedInChild(message, code=code, details=details)
            refusal.status = status
            raise refusal
        if kind == "timeout":
            raise _busy(f"rendering took longer than {self.settings.timeout:g} seconds")
        raise RuntimeError(f"Rendering the {fmt} file failed: {value}")


def _busy(why: str) -> ExportBusy:
    return ExportBusy(f"The file could not be made now: {why}. Try again in a moment.")


# --- one render for identical requests ---------------------------------------------------------

@dataclass
class _Pending(Generic[T]):
    done: threading.Event = field(default_factory=threading.Event)
    value: object = None
    error: BaseException | None = None
    followers: int = 0


class RenderOnce:
    """`run(key, make)`: `make()` for the first caller with `key`; callers arriving while it
    runs get its result (or its error) instead of making their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[object, _Pending] = {}

    def run(self, key, make: Callable[[], T], wait: float) -> T:
        with self._lock:
            pending = self._pending.get(key)
            leading = pending is None
            if leading:
                pending = self._pending[key] = _Pending()
            else:
                pending.followers += 1
        if not leading:
            if not pending.done.wait(wait):
                raise _busy("the same file is still being made for another request")
            if pending.error is not None:
                raise pending.error
            return pending.value
        try:
            pending.value = make()
            return pending.value
        except BaseException as error:
            pending.error = error
            raise
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()

    def waiting(self, key) -> int:
        """How many callers wait for the render of `key` (for tests and metrics)."""
        with self._lock:
            pending = self._pending.get(key)
            return pending.followers if pending else 0


__all__ = ["ExportBusy", "ISOLATED_FORMATS", "RenderIsolation", "RenderOnce", "Settings",
           "settings_from"]
