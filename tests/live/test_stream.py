"""The SSE endpoints through the test client: wire format, replay, reload, audiences,
notifications, the API stream, and that an open stream holds no database connection."""
from __future__ import annotations

from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Clause, Document, LiveEvent, Proposal, User
from drafting.services import decisions, drafts, live as live_service, positions, proposals
from tests.factories import login
from tests.live.conftest import fresh, log_id, named, shown_id

SECRET = "We will reduce emissions by 2030 and promote SECRET-AUS-DRAFT energy."
GREEN = "We will reduce emissions by 2030 and promote green energy."


def user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def ids_of(world):
    return world.document.id, [c.id for c in world.clauses]


def test_wire_format_and_headers(world, client, streams, app):
    document_id, clause_ids = ids_of(world)
    # The PostgreSQL runs go through LISTEN/NOTIFY, the SQLite ones through the in-process bus.
    expected_bus = live_service.PostgresBus if db.engine.dialect.name == "postgresql" \
        else live_service.InProcessBus
    assert isinstance(app.extensions["drafting.live_bus"], expected_bus)
    login(client, "nz")
    response = streams(client).open(f"/documents/{document_id}/events", max_events=2)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    positions.set_position(user("jpn"), fresh(Clause, clause_ids[1]), "support")
    db.session.commit()
    events, comments = streams.read(response)
    assert comments[0] == "retry 3000"
    assert [(e.kind, e.data) for e in events if e.kind == "message"] == [
        ("message", {"listen": "ready"}), ("message", {"listen": "position.set"})]
    ready, change = named(events)
    assert ready.kind == "ready" and ready.id == ready.data["cursor"]
    live_id = db.session.execute(select(LiveEvent.id).where(
        LiveEvent.kind == "position.set")).scalar_one()
    # Ids are shown opaque (docs/live.md): the log's id maps to the one on the wire.
    assert change.kind == "position.set" and log_id(app, change.id) == live_id > log_id(
        app, ready.id)
    assert change.id != live_id
    assert change.data == {"id": shown_id(app, live_id), "kind": "position.set",
                           "document_id": document_id,
                           "clause_id": clause_ids[1], "proposal_id": None,
                           "clause_number": "PP2"}


def test_keepalive_comments_while_idle(world, client, streams, app):
    document_id, _ = ids_of(world)
    login(client, "nz")
    clock = iter(range(0, 1000)).__next__  # each look at the clock: one "second" later
    app.config.update(LIVE_STREAM_MAX_SECONDS=3)
    from drafting.web import live as live_web

    original = live_web.StreamSettings.from_config

    def with_fake_clock(config):
        settings = original(config)
        settings.clock = clock
        return settings

    live_web.StreamSettings.from_config = staticmethod(with_fake_clock)
    try:
        response = streams(client).open(f"/documents/{document_id}/events", max_events=99)
        events, comments = streams.read(response)  # ends when the fake clock passes 3 s
    finally:
        live_web.StreamSettings.from_config = original
    assert [e.kind for e in named(events)] == ["ready"]
    assert comments.count("keep-alive") == 2


def test_replay_from_last_event_id_header_and_query(world, client, streams, app):
    document_id, clause_ids = ids_of(world)
    cursor = live_service.newest_event_id()
    for clause_id in clause_ids[:3]:
        positions.set_position(user("jpn"), fresh(Clause, clause_id), "support")
        db.session.commit()
    missed = list(db.session.execute(select(LiveEvent.id).where(
        LiveEvent.id > cursor).order_by(LiveEvent.id)).scalars())
    login(client, "nz")
    url = f"/documents/{document_id}/events"
    shown = [shown_id(app, live_id) for live_id in (cursor, *missed)]
    response = streams(client).open(url, max_events=4, headers={"Last-Event-ID": str(shown[0])})
    events = named(streams.read(response)[0])
    assert [e.id for e in events] == shown[1:] + [shown[-1]]
    assert [e.kind for e in events] == ["position.set"] * 3 + ["ready"]
    # The query string serves the first connection (the cursor the page was rendered with);
    # the header, which a reconnecting browser sends, wins over it.
    response = streams(client).open(f"{url}?last_event_id={shown[1]}", max_events=3)
    assert [e.id for e in named(streams.read(response)[0])] == shown[2:] + [shown[-1]]
    response = streams(client).open(f"{url}?last_event_id={shown[0]}", max_events=2,
                                    headers={"Last-Event-ID": str(shown[2])})
    assert [e.id for e in named(streams.read(response)[0])] == shown[3:] + [shown[-1]]


def test_reload_when_the_gap_cannot_be_replayed(world, client, streams, monkeypatch, app):
    document_id, clause_ids = ids_of(world)
    cursor = live_service.newest_event_id()
    monkeypatch.setattr(live_service, "REPLAY_LIMIT", 2)
    for clause_id in clause_ids[:3]:
        positions.set_position(user("jpn"), fresh(Clause, clause_id), "support")
        db.session.commit()
    newest = live_service.newest_event_id()
    login(client, "nz")
    response = streams(client).open(f"/documents/{document_id}/events", max_events=1,
                                    headers={"Last-Event-ID": str(shown_id(app, cursor))})
    (reload,) = named(streams.read(response)[0])
    assert reload.kind == "reload" and log_id(app, reload.id) == newest
    assert reload.data == {"reason": "missed", "cursor": reload.id}


def test_reload_when_the_bus_lost_messages(world, client, streams, app):
    document_id, _ = ids_of(world)
    login(client, "nz")
    response = streams(client).open(f"/documents/{document_id}/events", max_events=2)
    app.extensions["drafting.live_bus"].fanout.deliver(live_service.GAP)
    kinds = [e.kind for e in named(streams.read(response)[0])]
    assert kinds == ["ready", "reload"]


def test_a_draft_never_reaches_another_economy(world, client, streams, app):
    document_id, clause_ids = ids_of(world)
    nz_client, aus2_client, secretariat_client = client, app.test_client(), app.test_client()
    login(nz_client, "nz")
    login(aus2_client, "aus2")
    login(secretariat_client, "secretariat")
    url = f"/documents/{document_id}/events"
    nz_stream = streams(nz_client).open(url, max_events=2)
    aus2_stream = streams(aus2_client).open(url, max_events=2)
    secretariat_stream = streams(secretariat_client).open(url, max_events=2)
    document = fresh(Document, document_id)
    draft = drafts.save_draft(user("aus"), document, "amend",
                              clause=fresh(Clause, clause_ids[2]), text=SECRET)
    db.session.commit()
    draft_id = draft.id
    # A public change afterwards ends every stream at its second event.
    positions.set_position(user("jpn"), fresh(Clause, clause_ids[0]), "support")
    db.session.commit()
    nz_events, _ = streams.read(nz_stream)
    aus2_events, _ = streams.read(aus2_stream)
    secretariat_events, _ = streams.read(secretariat_stream)
    assert [e.kind for e in named(aus2_events)] == ["ready", "proposal.draft_saved"]
    assert named(aus2_events)[1].data["proposal_id"] == draft_id
    for events in (nz_events, secretariat_events):
        assert [e.kind for e in named(events)] == ["ready", "position.set"]
        assert "draft" not in repr(events)
    # Replay applies the same rule.
    cursor = named(nz_events)[0].id
    for other, expected in ((nz_client, ["position.set"]),
                            (aus2_client, ["proposal.draft_saved", "position.set"])):
        response = streams(other).open(url, max_events=len(expected) + 1,
                                       headers={"Last-Event-ID": str(cursor)})
        assert [e.kind for e in named(streams.read(response)[0])] == expected + ["ready"]


def test_no_text_on_the_wire(world, client, streams):
    document_id, clause_ids = ids_of(world)
    login(client, "jpn")
    response = streams(client).open(f"/documents/{document_id}/events", max_events=2)
    proposals.submit_proposal(user("nz"), fresh(Document, document_id), "amend",
                              clause=fresh(Clause, clause_ids[2]), text=GREEN,
                              rationale="Because RATIONALE-WORDS")
    db.session.commit()
    body = repr(streams.read(response))
    assert "proposal.submitted" in body
    assert "green" not in body and "RATIONALE" not in body


def test_notification_for_a_change_on_another_document_and_user_stream(world, client, streams,
                                                                       app):
    from tests.factories import make_document

    document_id, clause_ids = ids_of(world)
    other_document, _ = make_document(fresh(Document, document_id).host_economy)
    db.session.commit()
    other_id = other_document.id
    proposal = proposals.submit_proposal(user("aus"), fresh(Document, document_id), "amend",
                                         clause=fresh(Clause, clause_ids[2]), text=GREEN)
    db.session.commit()
    proposal_id = proposal.id
    login(client, "aus2")
    user_client = app.test_client()
    login(user_client, "aus2")
    on_other_page = streams(client).open(f"/documents/{other_id}/events", max_events=2)
    user_stream = streams(user_client).open("/notifications/events", max_events=2)
    decisions.decide_proposal(user("secretariat"), fresh(Proposal, proposal_id), "reject",
                              expected_version=1, note="Not now.")
    db.session.commit()
    other_page_events = named(streams.read(on_other_page)[0])
    assert [e.kind for e in other_page_events] == ["ready", "notification"]
    assert other_page_events[1].id is None  # keeps the other document's replay position
    assert other_page_events[1].data == {"document_id": document_id}
    user_events = named(streams.read(user_stream)[0])
    assert [e.kind for e in user_events] == ["ready", "notification"]
    # Reconnecting to the user stream after missing something: one notification to recount.
    before = shown_id(app, log_id(app, user_events[0].id) - 1)
    response = streams(user_client).open("/notifications/events", max_events=2,
                                         headers={"Last-Event-ID": str(before)})
    assert [e.kind for e in named(streams.read(response)[0])] == ["notification", "ready"]


def test_stream_holds_no_database_connection(world, client, streams):
    """1,200 idle streams must not pin 1,200 connections: none is checked out mid-stream."""
    document_id, _ = ids_of(world)
    login(client, "nz")
    db.session.remove()
    response = streams(client).open(f"/documents/{document_id}/events", max_events=3)
    chunks = iter(response.response)
    try:
        first = [next(chunks) for _ in range(3)]  # retry hint, announcement + ready, keep-alive
        assert b"event: ready" in b"".join(first)
        assert db.engine.pool.checkedout() == 0
    finally:
        response.close()


def test_login_and_existing_document_required(world, client, app, api_token):
    document_id, _ = ids_of(world)
    response = client.get(f"/documents/{document_id}/events")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, "nz")
    assert client.get("/documents/999999/events").status_code == 404
    assert client.get(f"/api/v1/documents/{document_id}/events").status_code == 401
    assert client.get("/api/v1/documents/999999/events",
                      headers=api_token("nz")).status_code == 404


def test_api_stream_with_a_bearer_token(world, client, streams, api_token):
    document_id, clause_ids = ids_of(world)
    headers = api_token("observer")
    db.session.remove()
    response = streams(client).open(f"/api/v1/documents/{document_id}/events", max_events=2,
                                    headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    positions.set_position(user("jpn"), fresh(Clause, clause_ids[0]), "objection",
                           text="We cannot accept this.")
    db.session.commit()
    events = named(streams.read(response)[0])
    assert [e.kind for e in events] == ["ready", "position.set"]
