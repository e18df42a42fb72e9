"""Helpers for the live-update tests: reading a bounded Server-Sent Events stream."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from drafting.extensions import db


@dataclass
class Received:
    kind: str  # the event name ("message" when unnamed)
    data: dict
    id: int | None


def parse_stream(text: str) -> tuple[list[Received], list[str]]:
    """Events and comment lines of an SSE body; `retry:` lines are kept as comments "retry N"."""
    events, comments = [], []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        kind, data, event_id = "message", [], None
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "":
                comments.append(value)
            elif field == "retry":
                comments.append(f"retry {value}")
            elif field == "event":
                kind = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                event_id = int(value)
        if data:
            events.append(Received(kind, json.loads("\n".join(data)), event_id))
    return events, comments


def named(events: list[Received]) -> list[Received]:
    """Without the unnamed announcements ({"listen": kind})."""
    return [e for e in events if e.kind != "message"]


@pytest.fixture
def live_app(app):
    """Streams that idle briefly and can never outlive a failing test by much."""
    app.config.update(LIVE_KEEPALIVE_SECONDS=0.05, LIVE_STREAM_MAX_SECONDS=10)
    return app


class StreamReader:
    def __init__(self, client):
        self.client = client

    def open(self, url: str, max_events: int, headers: dict | None = None):
        """Open a stream that ends after `max_events` events; the view has run (authorised,
        subscribed, read the replay) when this returns."""
        self.client.application.config["LIVE_STREAM_MAX_EVENTS"] = max_events
        response = self.client.get(url, headers=headers or {}, buffered=False)
        return response

    @staticmethod
    def read(response) -> tuple[list[Received], list[str]]:
        try:
            body = b"".join(response.response).decode()
        finally:
            response.close()
        return parse_stream(body)


@pytest.fixture
def streams(live_app):
    return StreamReader


def log_id(app, shown: int | None) -> int | None:
    """The live event id (LiveEvent.id) behind an id a stream showed (web/live.event_ids)."""
    from drafting.web.live import event_ids  # noqa: PLC0415

    return None if shown is None else event_ids(app).decode(shown)


def shown_id(app, live_event_id: int) -> int:
    """What a stream shows for the live event `live_event_id`."""
    from drafting.web.live import event_ids  # noqa: PLC0415

    return event_ids(app).encode(live_event_id)


def fresh(model, key):
    """The row again: a stream view releases the session, detaching what the test held."""
    return db.session.get(model, key)

