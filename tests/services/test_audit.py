from sqlalchemy import select, text

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
