"""Endorsement by leaders: fingerprint of the final text, then every write is refused."""
import pytest
from sqlalchemy import select

from drafting.domain.errors import Conflict, PermissionDenied
from drafting.domain.fingerprint import canonical_text
from drafting.domain.states import Stage
from drafting.extensions import db
from drafting.models import AuditEvent, ClauseVersion
from drafting.services import comments, decisions, proposals, rounds, silence, stages

CLAUSE = "We will reduce emissions by 2030 and promote clean energy."


def endorse(world):
    world.document.stage = Stage.ENDORSED_MINISTERS
    db.session.flush()
    return stages.endorse_by_leaders(world.user("secretariat"), world.document,
                                     "Endorsed at the Leaders' Meeting, Bangkok")


def test_endorsement_fingerprints_and_freezes(world):
    change = endorse(world)
    document = world.document
    assert document.stage is Stage.ENDORSED_LEADERS
    assert document.frozen_at is not None and len(document.fingerprint) == 64
    assert change.to_stage == "endorsed_by_leaders"
    assert document.fingerprint == stages.document_fingerprint(document)
    assert stages.fingerprint_matches(document) is True
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "document.endorsed")
                               ).scalar_one()
    assert document.fingerprint in event.data


def test_fingerprint_covers_the_live_text_in_order(world):
    text = canonical_text(world.document.title, world.document.symbol,
                          stages.canonical_sections(world.document))
    assert text.splitlines() == [
        "drafting-canonical-text/1", "title\tTest Statement", "symbol\t2022/TEST/1",
        "section\tPreamble",
        "PP1\tRecognising that climate change poses serious risks to the region;",
        "PP2\tRecalling the Putrajaya Vision 2040;",
        "section\tGoal 1: Climate",
        f"OP1\t{CLAUSE}",
        "OP2\tWe encourage economies to cooperate on marine debris and share best practices.",
    ]


def test_fingerprint_is_stable_and_follows_the_text(world):
    first = stages.document_fingerprint(world.document)
    assert stages.document_fingerprint(world.document) == first
    proposal = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                         clause=world.clauses[2],
                                         text=CLAUSE.replace("reduce", "halve"))
    assert stages.document_fingerprint(world.document) == first  # open proposals do not count
    assert proposal.is_open
    # A new current version of OP1 (as an accepted decision would write it).
    clause = world.clauses[2]
    db.session.add(ClauseVersion(clause_id=clause.id, number=2,
                                 text=CLAUSE.replace("reduce", "halve")))
    clause.version = 2
    db.session.flush()
    db.session.expire_all()
    assert stages.document_fingerprint(world.document) != first


@pytest.mark.parametrize("stage", [Stage.NEGOTIATION, Stage.AGREED_SOM, Stage.SILENCE,
                                   Stage.ENDORSED_LEADERS])
def test_endorsement_only_from_ministers(world, stage):
    world.document.stage = stage
    with pytest.raises(Conflict, match=f"Cannot move from {stage.label} to Endorsed by leaders"):
        stages.endorse_by_leaders(world.user("secretariat"), world.document, "")
    assert world.document.fingerprint is None


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_endorses(world, username):
    world.document.stage = Stage.ENDORSED_MINISTERS
    with pytest.raises(PermissionDenied):
        stages.endorse_by_leaders(world.user(username), world.document, "")


def test_after_endorsement_every_write_is_refused(world):
    proposal = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                         clause=world.clauses[2],
                                         text=CLAUSE.replace("reduce", "halve"))
    endorse(world)
    fingerprint = world.document.fingerprint
    secretariat, aus, clause = world.user("secretariat"), world.user("aus"), world.clauses[2]
    attempts = {
        "proposal": lambda: proposals.submit_proposal(
            world.user("nz"), world.document, "amend", clause=clause, text="Other words."),
        "revised proposal": lambda: proposals.revise_proposal(aus, proposal, text="Third words."),
        "comment": lambda: comments.add_comment(aus, clause=clause, body="Late thought"),
        "decision": lambda: decisions.decide_proposal(secretariat, proposal, "accept",
                                                      expected_version=1),
        "round": lambda: rounds.open_round(secretariat, world.document, "2099-01-01T10:00",
                                           "Asia/Bangkok"),
        "freeze": lambda: rounds.freeze_clause(secretariat, clause, True, "x"),
        "silence": lambda: silence.start_silence(secretariat, world.document,
                                                 "2099-01-01T10:00", "Asia/Bangkok"),
        "stage": lambda: stages.change_stage(secretariat, world.document, "negotiation", "x"),
    }
    try:
        from drafting.services import revisions
        attempts["revision"] = lambda: revisions.issue_revision(secretariat, world.document, "x")
    except ImportError:
        pass
    try:
        from drafting.services import positions
        attempts["position"] = lambda: positions.set_position(aus, clause, "support")
    except ImportError:
        pass
    try:
        from drafting.services import clause_status
        attempts["status"] = lambda: clause_status.set_clause_status(secretariat, clause,
                                                                     "agreed", "Agreed")
    except ImportError:
        pass
    for name, attempt in attempts.items():
        savepoint = db.session.begin_nested()
        with pytest.raises(Conflict) as error:
            attempt()
        savepoint.rollback()
        assert error.value.status == 409, name
        assert "frozen" in error.value.message or "final" in error.value.message, \
            (name, error.value.message)
    assert {"proposal", "comment", "decision", "revision", "position", "status"} <= set(attempts)
    assert world.document.fingerprint == fingerprint
    assert stages.fingerprint_matches(world.document) is True
    assert clause.text == CLAUSE
