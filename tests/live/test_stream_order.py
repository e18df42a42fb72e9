"""A stream sends the document's events in commit order, each once, even when the bus
delivers them crossed (two processes publishing after their own commits) or never delivers
one (a process killed between its commit and its publish). No database: the log is a stub."""
from __future__ import annotations

import threading

from drafting.domain.live import Subscriber
from drafting.domain.states import Role
from drafting.infrastructure import live_bus, seen_ids
from drafting.services.live import Replay
from drafting.web.live import StreamSettings, event_stream
from tests.live.conftest import named, parse_stream

DOCUMENT = 7
SECRETARIAT = Subscriber(user_id=1, role=Role.SECRETARIAT, economy_id=None)


def message(event_id: int, document_id: int = DOCUMENT, economy_id: int | None = None) -> dict:
    return {"id": event_id, "kind": "comment.posted", "document_id": document_id,
            "clause_id": None, "proposal_id": None, "clause_number": None,
            "audience_economy_id": economy_id, "audience_secretariat": False, "notify": []}


def payload(event_id: int) -> dict:
    return {key: message(event_id)[key] for key in
            ("id", "kind", "document_id", "clause_id", "proposal_id", "clause_number")}


class LogStub:
    """`read_log` that answers from a fixed list of committed events, and counts its calls."""

    def __init__(self, committed: list[int], answer=None) -> None:
        self.committed, self.answer, self.calls = committed, answer, []

    def __call__(self, after: int, upto: int):
        self.calls.append((after, upto))
        if self.answer is not None:
            return self.answer
        return [payload(i) for i in self.committed if after < i <= upto]


def run_stream(bus, subscription, max_events: int, read_log=None, gap_wait: float = 0.05,
               cursor: int = 10, max_seconds: float = 10):
    settings = StreamSettings(keepalive_seconds=0.05, max_seconds=max_seconds,
                              max_events=max_events,
                              gap_wait_seconds=gap_wait)
    text = "".join(event_stream(subscription, SECRETARIAT, DOCUMENT, Replay(cursor=cursor),
                                settings, read_log=read_log))
    events, _comments = parse_stream(text)
    return [(e.kind, e.id) for e in named(events)]


def test_messages_that_cross_on_the_bus_are_sent_in_commit_order():
    bus = live_bus.InProcessBus()
    subscription = bus.subscribe()
    log = LogStub(committed=[11, 12])
    bus.publish(message(12))
    late = threading.Timer(0.1, bus.publish, args=(message(11),))
    late.start()
    try:
        # The wait ends as soon as the straggler comes: a long bound costs nothing, and a
        # loaded machine that fires the timer late still takes the path under test.
        sent = run_stream(bus, subscription, max_events=3, read_log=log, gap_wait=60.0)
    finally:
        late.join()
    assert sent == [("ready", 10), ("comment.posted", 11), ("comment.posted", 12)]
    assert log.calls == []  # the straggler came within the wait: no read of the log


def test_an_earlier_event_queued_behind_a_later_one_goes_first():
    """Both reached the process (seen) before the stream looked, crossed: 12 queued first."""
    bus = live_bus.InProcessBus()
    subscription = bus.subscribe()
    log = LogStub(committed=[], answer=AssertionError("the log must not be read"))
    bus.publish(message(12))
    bus.publish(message(11))
    sent = run_stream(bus, subscription, max_events=3, read_log=log, gap_wait=5.0)
    assert sent == [("ready", 10), ("comment.posted", 11), ("comment.posted", 12)]
    assert log.calls == []


def test_an_id_is_marked_seen_only_once_every_stream_has_it_queued():
    bus = live_bus.InProcessBus()
    subscription = bus.subscribe()
    marked_when = []
    original = bus.fanout.seen_ids.add

    def add(event_id):
        marked_when.append((event_id, subscription._queue.qsize()))
        original(event_id)

    bus.fanout.seen_ids.add = add
    bus.publish(message(11))
    assert marked_when == [(11, 1)]


def test_an_event_read_from_the_log_is_not_sent_again_when_its_copy_comes_late():
    bus = live_bus.InProcessBus()
    subscription = bus.subscribe()
    committed = [11, 12, 13]

    def read_log_then_the_straggler_arrives(after: int, upto: int):
        bus.publish(message(11))
        return [payload(i) for i in committed if after < i <= upto]

    bus.publish(message(12))
    bus.publish(message(13))
    # Room for a fifth event (a second 11) that must not come: the stream ends by its clock.
    sent = run_stream(bus, subscription, max_events=5, gap_wait=0.05, max_seconds=1.5,
                      read_log=read_log_then_the_straggler_arrives)
    assert sent == [("ready", 10), ("comment.posted", 11), ("comment.posted", 12),
                    ("comment.posted", 13)]


def test_a_missing_event_no_process_ever_sends_is_read_from_the_log():
    bus = live_bus.InProcessBus()
    subscription = bus.subscribe()
    log = LogStub(committed=[11, 12])
    bus.publish(message(12))
    sent = run_stream(bus, subscription, max_events=3, read_log=log, gap_wait=0.05)
    assert sent == [("ready", 10), ("comment.posted", 11), ("comment.posted", 12)]
    assert log.calls == [(10, 12)]


def test_an_id_of_another_document_or_audience_seen_on_the_bus_is_no_gap():
    bus = live_bus.InProcessBus()
    subscription = bus.subscribe()
    log = LogStub(committed=[], answer=AssertionError("the log must not be read"))
    bus.publish(message(11, document_id=DOCUMENT + 1))
    bus.publish(message(12, economy_id=3))  # a draft of an economy: not the secretariat's
    bus.publish(message(13))
    sent = run_stream(bus, subscription, max_events=2, read_log=log, gap_wait=5.0)
    assert sent == [("ready", 10), ("comment.posted", 13)]
    assert log.calls == []


def test_too_many_missing_events_ask_the_client_to_reload():
    bus = live_bus.InProcessBus()
    subscription = bus.subscribe()
    bus.publish(message(12))
    sent = run_stream(bus, subscription, max_events=2, gap_wait=0.01,
                      read_log=lambda after, upto: None)
    assert sent == [("ready", 10), ("reload", 12)]


def test_a_log_that_cannot_be_read_leaves_the_stream_sending_what_it_has():
    bus = live_bus.InProcessBus()
    subscription = bus.subscribe()
    bus.publish(message(12))
    sent = run_stream(bus, subscription, max_events=2, gap_wait=0.01,
                      read_log=LogStub(committed=[], answer=OSError("database gone")))
    assert sent == [("ready", 10), ("comment.posted", 12)]


def test_seen_ids_forget_the_oldest_and_then_vouch_for_nothing_below_them():
    seen = seen_ids.SeenIds(kept=10)
    for event_id in range(1, 12):
        seen.add(event_id)
    assert seen.all_seen(8, 11)
    assert not seen.all_seen(2, 8)  # forgotten: unknown, so read from the log
    assert seen.all_seen(8, 9)  # nothing between
    assert not seen.all_seen(10, 10 + seen_ids.SEEN_IDS_SPAN + 5)
