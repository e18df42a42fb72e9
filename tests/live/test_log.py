"""The replay log: a live event per audit event naming a document, its audience, publication
after commit only, replay and pruning."""
from __future__ import annotations

import itertools
import uuid

import pytest
from sqlalchemy import func, select

from drafting.domain.live import Audience, Subscriber, may_receive
from drafting.domain.states import Role
from drafting.extensions import db
from drafting.models import AuditEvent, LiveEvent, Proposal
from drafting.services import drafts, live as live_service, positions, proposals
from drafting.services.audit import record_event

OP1_TEXT = "We will reduce emissions by 2030 and promote clean energy."
SECRET = "We will reduce emissions by 2030 and promote SECRET-WORDING energy."


# Poll-with-deadline: a bus message normally arrives in milliseconds; this bounds a failure.
DEADLINE = 5.0


def drain(subscription) -> list[dict]:
    """Every message published so far. A marker is published last and awaited: buses across
    processes (Redis, PostgreSQL in the PostgreSQL runs) deliver asynchronously, in order."""
    token = uuid.uuid4().hex
    live_service.current_bus().publish({"id": -1, "kind": "test.marker", "marker": token})
    out = []
    while True:
        message = subscription.get(timeout=DEADLINE)
        assert message is not None, "the bus did not deliver the marker"
        if message.get("marker") == token:
            return out
        out.append(message)


@pytest.fixture
def bus_subscription(app):
    subscription = live_service.current_bus().subscribe()
    yield subscription
    subscription.close()


def test_an_event_about_a_document_writes_a_live_event_without_text(world):
    aus, op1 = world.user("aus"), world.clauses[2]
    proposal = proposals.submit_proposal(aus, world.document, "amend", clause=op1, text=SECRET,
                                         rationale="RATIONALE-TEXT")
    db.session.commit()
    live = db.session.execute(select(LiveEvent).order_by(LiveEvent.id.desc())).scalars().first()
    audit = db.session.get(AuditEvent, live.audit_event_id)
    assert (live.kind, live.document_id, live.clause_id, live.proposal_id) == \
        ("proposal.submitted", world.document.id, op1.id, proposal.id)
    assert audit.kind == "proposal.submitted" and audit.proposal_id == proposal.id
    assert live.clause_number == "OP1"
    payload = live_service.bus_message(live)
    assert set(live.payload()) == {"id", "kind", "document_id", "clause_id", "proposal_id",
                                   "clause_number"}
    assert "SECRET" not in repr(payload) and "RATIONALE" not in repr(payload)


def test_an_event_without_a_document_writes_none(world):
    before = db.session.execute(select(func.count(LiveEvent.id))).scalar_one()
    record_event("user.password_set", world.user("aus"), username="aus")
    db.session.commit()
    assert db.session.execute(select(func.count(LiveEvent.id))).scalar_one() == before


def test_published_after_commit_only(world, bus_subscription):
    clause = world.clauses[0]
    positions.set_position(world.user("nz"), clause, "support")
    db.session.flush()
    assert drain(bus_subscription) == []  # written, not committed: nothing announced
    db.session.commit()
    messages = drain(bus_subscription)
    assert [m["kind"] for m in messages] == ["position.set"]
    assert messages[0]["clause_id"] == clause.id


def test_nothing_published_for_a_rolled_back_transaction(world, bus_subscription):
    positions.set_position(world.user("nz"), world.clauses[0], "support")
    db.session.rollback()
    db.session.commit()  # a later, empty commit must not publish the discarded event
    assert drain(bus_subscription) == []
    assert db.session.execute(select(func.count(LiveEvent.id)).where(
        LiveEvent.kind == "position.set")).scalar_one() == 0


def test_an_event_in_a_rolled_back_savepoint_is_not_published(world, bus_subscription):
    nz, clauses = world.user("nz"), world.clauses
    positions.set_position(nz, clauses[0], "support")
    savepoint = db.session.begin_nested()
    positions.set_position(nz, clauses[1], "support")
    savepoint.rollback()
    db.session.commit()
    messages = drain(bus_subscription)
    assert [(m["kind"], m["clause_id"]) for m in messages] == [("position.set", clauses[0].id)]


def test_audiences_follow_the_confidentiality_rule(world):
    document, op1 = world.document, world.clauses[2]
    document.circulate_immediately = False
    aus, nz = world.user("aus"), world.user("nz")
    draft = drafts.save_draft(aus, document, "amend", clause=op1, text=SECRET)
    uncirculated = proposals.submit_proposal(nz, document, "amend", clause=op1,
                                             text=OP1_TEXT.replace("clean", "green"))
    drafts.circulate_proposals(world.user("secretariat"), document, [uncirculated])
    db.session.commit()
    rows = {(r.kind, r.proposal_id): r for r in db.session.execute(select(LiveEvent)).scalars()}
    draft_row = rows[("proposal.draft_saved", draft.id)]
    assert (draft_row.audience_economy_id, draft_row.audience_secretariat) == \
        (world.economies["AUS"].id, False)
    # The row keeps the audience the proposal had when the event happened.
    submitted = rows[("proposal.submitted", uncirculated.id)]
    assert (submitted.audience_economy_id, submitted.audience_secretariat) == \
        (world.economies["NZ"].id, True)
    circulated = rows[("proposal.circulated", uncirculated.id)]
    assert circulated.audience_economy_id is None


def test_deleted_draft_event_stays_with_its_economy(world):
    aus = world.user("aus")
    draft = drafts.save_draft(aus, world.document, "amend", clause=world.clauses[2], text=SECRET)
    db.session.commit()
    drafts.delete_draft(aus, db.session.get(Proposal, draft.id))
    db.session.commit()
    row = db.session.execute(select(LiveEvent).where(
        LiveEvent.kind == "proposal.draft_deleted")).scalar_one()
    assert row.audience_economy_id == world.economies["AUS"].id
    assert not row.audience_secretariat


def test_sql_and_python_audience_rules_agree(world):
    """Replay filters in SQL, live streams in Python: every (row, viewer) pair must agree."""
    economies = [e.id for e in world.economies.values()]
    audiences = [Audience()] + [Audience(e, s) for e in economies + [0] for s in (False, True)]
    document_id = world.document.id
    for audience in audiences:
        db.session.add(LiveEvent(audit_event_id=_an_audit_event_id(world), document_id=document_id,
                                 kind="test.audience", audience_economy_id=audience.economy_id,
                                 audience_secretariat=audience.secretariat))
    db.session.commit()
    subscribers = [Subscriber(i, role, economy) for i, (role, economy) in enumerate(
        itertools.product(Role, economies + [None]))]
    rows = list(db.session.execute(select(LiveEvent).where(
        LiveEvent.kind == "test.audience")).scalars())
    for subscriber in subscribers:
        replayed = {e["id"] for e in live_service.replay(
            document_id, subscriber, 0, limit=1000).events}
        expected = {r.id for r in rows if may_receive(
            Audience(r.audience_economy_id, r.audience_secretariat), subscriber)}
        assert replayed == expected, subscriber


def _an_audit_event_id(world) -> int:
    event_id = db.session.execute(select(func.max(AuditEvent.id))).scalar()
    if event_id is None:
        event_id = record_event("test.anchor", None, document_id=world.document.id).id
    return event_id


def _set_positions(world, count: int) -> None:
    clauses = world.clauses
    for index in range(count):
        positions.set_position(world.user("nz"), clauses[index % len(clauses)],
                               "support" if index % 2 else "can_accept")
        db.session.commit()


def test_replay_after_last_event_id(world):
    document_id = world.document.id
    nz = live_service.subscriber_for(world.user("nz"))
    cursor = live_service.newest_event_id()
    _set_positions(world, 3)
    result = live_service.replay(document_id, nz, cursor)
    assert not result.reload
    assert [e["kind"] for e in result.events] == ["position.set"] * 3
    ids = [e["id"] for e in result.events]
    assert ids == sorted(ids) and ids[0] > cursor and result.cursor == ids[-1]
    assert live_service.replay(document_id, nz, ids[1]).events == result.events[2:]
    # No Last-Event-ID: nothing to replay, only the cursor to start from.
    fresh_start = live_service.replay(document_id, nz, None)
    assert fresh_start.events == [] and fresh_start.cursor == ids[-1]


def test_reload_when_too_many_were_missed(world):
    nz = live_service.subscriber_for(world.user("nz"))
    cursor = live_service.newest_event_id()
    _set_positions(world, 4)
    assert live_service.replay(world.document.id, nz, cursor, limit=3).reload
    assert not live_service.replay(world.document.id, nz, cursor, limit=4).reload


def test_pruning_keeps_the_newest_and_gaps_reload(world, monkeypatch):
    monkeypatch.setattr(live_service, "PRUNE_EVERY", 2)
    monkeypatch.setattr(live_service, "KEEP_EVENTS", 3)
    nz = live_service.subscriber_for(world.user("nz"))
    first = live_service.newest_event_id()
    _set_positions(world, 8)
    ids = list(db.session.execute(select(LiveEvent.id).order_by(LiveEvent.id)).scalars())
    newest = ids[-1]
    assert ids[0] >= newest - 4 and len(ids) <= 4  # pruned at every second row, keeping 3
    assert live_service.replay(world.document.id, nz, first).reload  # its next events are gone
    recent = live_service.replay(world.document.id, nz, ids[0])
    assert not recent.reload and [e["id"] for e in recent.events] == ids[1:]
    assert live_service.replay(world.document.id, nz, newest + 100).reload  # another history


def test_notified_users_travel_on_the_bus_message(world, bus_subscription):
    from drafting.services import decisions

    aus = world.user("aus")
    proposal = proposals.submit_proposal(aus, world.document, "amend", clause=world.clauses[2],
                                         text=OP1_TEXT.replace("clean", "green"))
    db.session.commit()
    drain(bus_subscription)
    decisions.decide_proposal(world.user("secretariat"), proposal, "reject",
                              expected_version=1, note="Not now.")
    db.session.commit()
    (message,) = [m for m in drain(bus_subscription) if m["kind"] == "proposal.rejected"]
    aus_ids = {world.user("aus").id, world.user("aus2").id}
    assert set(message["notify"]) == aus_ids
