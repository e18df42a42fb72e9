"""The pure part of live updates: audience rule, replay decision, wire format."""
from __future__ import annotations

import json

import pytest

from drafting.domain.live import (PUBLIC, Audience, ReplayWindow, Subscriber, may_receive,
                                  needs_reload, parse_last_event_id, sse_comment, sse_event,
                                  sse_retry)
from drafting.domain.states import Role

AUS, NZ = 1, 2
aus_delegate = Subscriber(10, Role.DELEGATE, AUS)
nz_delegate = Subscriber(11, Role.DELEGATE, NZ)
secretariat = Subscriber(12, Role.SECRETARIAT, 4)
observer = Subscriber(13, Role.OBSERVER, None)
admin = Subscriber(14, Role.ADMIN, None)


@pytest.mark.parametrize("audience, subscriber, expected", [
    (PUBLIC, aus_delegate, True),
    (PUBLIC, observer, True),
    (PUBLIC, secretariat, True),
    # a draft: its own economy only — not the secretariat, not observers
    (Audience(AUS), aus_delegate, True),
    (Audience(AUS), nz_delegate, False),
    (Audience(AUS), secretariat, False),
    (Audience(AUS), observer, False),
    (Audience(AUS), admin, False),
    # submitted, not circulated: its economy and the secretariat
    (Audience(AUS, secretariat=True), aus_delegate, True),
    (Audience(AUS, secretariat=True), secretariat, True),
    (Audience(AUS, secretariat=True), nz_delegate, False),
    (Audience(AUS, secretariat=True), observer, False),
    # economy 0: nobody's unsent work reaches anyone
    (Audience(0), aus_delegate, False),
    # the secretariat's own economy (THA, id 4) does not make it a delegate of it
    (Audience(4), secretariat, False),
])
def test_audience_rule(audience, subscriber, expected):
    assert may_receive(audience, subscriber) is expected


@pytest.mark.parametrize("candidates, expected", [
    (("12", "3"), 12),
    ((None, "7"), 7),
    ((" 9 ", None), 9),
    (("abc", "5"), 5),
    (("-1", None), None),
    (("", ""), None),
    ((None, None), None),
    (("9" * 19, None), None),  # beyond any id: ignored rather than overflowing a query
])
def test_last_event_id_parsing(candidates, expected):
    assert parse_last_event_id(*candidates) == expected


@pytest.mark.parametrize("last, window, missed, expected", [
    (10, ReplayWindow(1, 20), 3, False),
    (10, ReplayWindow(1, 20), 51, True),  # too many to replay
    (10, ReplayWindow(1, 10), 0, False),  # up to date
    (0, ReplayWindow(1, 5), 2, False),  # page rendered before the first event
    (3, ReplayWindow(8, 20), 4, True),  # ids 4..6 pruned
    (7, ReplayWindow(8, 20), 4, False),  # the next one is the oldest kept
    (30, ReplayWindow(1, 20), 0, True),  # from another history (database restored)
    (5, ReplayWindow(None, None), 0, True),
    (0, ReplayWindow(None, None), 0, False),
])
def test_reload_decision(last, window, missed, expected):
    assert needs_reload(last, window, missed, limit=50) is expected


def test_wire_format():
    text = sse_event("proposal.submitted", {"b": 2, "a": "é\nx"}, 42)
    assert text.endswith("\n\n")
    lines = text[:-2].split("\n")
    assert lines[0] == "id: 42"
    assert lines[1] == "event: proposal.submitted"
    assert lines[2].startswith("data: ") and len(lines) == 3
    assert json.loads(lines[2][6:]) == {"a": "é\nx", "b": 2}
    assert sse_event(None, {"listen": "x"}) == 'data: {"listen":"x"}\n\n'
    assert sse_comment("keep\nalive") == ": keep alive\n\n"
    assert sse_retry(3000) == "retry: 3000\n\n"
    with pytest.raises(ValueError):
        sse_event("two\nlines", {})
