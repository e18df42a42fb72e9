"""Recording positions: own economy only, text rules, one current row, audited history."""
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.domain.states import Stage, Stance
from drafting.extensions import db
from drafting.models import AuditEvent, Position
from drafting.services import decisions, positions, proposals

NOW = datetime(2022, 8, 17, 9, 30, tzinfo=timezone.utc)


def events(kind):
    return [json.loads(e.data) | {"_economy": e.economy_code, "_clause": e.clause_id}
            for e in db.session.execute(select(AuditEvent).where(AuditEvent.kind == kind)
                                        .order_by(AuditEvent.id)).scalars()]


def rows():
    return db.session.execute(select(func.count(Position.id))).scalar()


def test_delegate_records_their_own_economys_position(world):
    clause = world.clauses[2]
    position = positions.set_position(world.user("aus"), clause, "support", now=NOW)
    assert position.economy.code == "AUS" and position.stance is Stance.SUPPORT
    assert position.updated_at == NOW and position.user_id == world.user("aus").id
    assert positions.positions_by_code(clause)["AUS"] is position


def test_changes_update_one_row_and_each_is_audited_with_old_and_new(world):
    clause = world.clauses[2]
    positions.set_position(world.user("aus"), clause, "support")
    positions.set_position(world.user("aus"), clause, "reservation", "Need 2035, not 2030.")
    # A second delegate of the same economy speaks for the same economy: same row.
    positions.set_position(world.user("aus2"), clause, Stance.CAN_ACCEPT)
    assert rows() == 1
    assert positions.positions_by_code(clause)["AUS"].stance is Stance.CAN_ACCEPT
    history = events("position.set")
    assert [(e["old_stance"], e["new_stance"]) for e in history] == [
        (None, "support"), ("support", "reservation"), ("reservation", "can_accept")]
    assert history[1]["text"] == "Need 2035, not 2030." and history[2]["old_text"] == \
        "Need 2035, not 2030."
    assert {e["_economy"] for e in history} == {"AUS"} and {e["_clause"] for e in history} == \
        {clause.id}


def test_setting_the_same_position_again_records_nothing(world):
    clause = world.clauses[0]
    positions.set_position(world.user("nz"), clause, "support")
    positions.set_position(world.user("nz"), clause, "support")
    assert len(events("position.set")) == 1


@pytest.mark.parametrize("stance", ["reservation", "objection"])
@pytest.mark.parametrize("text", ["", "   ", None])
def test_reservation_and_objection_require_text(world, stance, text):
    with pytest.raises(InvalidInput) as error:
        positions.set_position(world.user("jpn"), world.clauses[1], stance, text)
    assert error.value.status == 422 and error.value.details["field"] == "text"
    assert rows() == 0 and events("position.set") == []


def test_unknown_stance_is_refused(world):
    with pytest.raises(InvalidInput):
        positions.set_position(world.user("jpn"), world.clauses[1], "abstain")
    assert rows() == 0


@pytest.mark.parametrize("username", ["secretariat", "observer", "admin"])
def test_only_delegates_record_positions(world, username):
    with pytest.raises(PermissionDenied):
        positions.set_position(world.user(username), world.clauses[0], "support")
    assert rows() == 0


def test_the_economy_always_comes_from_the_actor(world):
    # There is no way to name another economy: the signature has none, and the row is the
    # actor's own even when another economy already has a position.
    positions.set_position(world.user("nz"), world.clauses[0], "objection", "Not acceptable.")
    positions.set_position(world.user("aus"), world.clauses[0], "support")
    by_code = positions.positions_by_code(world.clauses[0])
    assert by_code["NZ"].stance is Stance.OBJECTION and by_code["AUS"].stance is Stance.SUPPORT


def test_clearing_a_position(world):
    clause = world.clauses[3]
    positions.set_position(world.user("jpn"), clause, "objection", "Too weak.")
    positions.clear_position(world.user("jpn"), clause)
    assert rows() == 0
    assert events("position.cleared")[0]["old_stance"] == "objection"
    with pytest.raises(Conflict):
        positions.clear_position(world.user("jpn"), clause)


def test_refused_when_frozen(world):
    world.document.stage = Stage.ENDORSED_LEADERS
    with pytest.raises(Conflict) as error:
        positions.set_position(world.user("aus"), world.clauses[0], "support")
    assert error.value.code == "document_frozen" and rows() == 0


def test_refused_on_a_removed_clause(world):
    clause = world.clauses[3]
    p = proposals.submit_proposal(world.user("nz"), world.document, "delete", clause=clause)
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1)
    with pytest.raises(Conflict) as error:
        positions.set_position(world.user("aus"), clause, "support")
    assert error.value.code == "clause_deleted"


def test_consensus_matrix_counts_and_filter(world, delegates):
    for code in ("aus", "nz", "jpn"):
        positions.set_position(world.user(code), world.clauses[0], "support")
    positions.set_position(world.user("aus"), world.clauses[1], "objection", "No.")
    # THA (the host) has no delegate here: without its position nothing has consensus.
    matrix = positions.consensus_matrix(world.document)
    assert matrix.codes == ["AUS", "NZ", "JPN", "THA"]
    assert [r.number for r in matrix.rows] == ["PP1", "PP2", "OP1", "OP2"]
    assert matrix.rows[0].report.counts["support"] == 3
    assert matrix.rows[0].report.without_position == ("THA",)
    assert matrix.without_consensus == 4
    assert [r.report.blocking for r in matrix.rows][:2] == [(), ("AUS",)]
    # Once THA can accept too, PP1 has consensus and the filter drops it.
    positions.set_position(delegates["THA"], world.clauses[0], "can_accept")
    matrix = positions.consensus_matrix(world.document, only_without_consensus=True)
    assert [r.number for r in matrix.rows] == ["PP2", "OP1", "OP2"]
    assert matrix.live_clauses == 4 and matrix.without_consensus == 3
    assert positions.clauses_without_consensus(world.document) == world.clauses[1:]
