"""Live updates, the pure part: who may receive an event, what a reconnecting client is owed,
and the Server-Sent Events wire format.

No Flask and no database here: the service (services/live.py) and the stream view
(web/live.py) feed these functions plain values.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

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
