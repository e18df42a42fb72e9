"""What a worker keeps between requests while the live bus says nothing changed: the users of
checked sessions (web/session_users.py) and the document page's look-ups (web/page_lookups.py).

Two app objects with a bus listener each stand for two worker processes, on Redis and (in the
PostgreSQL pass) on LISTEN/NOTIFY. Redis runs in CI: a run without it fails rather than
skips."""
from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event, select, text, update

from drafting.extensions import db
from drafting.models import ApiToken, Clause, User
from drafting.infrastructure import live_bus
from drafting.services import positions
from drafting.web import commit_news, page_lookups, session_users
from drafting.web.memory_cache import EVERYTHING, BusFollowingCache
from tests.conftest import make_test_app
from tests.factories import login
from tests.live.test_bus import REDIS_URL, redis_client  # noqa: F401 (fixture)

DEADLINE = 5.0  # bounds a failure only: news arrives in milliseconds


# --- the cache's rules, with a bus whose state the test sets ---------------------------------

class FakeBus:
    def __init__(self) -> None:
        self.fanout = live_bus.LocalFanout()
        self.listening = True
        self.epoch = 1
        self.asked_to_listen = 0

    def ensure_listening(self) -> None:
        self.asked_to_listen += 1


def _cache(bus, news=lambda message: EVERYTHING if message.get("control") else None,
           max_age=60) -> BusFollowingCache:
    return BusFollowingCache(bus, max_entries=10, max_age=max_age, news=news)


def test_an_entry_is_used_only_while_the_listener_has_listened_without_a_break():
    bus = FakeBus()
    cache = _cache(bus)
    cache.put("k", "v", cache.ticket())
    assert cache.get("k") == "v"
    bus.listening = False
    assert cache.get("k") is None and bus.asked_to_listen == 1
    bus.listening, bus.epoch = True, 2  # listening again, on a new connection
    assert cache.get("k") is None
    cache.put("k", "w", cache.ticket())
    assert cache.get("k") == "w"


def test_nothing_read_while_news_arrived_is_kept():
    bus = FakeBus()
    cache = _cache(bus)
    ticket = cache.ticket()  # the rows are being read...
    bus.fanout.deliver({"control": "committed"})  # ...when a commit's news arrives
    cache.put("k", "old", ticket)
    assert cache.get("k") is None
    ticket = cache.ticket()
    bus.epoch += 1  # or when the listener reconnects
    cache.put("k", "old", ticket)
    assert cache.get("k") is None
    bus.listening = False
    cache.put("k", "v", cache.ticket())
    bus.listening = True
    assert cache.get("k") is None


def test_news_and_gaps_forget_what_they_name_and_age_bounds_the_rest(monkeypatch):
    bus = FakeBus()
    cache = _cache(bus, news=lambda message: message.get("stale"), max_age=60)
    for key in ("a", "b", "c"):
        cache.put(key, key.upper(), cache.ticket())
    bus.fanout.deliver({"stale": ["a"]})
    assert [cache.get(k) for k in "abc"] == [None, "B", "C"]
    bus.fanout.deliver({"id": 5, "kind": "comment.added"})  # news of nothing to forget
    assert cache.get("b") == "B"
    bus.fanout.deliver(live_bus.GAP)  # messages may have been lost
    assert cache.get("b") is None and cache.get("c") is None
    cache.put("d", "D", cache.ticket())
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 61)
    assert cache.get("d") is None


@contextmanager
def heard_news(app):
    """The control messages this app's bus delivers in this process, in order."""
    heard = []

    class Ear:
        def hear(self, message):
            if message.get("control"):
                heard.append(message)

    ear = Ear()
    app.extensions["drafting.live_bus"].fanout.observe(ear.hear)
    yield heard
    del ear


def test_control_messages_reach_observers_and_never_streams(app):
    bus = live_bus.InProcessBus()
    stream = bus.subscribe()
    app.extensions["drafting.live_bus"] = bus
    with heard_news(app) as heard:
        bus.publish(commit_news.message({3}))
        assert heard == [{"control": "committed", "users": [3]}]
    assert stream.get(timeout=0) is None


# --- what a commit announces -------------------------------------------------------------------

def test_a_commit_announces_the_users_it_changed_and_a_read_announces_nothing(app, world):
    # A bus of this test's own: on PostgreSQL the app's bus is shared by every test app, and
    # its listener would add the NOTIFY copies of these commits, late.
    app.extensions["drafting.live_bus"] = live_bus.InProcessBus()
    jpn, nz = world.users["jpn"], world.users["nz"]
    with heard_news(app) as heard:
        db.session.execute(select(User)).all()
        db.session.commit()
        assert heard == []
        jpn.rotate_session()
        db.session.commit()
        assert heard == [{"control": "committed", "users": [jpn.id]}]
        positions.set_position(nz, world.clauses[0], "support")
        db.session.commit()
        assert heard[-1] == {"control": "committed", "users": []}
        db.session.execute(update(User).where(User.id == nz.id).values(display_name="NZ"))
        db.session.commit()
        assert heard[-1] == {"control": "committed", "users": "all"}
        world.economies["NZ"].colour = "#123456"  # kept with every NZ delegate
        db.session.commit()
        assert heard[-1] == {"control": "committed", "users": "all"}
        jpn.rotate_session()
        db.session.flush()
        db.session.rollback()
        assert len(heard) == 4  # a rolled-back change announces nothing
        db.session.execute(text("UPDATE users SET display_name = display_name"))
        db.session.commit()
        assert heard[-1] == {"control": "committed", "users": "all"}  # written SQL: anything


def test_a_savepoint_makes_no_news_before_its_transaction_commits(app, world):
    app.extensions["drafting.live_bus"] = live_bus.InProcessBus()
    jpn = world.users["jpn"]
    with heard_news(app) as heard:
        with db.session.begin_nested():
            jpn.rotate_session()
        assert heard == []  # the outer transaction may still roll back
        db.session.commit()
        assert heard == [{"control": "committed", "users": [jpn.id]}]


def test_caches_need_a_bus_that_reaches_every_process(migrated):
    alone = make_test_app(migrated, LIVE_BUS="memory")
    assert session_users.EXTENSION_KEY not in alone.extensions
    assert page_lookups.LOOKUPS_KEY not in alone.extensions
    switched_off = make_test_app(migrated, REDIS_URL=REDIS_URL, SESSION_USER_CACHE_ENTRIES=0,
                                 PAGE_LOOKUPS_ENTRIES=0,
                                 LIVE_CHANNEL_PREFIX=f"drafting-test-{uuid.uuid4().hex[:8]}")
    try:
        assert session_users.EXTENSION_KEY not in switched_off.extensions
        assert page_lookups.LOOKUPS_KEY not in switched_off.extensions
    finally:
        live_bus.forget_shared_bus(switched_off.extensions["drafting.live_bus"])


# --- two workers on one bus ---------------------------------------------------------------------

@pytest.fixture(params=["redis", "postgresql"])
def workers(request, migrated, world, redis_client):  # noqa: F811
    """Two app objects, each with a bus listener of its own on one channel: two processes."""
    if request.param == "postgresql" and not migrated.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY needs the test database on PostgreSQL: this runs in the "
                    "PostgreSQL pass (TEST_DATABASE_URL), as CI does")
    channel = f"drafting-test-{uuid.uuid4().hex[:12]}"
    made, shared = [], []
    for name in ("one", "two"):
        settings = {"REDIS_URL": REDIS_URL} if request.param == "redis" else {}
        worker = make_test_app(migrated, LIVE_CHANNEL_PREFIX=channel, **settings)
        shared.append(worker.extensions["drafting.live_bus"])  # one per process: replaced
        if request.param == "redis":
            bus = live_bus.RedisBus(REDIS_URL, f"{channel}:live", client_name=f"{channel}-{name}")
        else:
            bus = live_bus.PostgresBus(migrated, f"{channel}:live",
                                       application_name=f"{channel}-{name}")
        worker.extensions["drafting.live_bus"] = bus
        session_users.init_app(worker)
        page_lookups.init_app(worker)
        made.append(worker)
    yield made
    for worker in made:
        worker.extensions["drafting.live_bus"].close()
    for bus in {id(b): b for b in shared}.values():
        live_bus.forget_shared_bus(bus)


def _cut_listener(bus, redis_client) -> None:  # noqa: F811
    """End the listener's connection from the server's side."""
    if isinstance(bus, live_bus.RedisBus):
        name = bus._client.get_connection_kwargs()["client_name"]
        for connection in redis_client.client_list():
            if connection.get("name") == name:
                redis_client.client_kill_filter(_id=connection["id"])
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE application_name = :name"),
                           {"name": bus._application_name})
        connection.commit()


def _statements(worker):
    with worker.app_context():
        engine = db.engine
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def _eventually(condition, what: str):
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


@dataclass
class Reader:
    """nz reading the document on a worker, once the worker answers from memory."""
    client: object
    url: str
    statements: list  # every statement the worker has run since
    etag: str


def _reader(worker, world) -> Reader:
    statements = _statements(worker)
    client = worker.test_client()
    login(client, "nz")
    url = f"/documents/{world.document.id}"
    answers = []

    def from_memory():
        before = len(statements)
        answers.append(client.get(url))
        assert answers[-1].status_code == 200
        return len(statements) == before

    _eventually(from_memory, f"{url} still reads the database")
    return Reader(client, url, statements, answers[-1].headers["ETag"])


def test_a_repeated_view_of_an_unchanged_document_reaches_no_database(workers, world):
    _, two = workers
    nz = _reader(two, world)
    before = len(nz.statements)
    again = nz.client.get(nz.url)
    assert again.status_code == 200 and again.headers["ETag"] == nz.etag
    assert "nz" in again.get_data(as_text=True)
    assert nz.client.get(nz.url, headers={"If-None-Match": nz.etag}).status_code == 304
    assert len(nz.statements) == before
    assert len(two.extensions[session_users.EXTENSION_KEY]) >= 1


def test_a_change_committed_by_another_worker_is_seen_at_the_next_view(workers, world):
    one, two = workers
    nz = _reader(two, world)
    with one.app_context():
        jpn = db.session.execute(select(User).where(User.username == "jpn")).scalar_one()
        positions.set_position(jpn, db.session.get(Clause, world.clauses[0].id), "support")
        db.session.commit()
    _eventually(lambda: nz.client.get(nz.url).headers["ETag"] != nz.etag,
                "the other worker's change never reached this one")


def test_a_session_ended_in_one_worker_is_refused_by_the_other(workers, world):
    one, two = workers
    nz = _reader(two, world)
    with one.app_context():
        user = db.session.execute(select(User).where(User.username == "nz")).scalar_one()
        user.rotate_session()  # what logging out does
        db.session.commit()
    _eventually(lambda: nz.client.get(nz.url).status_code == 302,
                "the ended session is still accepted by the other worker")
    assert "/login" in nz.client.get(nz.url).headers["Location"]


def test_a_worker_whose_listener_lost_its_bus_reads_the_database_again(
        workers, world, redis_client):  # noqa: F811
    _, two = workers
    nz = _reader(two, world)
    bus = two.extensions["drafting.live_bus"]
    epoch = bus.epoch
    with two.app_context():
        _cut_listener(bus, redis_client)
    _eventually(lambda: bus.epoch != epoch, "the listener never noticed")
    before = len(nz.statements)
    assert nz.client.get(nz.url).status_code == 200
    assert len(nz.statements) > before


def test_a_user_served_from_memory_can_log_out_and_issue_a_token(workers, world):
    """The kept user is a real row of the request's session: changing it is written."""
    _, two = workers
    nz = _reader(two, world)
    issued = nz.client.post("/account/tokens", data={"name": "laptop"})
    assert issued.status_code in (200, 302), issued.data[:300]
    with two.app_context():
        user = db.session.execute(select(User).where(User.username == "nz")).scalar_one()
        nonce = user.session_nonce
        tokens = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id))
        assert [t.name for t in tokens.scalars()] == ["laptop"]
    assert nz.client.post("/logout").status_code == 302
    with two.app_context():
        user = db.session.execute(select(User).where(User.username == "nz")).scalar_one()
        assert user.session_nonce != nonce
    assert nz.client.get(nz.url).status_code == 302
