"""Side channels: what a viewer could infer, without seeing any content, from tags, ids,
counters and the live stream (docs/security.md, "Side channels").

Australia works unseen — saves, edits and deletes drafts, submits proposals that are not
circulated (one by one and from drafts), comments on one, withdraws it — and for New Zealand's
delegates and the observer nothing moves: not the ETag of a page or an export (a conditional
request still answers 304), not the page's live cursor, not a count, not the audit listing,
not their stream. Australia's own delegates and, for what was submitted, the secretariat see
their pages change.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from drafting.domain.live import EventIdCodec, Subscriber
from drafting.domain.states import Role
from drafting.extensions import db
from drafting.models import AuditEvent, Clause, Document, Proposal
from drafting.services import comments, drafts, positions, proposals
from drafting.services import live as live_service
from drafting.infrastructure.live_bus import GAP, LocalFanout, Subscription
from drafting.services.visibility import AuditFilters, audit_trail, visible_audit_query
from drafting.web import page_lookups
from drafting.web.live import stream_filter
from tests.factories import login
from tests.live.conftest import StreamReader, named

UNSEEN = ("AUS-DRAFT-ONE", "AUS-DRAFT-TWO", "AUS-DRAFT-BATCH", "AUS-UNCIRCULATED")
BYSTANDERS = ("nz", "observer")


def wording(marker: str) -> str:
    return f"We will reduce emissions by 2030 and promote {marker} energy."


def doc(world) -> Document:
    return db.session.get(Document, world.document_id)


def clause(world, index: int) -> Clause:
    return db.session.get(Clause, world.clause_ids[index])


@pytest.fixture
def on_demand(world):
    """The document circulates proposals only when the secretariat says so. Ids are kept
    apart: a stream's view releases the session, detaching the world's objects."""
    world.document.circulate_immediately = False
    db.session.commit()
    world.document_id = world.document.id
    world.clause_ids = [c.id for c in world.clauses]
    return world


def australia_works_unseen(world, after_step=lambda step: None) -> dict:
    """Every kind of unseen activity of AUS, each committed; `after_step(name)` after each.
    Returns the ids it made."""
    aus, aus2 = world.user("aus"), world.user("aus2")
    made = {}
    draft = drafts.save_draft(aus, doc(world), "amend", clause=clause(world, 2),
                              text=wording(UNSEEN[0]))
    db.session.commit()
    made["draft"] = draft.id
    after_step("draft saved")
    drafts.update_draft(aus, db.session.get(Proposal, made["draft"]),
                        text=wording(UNSEEN[1]), rationale="still ours")
    db.session.commit()
    after_step("draft updated")
    drafts.delete_draft(aus, db.session.get(Proposal, made["draft"]))
    db.session.commit()
    after_step("draft deleted")
    batch = drafts.save_draft(aus, doc(world), "amend", clause=clause(world, 1),
                              text=wording(UNSEEN[2]))
    db.session.commit()
    made["batch"] = batch.id
    drafts.submit_drafts(aus, [db.session.get(Proposal, made["batch"])])
    db.session.commit()
    after_step("drafts submitted, not circulated")
    proposal = proposals.submit_proposal(aus, doc(world), "amend", clause=clause(world, 2),
                                         text=wording(UNSEEN[3]), rationale="not yet")
    db.session.commit()
    made["uncirculated"] = proposal.id
    after_step("proposal submitted, not circulated")
    comments.add_comment(aus2, proposal=db.session.get(Proposal, made["uncirculated"]),
                         body="A word among ourselves.")
    db.session.commit()
    after_step("comment on the uncirculated proposal")
    proposals.withdraw_proposal(aus, db.session.get(Proposal, made["uncirculated"]))
    db.session.commit()
    after_step("withdrawn before circulation")
    return made


# Steps whose result the secretariat may see (it sees submitted proposals before circulation,
# never drafts).
SECRETARIAT_SEES = {"drafts submitted, not circulated", "proposal submitted, not circulated",
                    "comment on the uncirculated proposal", "withdrawn before circulation"}


def as_user(app, username):
    client = app.test_client()
    login(client, username)
    return client


def live_since(html: str) -> str:
    return re.search(r'data-live-since="([^"]*)"', html).group(1)


# --- ETags, 304 and the page's cursor ------------------------------------------------------------

def test_the_document_page_etag_and_cursor_ignore_what_the_viewer_cannot_see(app, on_demand):
    world = on_demand
    url = f"/documents/{world.document_id}"
    viewers = {name: as_user(app, name) for name in (*BYSTANDERS, "secretariat", "aus2")}
    first = {name: client.get(url) for name, client in viewers.items()}
    tags = {name: response.headers["ETag"] for name, response in first.items()}
    cursors = {name: live_since(r.get_data(as_text=True)) for name, r in first.items()}
    secretariat_tags = [tags["secretariat"]]

    def check(step: str) -> None:
        for name in BYSTANDERS:
            again = viewers[name].get(url, headers={"If-None-Match": tags[name]})
            assert again.status_code == 304, (name, step)
            fresh = viewers[name].get(url)
            assert fresh.headers["ETag"] == tags[name], (name, step)
            html = fresh.get_data(as_text=True)
            assert live_since(html) == cursors[name], (name, step)
            assert not any(marker in html for marker in UNSEEN)
        secretariat = viewers["secretariat"].get(url)
        if step in SECRETARIAT_SEES:
            assert secretariat.headers["ETag"] not in secretariat_tags, step
        else:
            assert secretariat.headers["ETag"] == secretariat_tags[-1], step
            assert live_since(secretariat.get_data(as_text=True)) == cursors["secretariat"]
        secretariat_tags.append(secretariat.headers["ETag"])

    australia_works_unseen(world, check)
    # Australia's own delegates saw their page change (the proposal came and went).
    assert viewers["aus2"].get(url, headers={"If-None-Match": tags["aus2"]}).status_code == 200
    assert live_since(viewers["aus2"].get(url).get_data(as_text=True)) != cursors["aus2"]
    # And a change everyone may see moves every tag.
    positions.set_position(world.user("jpn"), clause(world, 0), "support")
    db.session.commit()
    for name in BYSTANDERS:
        changed = viewers[name].get(url, headers={"If-None-Match": tags[name]})
        assert changed.status_code == 200 and changed.headers["ETag"] != tags[name]
        assert live_since(changed.get_data(as_text=True)) != cursors[name]


def test_an_uncirculated_proposal_changes_its_economys_page_and_no_one_elses(app, on_demand):
    world = on_demand
    url = f"/documents/{world.document_id}"
    aus2, nz = as_user(app, "aus2"), as_user(app, "nz")
    aus_tag, nz_tag = aus2.get(url).headers["ETag"], nz.get(url).headers["ETag"]
    assert "1 open proposal<" not in nz.get(url).get_data(as_text=True)
    proposals.submit_proposal(world.user("aus"), doc(world), "amend", clause=clause(world, 2),
                              text=wording(UNSEEN[3]))
    db.session.commit()
    mine = aus2.get(url, headers={"If-None-Match": aus_tag})
    assert mine.status_code == 200 and "1 open proposal<" in mine.get_data(as_text=True)
    theirs = nz.get(url, headers={"If-None-Match": nz_tag})
    assert theirs.status_code == 304
    assert "1 open proposal<" not in nz.get(url).get_data(as_text=True)  # the count is theirs


@pytest.mark.parametrize("query", ["mode=clean&format=md", "mode=compilation&format=html"])
def test_export_etags_ignore_what_the_viewer_cannot_see(app, on_demand, query):
    world = on_demand
    url = f"/documents/{world.document_id}/export?{query}"
    viewers = {name: as_user(app, name) for name in BYSTANDERS}
    tags = {name: client.get(url).headers["ETag"] for name, client in viewers.items()}

    def check(step: str) -> None:
        for name, client in viewers.items():
            assert client.get(url, headers={"If-None-Match": tags[name]}).status_code == 304, \
                (name, step)
            assert client.get(url).headers["ETag"] == tags[name], (name, step)

    australia_works_unseen(world, check)


def test_the_change_marker_is_the_newest_event_of_the_viewers_audit_trail(app, on_demand):
    """The marker reuses the audit trail's rule: for every class of viewer, it is the newest
    event the viewer's own audit trail of the document lists (screen moves and batch
    summaries left out)."""
    world = on_demand
    made = australia_works_unseen(world)
    assert made
    for name in ("nz", "observer", "secretariat", "aus", "admin", "jpn"):
        viewer = world.user(name)
        listed = list(db.session.execute(
            visible_audit_query(viewer, AuditFilters(document_id=world.document_id))
            .with_only_columns(AuditEvent.hash, AuditEvent.kind)
            .order_by(AuditEvent.id.desc())).all())
        if viewer.role is not Role.DELEGATE:  # those who read the trail read the same events
            trail = audit_trail(viewer, AuditFilters(document_id=world.document_id),
                                per_page=1000)
            assert [(e.hash, e.kind) for e in trail.events] == [tuple(r) for r in listed]
        expected = next((h for h, kind in listed
                         if kind not in page_lookups.NOT_SHOWN_DOCUMENT_KINDS
                         and not kind.startswith(page_lookups.NOT_SHOWN_DOCUMENT_KIND_PREFIXES)),
                        "")
        marker, _ = page_lookups.change_marker(world.document_id, viewer)
        assert marker == expected[:24], name
    nz, aus = (page_lookups.change_marker(world.document_id, world.user(n)) for n in ("nz", "aus"))
    assert nz != aus  # AUS's withdrawn proposal is AUS's business


# --- the live stream ------------------------------------------------------------------------------

def test_the_stream_of_another_economy_and_the_observer_receive_nothing(app, on_demand):
    """Streams opened before AUS's unseen work and ended by a public change: NZ's and the
    observer's carry the ready event and that change, nothing else — not even a comment —
    and their ready id is the same as on a stream opened after it all."""
    world = on_demand
    app.config.update(LIVE_KEEPALIVE_SECONDS=600, LIVE_STREAM_MAX_SECONDS=10)
    url = f"/documents/{world.document_id}/events"
    clients = {name: as_user(app, name) for name in (*BYSTANDERS, "secretariat", "aus2")}
    limits = {"nz": 2, "observer": 2, "secretariat": 6, "aus2": 9}
    opened = {name: StreamReader(client).open(url, max_events=limits[name])
              for name, client in clients.items()}
    australia_works_unseen(world)
    positions.set_position(world.user("jpn"), clause(world, 0), "support")
    db.session.commit()
    read = {name: StreamReader.read(response) for name, response in opened.items()}
    for name in BYSTANDERS:
        events, comment_lines = read[name]
        assert [e.kind for e in named(events)] == ["ready", "position.set"], name
        assert comment_lines == ["retry 3000"], name
    assert [e.kind for e in named(read["secretariat"][0])] == [
        "ready", "proposal.submitted", "proposals.batch_submitted", "proposal.submitted",
        "comment.posted", "proposal.withdrawn"]
    assert [e.kind for e in named(read["aus2"][0])] == [
        "ready", "proposal.draft_saved", "proposal.draft_updated", "proposal.draft_deleted",
        "proposal.draft_saved", "proposal.submitted", "proposals.batch_submitted",
        "proposal.submitted", "comment.posted"]
    # Reconnecting: NZ's cursor did not move with AUS's work (nor does the reconnection
    # replay it); it moved with JPN's position only.
    ready_before = named(read["nz"][0])[0]
    seen = named(read["nz"][0])[1]
    again = StreamReader(clients["nz"]).open(url, max_events=2,
                                             headers={"Last-Event-ID": str(ready_before.id)})
    events = named(StreamReader.read(again)[0])
    assert [(e.kind, e.id) for e in events] == [("position.set", seen.id), ("ready", seen.id)]


def test_a_stream_queues_only_what_it_may_send(app, on_demand):
    """A hidden event never enters a bystander's queue: it cannot fill it (a reload would
    count hidden events) nor wake the stream (a shifted keep-alive would betray it)."""
    world = on_demand
    document_id = world.document_id
    bus = live_service.current_bus()

    def subscriber(name):
        return live_service.subscriber_for(world.user(name))

    queues = {name: bus.subscribe(accepts=stream_filter(subscriber(name), document_id))
              for name in (*BYSTANDERS, "secretariat", "aus2")}
    try:
        australia_works_unseen(world)
        positions.set_position(world.user("jpn"), clause(world, 0), "support")
        db.session.commit()
        for name in BYSTANDERS:  # the first message they get is JPN's position, then nothing
            assert queues[name].get(timeout=10)["kind"] == "position.set", name
            assert queues[name].get(timeout=0) is None
        kinds = []
        while (message := queues["secretariat"].get(timeout=10))["kind"] != "position.set":
            kinds.append(message["kind"])
        assert "proposal.draft_saved" not in kinds and "proposal.withdrawn" in kinds
    finally:
        for subscription in queues.values():
            subscription.close()


def test_hidden_messages_never_overflow_a_slow_stream():
    fanout = LocalFanout()
    nz = Subscriber(user_id=5, role=Role.DELEGATE, economy_id=2)
    slow = Subscription(fanout, maxsize=2, accepts=stream_filter(nz, 1))
    for event_id in range(1, 10):  # AUS's draft events
        slow.offer({"id": event_id, "kind": "proposal.draft_saved", "document_id": 1,
                    "audience_economy_id": 1, "audience_secretariat": False, "notify": []})
    assert slow.get(timeout=0) is None
    # A message too many for the notified-users list reaches only those who may know of it.
    slow.offer({"id": 11, "kind": "proposal.submitted", "document_id": 9, "notify_all": True,
                "audience_economy_id": 1, "audience_secretariat": True})
    assert slow.get(timeout=0) is None
    slow.offer(GAP)  # a lost message is still everyone's business
    assert slow.get(timeout=0) is GAP


def test_event_ids_are_opaque_and_decode_back():
    codec = EventIdCodec(b"k" * 32)
    shown = [codec.encode(n) for n in range(2000)]
    assert len(set(shown)) == 2000 and all(0 <= s < 2**52 for s in shown)
    assert [codec.decode(s) for s in shown] == list(range(2000))
    assert shown != sorted(shown)  # order tells nothing: ids are not a counter
    assert sum(b > a for a, b in zip(shown, shown[1:], strict=False)) < 1200
    assert EventIdCodec(b"other" * 8).encode(5) != codec.encode(5)
    assert codec.decode(2**52) is None
    with pytest.raises(ValueError):
        codec.encode(-1)


# --- the audit trail ------------------------------------------------------------------------------

def test_the_observers_audit_trail_shows_no_chain_figures_and_ignores_hidden_events(
        app, on_demand, api_token):
    world = on_demand
    observer, secretariat = as_user(app, "observer"), as_user(app, "secretariat")
    url = f"/audit?document_id={world.document_id}"
    headers = api_token("observer")

    def listing():
        html = observer.get(url).get_data(as_text=True)
        table = html[html.index("<table"):html.index("</table>")]
        api = app.test_client().get(f"/api/v1/audit?document_id={world.document_id}",
                                    headers=headers).get_json()
        return re.sub(r'<time[^>]*>.*?</time>', "", table), api

    before_html, before_api = listing()
    assert "events were checked" not in observer.get(url).get_data(as_text=True)
    assert "events were checked" in secretariat.get(url).get_data(as_text=True)
    assert all(e["id"] is None for e in before_api["events"])
    assert [e["position"] for e in before_api["events"]] == list(
        range(before_api["total"], 0, -1))

    australia_works_unseen(world)
    after_html, after_api = listing()
    assert after_html == before_html
    assert after_api == before_api
    assert "proposal.withdrawn" not in observer.get(url).get_data(as_text=True)

    verify = app.test_client().get("/api/v1/audit/verify", headers=headers).get_json()
    assert verify == {"intact": True, "events": None, "broken_at": None, "reason": None}
    full = app.test_client().get("/api/v1/audit/verify",
                                 headers=api_token("secretariat")).get_json()
    assert full["intact"] is True and full["events"] == db.session.execute(
        select(func.count(AuditEvent.id))).scalar()
    ids = app.test_client().get(f"/api/v1/audit?document_id={world.document_id}",
                                headers=api_token("secretariat")).get_json()
    assert all(isinstance(e["id"], int) for e in ids["events"])
