"""Moving paragraphs without consensus into a Chair's statement."""
import json

import pytest
from sqlalchemy import select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.domain.states import ProposalStatus, SectionKind, Stage
from drafting.extensions import db
from drafting.models import AuditEvent, Document
from drafting.services import chair_statement, proposals, reading


def chair_documents():
    return list(db.session.execute(select(Document).where(Document.kind == "chair_statement"))
                .scalars())


def test_moves_the_selected_paragraphs(world, all_agree):
    pp1, pp2, op1, op2 = world.clauses
    all_agree(pp1)
    all_agree(op2, "can_accept")
    open_on_op1 = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                            clause=op1, text=op1.text + " Now.")
    result = chair_statement.create_chair_statement(world.user("secretariat"), world.document,
                                                    [op1.id, pp2.id],
                                                    note="No agreement on PP2 and OP1")
    chair = result.document
    assert result.created and chair_documents() == [chair]
    assert chair.kind == "chair_statement" and chair.parent_document_id == world.document.id
    assert chair.title == "Chair's Statement — Test Statement"
    assert chair.symbol == "2022/TEST/1/CHAIR" and chair.stage is Stage.NEGOTIATION
    assert chair.host_economy_id == world.document.host_economy_id
    assert [(m.source.id, m.source_number, m.number) for m in result.moved] == [
        (pp2.id, "PP2", "PP1"), (op1.id, "OP1", "OP1")]
    # The Chair's statement mirrors the source's sections.
    assert [(s.kind, s.heading) for s in chair.sections] == [
        (SectionKind.PREAMBLE, "Preamble"), (SectionKind.OPERATIVE, "Goal 1: Climate")]
    view = reading.document_view(chair, viewer=None)
    assert [r.version.text for r in view.rows] == [pp2.text, op1.text]
    first = view.rows[0].clause
    assert first.version == 1 and first.versions[0].note == "Moved from 2022/TEST/1 PP2"
    # In the source, the moved clauses are removed with their history kept.
    for clause in (pp2, op1):
        assert clause.removed and clause.version == 2
        assert clause.versions[-1].note.startswith("Moved to the Chair's statement")
        assert clause.versions[-1].text == clause.versions[0].text
    assert [r.number for r in reading.document_view(world.document, viewer=None).rows] == ["PP1", "OP1"]
    assert open_on_op1.status is ProposalStatus.SUPERSEDED
    kinds = [e.kind for e in db.session.execute(select(AuditEvent)).scalars()]
    assert kinds.count("clause.moved_to_chair_statement") == 2
    created = db.session.execute(select(AuditEvent).where(
        AuditEvent.kind == "chair_statement.created")).scalar_one()
    assert created.document_id == chair.id
    assert json.loads(created.data)["note"] == "No agreement on PP2 and OP1"


def test_a_second_call_appends_in_section_order(world, all_agree):
    pp1, pp2, op1, op2 = world.clauses
    sec = world.user("secretariat")
    first = chair_statement.create_chair_statement(sec, world.document, [op2.id])
    assert [(s.heading) for s in first.document.sections] == ["Goal 1: Climate"]
    second = chair_statement.create_chair_statement(sec, world.document, [pp1.id, op1.id])
    assert not second.created and second.document.id == first.document.id
    assert len(chair_documents()) == 1
    chair = second.document
    db.session.expire(chair, ["sections"])
    assert [s.heading for s in chair.sections] == ["Preamble", "Goal 1: Climate"]
    rows = reading.document_view(chair, viewer=None).rows
    assert [(r.number, r.version.text) for r in rows] == [
        ("PP1", pp1.versions[0].text), ("OP1", op2.versions[0].text),
        ("OP2", op1.versions[0].text)]
    assert [m.number for m in second.moved] == ["PP1", "OP2"]


def test_given_clauses_must_lack_consensus_unless_allowed(world, all_agree):
    pp1 = world.clauses[0]
    all_agree(pp1)
    sec = world.user("secretariat")
    with pytest.raises(InvalidInput) as error:
        chair_statement.create_chair_statement(sec, world.document, [pp1.id, world.clauses[1].id])
    assert error.value.code == "has_consensus" and "PP1" in error.value.message
    assert chair_documents() == [] and not pp1.removed
    result = chair_statement.create_chair_statement(sec, world.document, [pp1.id],
                                                    allow_consensus=True)
    assert [m.source.id for m in result.moved] == [pp1.id]


def test_refusals(world, all_agree):
    sec = world.user("secretariat")
    with pytest.raises(PermissionDenied):
        chair_statement.create_chair_statement(world.user("aus"), world.document,
                                               [world.clauses[1].id])
    with pytest.raises(InvalidInput):  # not a clause of this document
        chair_statement.create_chair_statement(sec, world.document, [999999])
    with pytest.raises(InvalidInput):
        chair_statement.create_chair_statement(sec, world.document, ["1"])
    # No selection never means "every paragraph without consensus" (it once did).
    for nothing in (None, [], ()):
        with pytest.raises(InvalidInput) as error:
            chair_statement.create_chair_statement(sec, world.document, nothing)
        assert error.value.code == "no_selection"
        assert not any(c.removed for c in world.clauses)
    for clause in world.clauses:
        all_agree(clause)
    with pytest.raises(InvalidInput) as error:
        chair_statement.create_chair_statement(sec, world.document, [world.clauses[1].id])
    assert error.value.code == "has_consensus"
    world.document.stage = Stage.ENDORSED_LEADERS
    with pytest.raises(Conflict):
        chair_statement.create_chair_statement(sec, world.document, [world.clauses[0].id],
                                               allow_consensus=True)
    assert chair_documents() == []


def test_a_chair_statement_has_no_chair_statement(world):
    sec = world.user("secretariat")
    moved = chair_statement.create_chair_statement(sec, world.document, [world.clauses[1].id])
    chair = moved.document
    with pytest.raises(Conflict) as error:
        chair_statement.create_chair_statement(sec, chair, [moved.moved[0].clause.id])
    assert error.value.code == "is_chair_statement"
