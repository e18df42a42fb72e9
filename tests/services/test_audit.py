from sqlalchemy import func, select, text

from drafting.extensions import db
from drafting.models import AuditEvent
from drafting.services import comments, decisions, proposals
from drafting.services.audit import verify_audit_chain


def kinds() -> list[str]:
    return list(db.session.execute(select(AuditEvent.kind).order_by(AuditEvent.id)).scalars())


def test_every_change_of_state_is_audited_and_chained(world):
    clause = world.clauses[2]
    p = proposals.submit_proposal(world.user("aus"), world.document, "amend", clause=clause,
                                  text=clause.text.replace("reduce", "halve"), rationale="why")
    proposals.cosponsor_proposal(world.user("nz"), p)
    c = comments.add_comment(world.user("jpn"), proposal=p, body="Question")
    comments.resolve_comment(world.user("secretariat"), c)
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1)
    db.session.commit()
    assert kinds()[-5:] == ["proposal.submitted", "proposal.cosponsored", "comment.posted",
                            "comment.resolved", "proposal.accepted"]
    event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert event.actor_username == "secretariat" and event.economy_code == "THA"
    assert event.proposal_id == p.id and event.occurred_at is not None
    count, broken = verify_audit_chain()
    assert broken is None and count == len(kinds())


def test_tampering_is_detected(world):
    proposals.submit_proposal(world.user("aus"), world.document, "delete", clause=world.clauses[0])
    proposals.submit_proposal(world.user("nz"), world.document, "delete", clause=world.clauses[1])
    db.session.commit()
    target = db.session.execute(
        select(AuditEvent.id).where(AuditEvent.kind == "proposal.submitted")).scalars().first()
    db.session.execute(text("UPDATE audit_events SET actor_username = 'nz' WHERE id = :id"),
                       {"id": target})
    db.session.commit()
    db.session.expire_all()
    count, broken = verify_audit_chain()
    assert broken is not None and broken.event_id == target
    assert "altered" in broken.reason


def test_removed_event_is_detected(world):
    for clause in world.clauses[:3]:
        proposals.submit_proposal(world.user("aus"), world.document, "delete", clause=clause)
    db.session.commit()
    ids = list(db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())
    # The tamperer removes the event's live-update row too (it references the event).
    db.session.execute(text("DELETE FROM live_events WHERE audit_event_id = :id"),
                       {"id": ids[-2]})
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[-2]})
    db.session.commit()
    db.session.expire_all()
    _, broken = verify_audit_chain()
    assert broken is not None and broken.event_id == ids[-1]


def _chain() -> list[tuple[int, int]]:
    return [tuple(r) for r in db.session.execute(
        select(AuditEvent.id, AuditEvent.seq).order_by(AuditEvent.seq)).all()]


def test_reordered_events_are_detected(world):
    for clause in world.clauses[:3]:
        proposals.submit_proposal(world.user("aus"), world.document, "delete", clause=clause)
    db.session.commit()
    (first_id, first_seq), (second_id, second_seq) = _chain()[-3:-1]
    # Swap the two places (through a free one: seq is unique).
    for event_id, seq in ((first_id, -1), (second_id, first_seq), (first_id, second_seq)):
        db.session.execute(text("UPDATE audit_events SET seq = :seq WHERE id = :id"),
                           {"seq": seq, "id": event_id})
    db.session.commit()
    db.session.expire_all()
    _, broken = verify_audit_chain()
    assert broken is not None and broken.event_id == second_id
    assert "previous hash does not match" in broken.reason


def test_an_event_written_around_the_chain_is_detected(world):
    proposals.submit_proposal(world.user("aus"), world.document, "delete", clause=world.clauses[0])
    db.session.commit()
    db.session.execute(text(
        "INSERT INTO audit_events (occurred_at, kind, actor_username, economy_code, data, "
        "remote_addr, request_id) VALUES (CURRENT_TIMESTAMP, 'proposal.accepted', 'nz', 'NZ', "
        "'{}', '', '')"))
    db.session.commit()
    forged = db.session.execute(select(func.max(AuditEvent.id))).scalar()
    _, broken = verify_audit_chain()
    assert broken is not None and broken.event_id == forged
    assert "no place on the chain" in broken.reason


def test_events_are_written_at_once_and_sealed_by_the_commit_in_order(world):
    head = _chain()[-1][1]
    first = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                      clause=world.clauses[0])
    proposals.cosponsor_proposal(world.user("nz"), first)
    unsealed = db.session.execute(
        select(AuditEvent).where(AuditEvent.proposal_id == first.id)
        .order_by(AuditEvent.id)).scalars().all()
    # The transaction reads its own events before the commit; they have no place yet.
    assert [e.kind for e in unsealed] == ["proposal.submitted", "proposal.cosponsored"]
    assert all(e.seq is None and e.hash is None for e in unsealed)
    db.session.commit()
    assert [e.seq for e in unsealed] == [head + 1, head + 2]
    assert unsealed[1].prev_hash == unsealed[0].hash
    assert verify_audit_chain()[1] is None


def test_a_rolled_back_transaction_leaves_no_place_taken(world):
    head = _chain()[-1][1]
    proposals.submit_proposal(world.user("aus"), world.document, "delete", clause=world.clauses[0])
    db.session.rollback()
    proposals.submit_proposal(world.user("nz"), world.document, "delete", clause=world.clauses[1])
    db.session.commit()
    assert _chain()[-1][1] == head + 1
    assert verify_audit_chain()[1] is None
