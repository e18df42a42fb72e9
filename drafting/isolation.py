"""CPU-heavy work of a request done in a process of its own, with a deadline, and identical
work done at most once at a time.

The heavy work a request can ask for is pure: laying out a PDF (seconds of WeasyPrint for a
long statement), writing a DOCX redline, and reading an uploaded Word file or a pasted
Markdown draft (unzipping, parsing the XML, splitting the text, mapping tracked changes to
clauses). Under gevent every request of a worker shares one thread, so doing it in the request
would stall every other request of that worker — page loads and live streams alike — for as
long. So it runs in a child process forked from a server that has already imported the code
(multiprocessing's forkserver: a fork costs milliseconds, not the seconds of importing
WeasyPrint again); the request waits for it on one of gevent's real threads, so its worker
goes on serving. Work that outlives its deadline is killed and answered 503 with Retry-After
(`export_busy` for files, `import_busy` for uploads), and at most ISOLATED_PROCESSES children
of a worker run at once (others queue, within the same deadline).

Identical work arriving together shares one run: the same file for the same audience, as when
a room downloads the new revision at once (`RenderOnce`, keyed by the export's cache key), or
the same upload read for the same text, as when a browser resends a form (`Isolation.call`).

Settings (drafting/config.py): EXPORT_RENDER_ISOLATION — "process" (the default under
gevent, i.e. `make serve`) or "inline" (in the request: the development server and the tests,
where a child per call would only cost time); EXPORT_RENDER_PROCESSES; EXPORT_RENDER_TIMEOUT
(files) and IMPORT_PARSE_TIMEOUT (uploads), in seconds.
"""
from __future__ import annotations

import copy
import hashlib
import logging
import multiprocessing
import pickle
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
# Imported once by the fork server, so each child starts with them loaded.
_PRELOADED = ["drafting.services.export_files", "drafting.services.word_structure",
              "drafting.services.upload_reading", "drafting.domain.markdown_draft"]


class ExportBusy(DomainError):
    status = 503
    code = "export_busy"


class ImportBusy(DomainError):
    status = 503
    code = "import_busy"


class _RefusedInChild(DomainError):
    """A refusal raised by the work in the child (e.g. a damaged upload), carried back."""


@dataclass
class Settings:
    isolation: str = "inline"  # "process" or "inline"
    processes: int = 1
    timeout: float = 60.0  # export files
    parse_timeout: float = 30.0  # uploads and pasted drafts


def settings_from(config) -> Settings:
    isolation = config.get("EXPORT_RENDER_ISOLATION") or (
        "process" if gevent_is_patched() else "inline")
    if isolation not in ("process", "inline"):
        raise ValueError("EXPORT_RENDER_ISOLATION must be 'process' or 'inline', "
                         f"not {isolation!r}.")
    return Settings(isolation=isolation,
                    processes=max(1, int(config.get("EXPORT_RENDER_PROCESSES", 1))),
                    timeout=float(config.get("EXPORT_RENDER_TIMEOUT", 60)),
                    parse_timeout=float(config.get("IMPORT_PARSE_TIMEOUT", 30)))


# --- the child --------------------------------------------------------------------------------

def _call_in_child(connection, function: Callable, args: tuple) -> None:
    try:
        outcome = ("done", function(*args))
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


def _run_child(function: Callable, args: tuple, timeout: float, name: str):
    """Run on a real thread: start the child, wait for its answer at most `timeout` seconds."""
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_call_in_child, args=(sender, function, args), daemon=True,
                            name=name)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            return ("timeout", None)
        return receiver.recv()
    except EOFError:
        return ("failed", f"the process ended with code {child.exitcode}")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()


@dataclass
class Isolation:
    settings: Settings
    _slots: threading.BoundedSemaphore = field(init=False)
    _once: RenderOnce = field(init=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.settings.processes)
        self._once = RenderOnce()

    @property
    def isolated(self) -> bool:
        return self.settings.isolation == "process"

    def render(self, export, fmt: str, render_inline: Callable[[object, str], T]) -> T:
        """The export file of `export` in `fmt`: PDF and DOCX from a child process."""
        if not self.isolated or fmt not in ISOLATED_FORMATS:
            return render_inline(export, fmt)
        from drafting.services.export_files import render_file  # noqa: PLC0415 - preloaded

        return self._in_child(render_file, (export, fmt), f"{export.mode} {fmt}",
                              self.settings.timeout, _export_busy)

    def call(self, function: Callable[..., T], *args) -> T:
        """`function(*args)` for a request: in a child process when isolated, the same call
        arriving meanwhile waiting for this one's answer (each caller gets its own copy).

        `function` must be a module-level function and its arguments and answer picklable.
        """
        if not self.isolated:
            return function(*args)
        key = _call_key(function, args)
        what = function.__name__
        answer = self._once.run(
            key, lambda: self._in_child(function, args, what, self.settings.parse_timeout,
                                        _import_busy),
            self.settings.parse_timeout, busy=_import_busy)
        return copy.deepcopy(answer)  # callers may change what they get (a draft's choices)

    def waiting(self, function: Callable, *args) -> int:
        """How many callers wait for the same call already running (for tests)."""
        return self._once.waiting(_call_key(function, args))

    def _in_child(self, function: Callable, args: tuple, what: str, timeout: float,
                  busy: Callable[[str], DomainError]):
        deadline = time.monotonic() + timeout
        if not self._slots.acquire(timeout=timeout):
            raise busy("every worker process of this server is busy")
        try:
            remaining = max(0.0, deadline - time.monotonic())
            started = time.monotonic()
            kind, value = off_event_loop(_run_child, function, args, remaining,
                                         f"isolated-{function.__name__}")
        finally:
            self._slots.release()
        log.info("%s done in a child process: %s after %.0f ms", what, kind,
                 (time.monotonic() - started) * 1000)
        if kind == "done":
            return value
        if kind == "refused":
            status, code, message, details = value
            refusal = _RefusedInChild(message, code=code, details=details)
            refusal.status = status
            raise refusal
        if kind == "timeout":
            raise busy(f"it took longer than {timeout:g} seconds")
        raise RuntimeError(f"{what} failed in its process: {value}")


def _call_key(function: Callable, args: tuple) -> str:
    digest = hashlib.sha256(f"{function.__module__}.{function.__qualname__}".encode())
    digest.update(pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL))
    return digest.hexdigest()


def _export_busy(why: str) -> ExportBusy:
    return ExportBusy(f"The file could not be made now: {why}. Try again in a moment.")


def _import_busy(why: str) -> ImportBusy:
    return ImportBusy(f"The upload could not be read now: {why}. Try again in a moment.")


# --- one run for identical requests -----------------------------------------------------------

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

    def run(self, key, make: Callable[[], T], wait: float,
            busy: Callable[[str], DomainError] = _export_busy) -> T:
        with self._lock:
            pending = self._pending.get(key)
            leading = pending is None
            if leading:
                pending = self._pending[key] = _Pending()
            else:
                pending.followers += 1
        if not leading:
            if not pending.done.wait(wait):
                raise busy("the same work is still being done for another request")
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
        """How many callers wait for the run of `key` (for tests and metrics)."""
        with self._lock:
            pending = self._pending.get(key)
            return pending.followers if pending else 0


__all__ = ["ExportBusy", "ISOLATED_FORMATS", "ImportBusy", "Isolation", "RenderOnce",
           "Settings", "settings_from"]
