"""Which live event ids this process's bus has delivered (infrastructure/live_bus.py fans them out;
web/live.py asks before a stream sends an id)."""
from __future__ import annotations

import threading

# How many of the newest event ids a process remembers having seen (`SeenIds`).
SEEN_IDS_KEPT = 50_000
# A stream checks at most this many ids between two of its events; a longer stretch it reads
# from the log instead.
SEEN_IDS_SPAN = 2_000


class SeenIds:
    """The live event ids this process's bus has delivered, to tell a stream whether an
    earlier event may still be on its way.

    Ids are handed out in commit order, but each process publishes after its own commit, so
    two processes' messages can cross on the bus (and a process killed between its commit and
    its publish never sends one). A stream that sent a later id and then dropped the earlier
    one as "already sent" would lose it; so before sending an id it asks whether every id
    since its cursor has been seen here, and if not, waits briefly (`wait_for`) or reads the
    log. An id is marked seen after every stream was offered it, so a seen id is either handled
    by the stream already or in its queue (the stream takes its queue and sorts it before
    sending). Only stdlib locks, which gevent patches."""

    def __init__(self, kept: int = SEEN_IDS_KEPT) -> None:
        self._kept = kept
        self._ids: set[int] = set()
        self._forgotten_up_to = 0  # ids at or below this were dropped from memory
        # Every id from `_first` to `_contiguous` has been seen: the usual answer, in O(1).
        self._first: int | None = None
        self._contiguous = 0
        self._changed = threading.Condition()

    def add(self, event_id: int) -> None:
        with self._changed:
            self._ids.add(event_id)
            if self._first is None:
                self._first = self._contiguous = event_id
            while self._contiguous + 1 in self._ids:
                self._contiguous += 1
            if len(self._ids) > self._kept:
                oldest = sorted(self._ids)[: self._kept // 2]
                self._ids.difference_update(oldest)
                self._forgotten_up_to = max(self._forgotten_up_to, oldest[-1])
            self._changed.notify_all()

    def all_seen(self, after: int, before: int) -> bool:
        """Whether every id strictly between `after` and `before` has been seen."""
        with self._changed:
            return self._all_seen(after, before)

    def wait_for(self, after: int, before: int, timeout: float) -> bool:
        """Wait up to `timeout` seconds for every id between `after` and `before`."""
        with self._changed:
            return self._changed.wait_for(lambda: self._all_seen(after, before), timeout)

    def _all_seen(self, after: int, before: int) -> bool:
        if before - after <= 1:
            return True
        if before - after > SEEN_IDS_SPAN or after < self._forgotten_up_to:
            return False
        first = self._first
        if first is not None and first <= after + 1 and before - 1 <= self._contiguous:
            return True
        return all(i in self._ids for i in range(after + 1, before))
