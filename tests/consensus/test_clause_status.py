"""The secretariat's status changes: reasons, "agreed except", the consensus guard, audit."""
import json

import pytest
from sqlalchemy import func, select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.domain.states import ClauseStatus, Stage
from drafting.extensions import db
from drafting.models import AuditEvent, ClauseStatusChange
from drafting.services import clause_status, decisions, proposals


def changes():
    return db.session.execute(select(func.count(ClauseStatusChange.id))).scalar()


def status_events():
    return [json.loads(e.data) for e in db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "clause.status_changed")
        .order_by(AuditEvent.id)).scalars()]


def test_status_change_is_recorded_and_audited(world):
    clause = world.clauses[2]
    sec = world.user("secretariat")
    change = clause_status.set_clause_status(sec, clause, "bracketed", "Contested at SOM3")
    assert clause.status is ClauseStatus.BRACKETED
    assert (change.from_status, change.to_status, change.reason, change.user_id) == \
        ("open", "bracketed", "Contested at SOM3", sec.id)
    event = status_events()[-1]
    assert event["from_status"] == "open" and event["to_status"] == "bracketed"
    assert event["reason"] == "Contested at SOM3" and event["overridden"] == []
    assert clause_status.status_history(clause) == [change]


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_reason_is_required(world, reason):
    with pytest.raises(InvalidInput) as error:
        clause_status.set_clause_status(world.user("secretariat"), world.clauses[0], "agreed",
                                        reason)
    assert error.value.details["field"] == "reason"
    assert world.clauses[0].status is ClauseStatus.OPEN and changes() == 0


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_sets_status(world, username):
    with pytest.raises(PermissionDenied):
        clause_status.set_clause_status(world.user(username), world.clauses[0], "agreed", "x")
    assert changes() == 0


def test_unknown_status_is_refused(world):
    with pytest.raises(InvalidInput):
        clause_status.set_clause_status(world.user("secretariat"), world.clauses[0], "closed",
                                        "x")


def test_agreed_is_refused_while_an_economy_objects(world, stand):
    clause = world.clauses[2]
    stand(clause, AUS="support", NZ=("objection", "2030 is too early"), JPN=("reservation", "?"))
    for status in ("agreed", "agreed_ad_ref"):
        with pytest.raises(Conflict) as error:
            clause_status.set_clause_status(world.user("secretariat"), clause, status, "Gavel")
        assert error.value.code == "no_consensus" and error.value.status == 409
        assert error.value.details["blocking"] == ["NZ", "JPN"]
        assert "NZ (objection)" in error.value.message and "JPN (reservation)" in \
            error.value.message
    assert clause.status is ClauseStatus.OPEN and changes() == 0
    # Other statuses do not need agreement.
    clause_status.set_clause_status(world.user("secretariat"), clause, "bracketed", "Contested")
    assert clause.status is ClauseStatus.BRACKETED


def test_agreed_except_the_objecting_economies(world, stand):
    clause = world.clauses[2]
    stand(clause, NZ=("objection", "2030 is too early"), JPN=("reservation", "Checking"))
    with pytest.raises(Conflict):  # excepting NZ alone is not enough
        clause_status.set_clause_status(world.user("secretariat"), clause, "agreed", "Gavel",
                                        excepted=["NZ"])
    change = clause_status.set_clause_status(world.user("secretariat"), clause, "agreed",
                                             "Gavelled at SOM3", excepted=["jpn", "NZ"])
    # Stored in APEC order, whatever order they were given in.
    assert clause.excepted_economies == "NZ,JPN" and change.excepted == "NZ,JPN"
    assert clause_status.excepted_codes(clause) == ["NZ", "JPN"]
    assert clause_status.describe(clause.status, ["NZ", "JPN"]) == "Agreed except NZ, JPN"
    assert status_events()[-1]["excepted"] == ["NZ", "JPN"]
    # Leaving "agreed" clears the exceptions.
    clause_status.set_clause_status(world.user("secretariat"), clause, "bracketed", "Reopened")
    assert clause.excepted_economies == ""


def test_override_records_the_agreement_anyway(world, stand):
    clause = world.clauses[2]
    stand(clause, NZ=("objection", "2030 is too early"))
    change = clause_status.set_clause_status(
        world.user("secretariat"), clause, "agreed_ad_ref", "Ad ref pending capital",
        override_reason="NZ agreed in the room to lift its objection")
    assert clause.status is ClauseStatus.AGREED_AD_REF
    assert change.override_reason == "NZ agreed in the room to lift its objection"
    event = status_events()[-1]
    assert event["overridden"] == ["NZ"] and event["override_reason"].startswith("NZ agreed")


def test_missing_positions_do_not_block_agreement(world, stand):
    stand(world.clauses[0], AUS="support")
    clause_status.set_clause_status(world.user("secretariat"), world.clauses[0], "agreed",
                                    "No objection in the room")
    assert world.clauses[0].status is ClauseStatus.AGREED


def test_excepted_codes_are_validated(world):
    with pytest.raises(InvalidInput) as error:
        clause_status.set_clause_status(world.user("secretariat"), world.clauses[0], "agreed",
                                        "x", excepted=["AUS", "XYZ", "ABC"])
    assert error.value.details["unknown"] == ["XYZ", "ABC"]
    assert "XYZ, ABC" in error.value.message
    with pytest.raises(InvalidInput) as error:
        clause_status.set_clause_status(world.user("secretariat"), world.clauses[0], "bracketed",
                                        "x", excepted=["AUS"])
    assert error.value.details["field"] == "excepted"
    assert changes() == 0


def test_no_change_is_refused(world):
    with pytest.raises(InvalidInput) as error:
        clause_status.set_clause_status(world.user("secretariat"), world.clauses[0], "open", "x")
    assert error.value.code == "no_change"
    clause_status.set_clause_status(world.user("secretariat"), world.clauses[0], "agreed", "x")
    # Same status with other exceptions is a change.
    clause_status.set_clause_status(world.user("secretariat"), world.clauses[0], "agreed", "y",
                                    excepted=["AUS"])
    assert changes() == 2


def test_refused_when_frozen_or_removed(world):
    world.document.stage = Stage.ENDORSED_LEADERS
    with pytest.raises(Conflict) as error:
        clause_status.set_clause_status(world.user("secretariat"), world.clauses[0], "agreed",
                                        "x")
    assert error.value.code == "document_frozen"
    world.document.stage = Stage.NEGOTIATION
    p = proposals.submit_proposal(world.user("nz"), world.document, "delete",
                                  clause=world.clauses[3])
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1)
    with pytest.raises(Conflict) as error:
        clause_status.set_clause_status(world.user("secretariat"), world.clauses[3], "agreed",
                                        "x")
    assert error.value.code == "clause_deleted"
