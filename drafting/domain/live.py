"""Live updates, the pure part: who may receive an event, what a reconnecting client is owed,
and the Server-Sent Events wire format.

No Flask and no database here: the service (services/live.py) and the stream view
(web/live.py) feed these functions plain values.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import lru_cache

from drafting.domain.states import Role


# --- audience ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Audience:
    """Who may be told that an event happened.

    `economy_id` None: everyone who can read the document. Otherwise only that economy's
    delegates, plus the secretariat when `secretariat` is true (a submitted proposal not yet
    circulated). The rule mirrors services/visibility.py: a draft is its economy's alone, the
    secretariat sees submitted proposals before they circulate, observers see circulated ones.
    """

    economy_id: int | None = None
    secretariat: bool = False

    @property
    def public(self) -> bool:
        return self.economy_id is None


PUBLIC = Audience()


@dataclass(frozen=True)
class Subscriber:
    """The facts about a viewer that the audience rule needs; captured once, when a stream
    opens, so the stream loop needs no database."""

    user_id: int
    role: Role
    economy_id: int | None


def may_receive(audience: Audience, subscriber: Subscriber) -> bool:
    if audience.public:
        return True
    if subscriber.role is Role.SECRETARIAT:
        return audience.secretariat
    return subscriber.role is Role.DELEGATE and subscriber.economy_id == audience.economy_id


# --- replay --------------------------------------------------------------------------------------

def parse_last_event_id(*candidates: str | None) -> int | None:
    """The first candidate that is a non-negative whole number (header, then query string);
    None when there is none. Anything else is ignored rather than refused: a browser resends
    whatever id it last saw, and a stream must still open."""
    for value in candidates:
        if value is None:
            continue
        value = value.strip()
        if value.isdigit() and len(value) <= 18:
            return int(value)
    return None


@dataclass(frozen=True)
class ReplayWindow:
    """What the database still holds: the oldest and newest live event ids (None when empty)."""

    oldest_id: int | None
    newest_id: int | None


def needs_reload(last_event_id: int, window: ReplayWindow, missed: int, limit: int) -> bool:
    """Whether a client that last saw `last_event_id` must reload rather than be replayed to.

    - more than `limit` events missed: replaying them would be slower than a reload;
    - an id older than the oldest one kept: events in between may have been pruned;
    - an id newer than any on record: the database was restored or rebuilt, so the client's
      page belongs to another history.
    """
    if missed > limit:
        return True
    if window.newest_id is None:
        return last_event_id > 0
    if last_event_id > window.newest_id:
        return True
    return window.oldest_id is not None and last_event_id < window.oldest_id - 1


# --- event ids as a client sees them -------------------------------------------------------------

# Live event ids are one sequence for every document and every audience, so the raw numbers
# would let a viewer count the events they are not shown (a draft of another economy between
# two of theirs). Clients are given the image of the id under a keyed pseudorandom permutation
# of 0 … 2**52 - 1 instead: a whole number that a JavaScript client holds exactly, equal for
# the same event, and telling nothing about order or distance. The server maps it back.
EVENT_ID_BITS = 52
_HALF_BITS = EVENT_ID_BITS // 2
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 8


class EventIdCodec:
    """Opaque event ids: a balanced Feistel network on 52 bits whose round function is
    HMAC-SHA-256 under `key` (a bijection for any round function, so every id decodes).
    The same key on every process and host (it is derived from the application's secret), so
    a client reconnecting to another worker resumes where it stopped."""

    def __init__(self, key: bytes) -> None:
        self._keys = tuple(hmac.new(key, f"live-event-id round {n}".encode(),
                                    hashlib.sha256).digest() for n in range(_ROUNDS))
        self._encode = lru_cache(maxsize=4096)(self._permute)

    def _round(self, n: int, half: int) -> int:
        digest = hmac.new(self._keys[n], half.to_bytes(4, "big"), hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big") & _HALF_MASK

    def _permute(self, value: int) -> int:
        left, right = value >> _HALF_BITS, value & _HALF_MASK
        for n in range(_ROUNDS):
            left, right = right, left ^ self._round(n, right)
        return (left << _HALF_BITS) | right

    def encode(self, event_id: int) -> int:
        """The id a client is shown for the live event `event_id` (0: before any event)."""
        if not 0 <= event_id < 1 << EVENT_ID_BITS:
            raise ValueError("a live event id is a whole number below 2**52")
        return self._encode(event_id)

    def decode(self, shown: int) -> int | None:
        """The live event id behind `shown`, or None for a number no id is shown as."""
        if not 0 <= shown < 1 << EVENT_ID_BITS:
            return None
        left, right = shown >> _HALF_BITS, shown & _HALF_MASK
        for n in reversed(range(_ROUNDS)):
            left, right = right ^ self._round(n, left), left
        return (left << _HALF_BITS) | right


# --- wire format ---------------------------------------------------------------------------------

def sse_event(kind: str | None, data: dict, event_id: int | None = None) -> str:
    """One Server-Sent Event (`kind` None: an unnamed "message" event). Neither the name nor
    the compact JSON holds a line break, so each field is one line."""
    if kind is not None and ("\n" in kind or "\r" in kind or not kind):
        raise ValueError("an event name must be one non-empty line")
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if kind is not None:
        lines.append(f"event: {kind}")
    lines.append("data: " + json.dumps(data, separators=(",", ":"), sort_keys=True))
    return "\n".join(lines) + "\n\n"


def sse_comment(text: str = "") -> str:
    """A comment line: ignored by clients, it keeps proxies from closing an idle stream and lets
    the server notice a client that has gone (a disconnect shows only on a write)."""
    return f": {' '.join(text.split())}\n\n"


def sse_retry(milliseconds: int) -> str:
    """How long a client waits before reconnecting after the stream ends."""
    return f"retry: {int(milliseconds)}\n\n"
