"""The buses: in-process fan-out, and Redis pub/sub between independent subscribers (as two
worker processes would be). Redis runs in CI: a run without it fails rather than skips."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Clause, User
from drafting.infrastructure import live_bus
from drafting.services import positions
from tests.conftest import isolate_requests, make_test_app
from tests.factories import login
from tests.live.conftest import StreamReader, log_id, named

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Poll-with-deadline: a message normally arrives in milliseconds; this only bounds a failure.
DEADLINE = 5.0


def test_in_process_fanout_reaches_every_open_stream():
    bus = live_bus.InProcessBus()
    first, second = bus.subscribe(), bus.subscribe()
    bus.publish({"id": 1, "kind": "x"})
    assert first.get(timeout=0) == second.get(timeout=0) == {"id": 1, "kind": "x"}
    second.close()
    bus.publish({"id": 2, "kind": "x"})
    assert first.get(timeout=0)["id"] == 2
    assert second.get(timeout=0) is None
    assert bus.fanout.count == 1


def test_a_stream_that_falls_behind_is_told_to_reload(monkeypatch):
    monkeypatch.setattr(live_bus, "STREAM_QUEUE_SIZE", 2)
    bus = live_bus.InProcessBus()
    slow = live_bus.Subscription(bus.fanout, maxsize=2)
    bus.fanout._subscriptions.add(slow)
    for event_id in range(1, 5):
        bus.publish({"id": event_id})
    assert slow.get(timeout=0) is live_bus.GAP
    assert slow.get(timeout=0) is None  # the backlog was dropped: the reload covers it
    bus.publish({"id": 5})
    assert slow.get(timeout=0) == {"id": 5}


def test_a_live_event_inside_a_savepoint_waits_for_the_outer_commit(app, world):
    bus = live_bus.InProcessBus()
    app.extensions["drafting.live_bus"] = bus
    stream = bus.subscribe()
    with db.session.begin_nested():
        positions.set_position(world.users["nz"], world.clauses[0], "support")
    assert stream.get(timeout=0) is None  # released, but the transaction may still roll back
    db.session.commit()
    assert stream.get(timeout=0)["kind"] == "position.set"


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed for this test (TEST_REDIS_URL={REDIS_URL}): {error}")
    yield client
    client.close()


@pytest.fixture
def channel(redis_client) -> str:
    return f"drafting-test-{uuid.uuid4().hex[:12]}:live"


def _bus(channel: str, name: str) -> live_bus.RedisBus:
    return live_bus.RedisBus(REDIS_URL, channel, client_name=name)


def test_redis_carries_messages_between_two_processes_subscribers(channel):
    publisher, listener = _bus(channel, "pub"), _bus(channel, "sub")
    try:
        one, two = listener.subscribe(), listener.subscribe()
        publisher.publish({"id": 7, "kind": "proposal.submitted", "notify": [3]})
        assert one.get(timeout=DEADLINE) == {"id": 7, "kind": "proposal.submitted",
                                             "notify": [3]}
        assert two.get(timeout=DEADLINE)["id"] == 7
    finally:
        publisher.close()
        listener.close()


def test_a_lost_redis_connection_makes_streams_reload(channel, redis_client):
    name = f"drafting-test-{uuid.uuid4().hex[:8]}"
    bus = _bus(channel, name)
    try:
        subscription = bus.subscribe()
        listeners = [c for c in redis_client.client_list() if c.get("name") == name]
        assert listeners, "the listener's connection carries the client name"
        for connection in listeners:
            redis_client.client_kill_filter(_id=connection["id"])
        assert subscription.get(timeout=DEADLINE) is live_bus.GAP
        bus.publish({"id": 8})  # and it listens again
        assert subscription.get(timeout=DEADLINE) == {"id": 8}
    finally:
        bus.close()


@pytest.fixture
def redis_app(migrated, channel, world):
    """A second app object on the same database, publishing through Redis."""
    prefix = channel.removesuffix(":live")
    app = make_test_app(migrated, REDIS_URL=REDIS_URL, LIVE_CHANNEL_PREFIX=prefix,
                        LIVE_KEEPALIVE_SECONDS=0.05, LIVE_STREAM_MAX_SECONDS=10)
    isolate_requests(app)
    yield app
    live_bus.forget_shared_bus(app.extensions["drafting.live_bus"])


def test_a_change_committed_in_one_process_reaches_a_stream_in_another(redis_app, channel,
                                                                      world):
    """The app publishes to Redis after commit; a separate subscriber (another worker) gets
    it, and a stream served by the app gets it through its own Redis listener."""
    assert isinstance(redis_app.extensions["drafting.live_bus"], live_bus.RedisBus)
    document_id = world.document.id
    clause_id = world.clauses[0].id
    other_worker = _bus(channel, "other-worker")
    try:
        elsewhere = other_worker.subscribe()
        with redis_app.app_context():
            client = redis_app.test_client()
            login(client, "nz")
            stream = StreamReader(client).open(f"/documents/{document_id}/events",
                                               max_events=2)
            jpn = db.session.execute(select(User).where(User.username == "jpn")).scalar_one()
            positions.set_position(jpn, db.session.get(Clause, clause_id), "support")
            db.session.flush()
            assert elsewhere.get(timeout=0.2) is None  # not before the commit
            db.session.commit()
            events = named(StreamReader.read(stream)[0])
            db.session.remove()
        assert [e.kind for e in events] == ["ready", "position.set"]
        message = elsewhere.get(timeout=DEADLINE)
        assert (message["kind"], message["clause_id"], message["id"]) == \
            ("position.set", clause_id, log_id(redis_app, events[1].id))
    finally:
        other_worker.close()


# --- PostgreSQL LISTEN/NOTIFY -------------------------------------------------------------------

PG_URL = os.environ.get("TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_admin():
    """A plain connection to the PostgreSQL server (CI has one: failing, not skipping)."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(PG_URL).set(drivername="postgresql").render_as_string(
        hide_password=False)
    try:
        connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        pytest.fail(f"PostgreSQL is needed for this test (TEST_DATABASE_URL={PG_URL}): {error}")
    yield connection
    connection.close()


def _pg_bus(channel: str, name: str) -> live_bus.PostgresBus:
    return live_bus.PostgresBus(PG_URL, channel, application_name=name)


def test_postgres_notify_carries_messages_between_two_listeners(channel, pg_admin):
    publisher, listener = _pg_bus(channel, "drafting-test-pub"), \
        _pg_bus(channel, "drafting-test-sub")
    try:
        subscription = listener.subscribe()
        publisher.publish({"id": 9, "kind": "position.set", "notify": [4, 5]})
        assert subscription.get(timeout=DEADLINE) == {"id": 9, "kind": "position.set",
                                                      "notify": [4, 5]}
        # Too many notified users for a NOTIFY payload (8000 bytes): everyone recounts.
        publisher.publish({"id": 10, "kind": "revision.issued",
                           "notify": list(range(100_000, 103_000))})
        message = subscription.get(timeout=DEADLINE)
        assert (message["id"], message["notify"], message["notify_all"]) == (10, [], True)
    finally:
        publisher.close()
        listener.close()


def test_a_lost_postgres_connection_makes_streams_reload(channel, pg_admin):
    name = f"drafting-test-{uuid.uuid4().hex[:8]}"
    bus = _pg_bus(channel, name)
    try:
        subscription = bus.subscribe()
        killed = pg_admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s", (name,)).fetchall()
        assert killed, "the listener's connection carries the application name"
        assert subscription.get(timeout=DEADLINE) is live_bus.GAP
        bus.publish({"id": 11})  # the publisher's connection was cut too: it reconnects
        assert subscription.get(timeout=DEADLINE) == {"id": 11}
    finally:
        bus.close()


def test_the_bus_follows_the_settings(channel):
    prefix = channel.removesuffix(":live")
    assert isinstance(live_bus.make_bus(None, prefix, "sqlite:///x.db"),
                      live_bus.InProcessBus)
    assert isinstance(live_bus.make_bus(REDIS_URL, prefix, PG_URL, choice="memory"),
                      live_bus.InProcessBus)
    redis = live_bus.make_bus(REDIS_URL, prefix, PG_URL)
    postgres = live_bus.make_bus(None, prefix, PG_URL)
    try:
        assert isinstance(redis, live_bus.RedisBus) and redis.channel == channel
        assert isinstance(postgres, live_bus.PostgresBus) and postgres.channel == channel
        assert live_bus.make_bus(REDIS_URL, prefix) is redis  # one per process
    finally:
        live_bus.forget_shared_bus(redis)
        live_bus.forget_shared_bus(postgres)
