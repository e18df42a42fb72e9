"""Undoing a move: paragraphs of a Chair's statement go back to the statement (API and service)."""
import json

from sqlalchemy import select

from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import AuditEvent, Clause, Document
from drafting.services import chair_statement, editing, proposals, reading
from tests.consensus.test_api import call, refused  # noqa: F401 - fixtures

def _move(world, *clauses):
    result = chair_statement.create_chair_statement(world.user("secretariat"), world.document,
                                                    [c.id for c in clauses])
    db.session.commit()
    return result


def _numbers_and_texts(document):
    return [(r.number, r.clause.id, r.version.text)
            for r in reading.document_view(document, viewer=None).rows]


def test_return_restores_place_text_and_history(call, world):
    pp1, pp2, op1, op2 = world.clauses
    before = _numbers_and_texts(world.document)
    moved = _move(world, pp2, op1)
    chair = moved.document
    chair_op1 = next(m.clause for m in moved.moved if m.source.id == op1.id)
    # The Chair's statement's text of OP1 is edited there before it returns.
    editing.edit_clause_text(world.user("secretariat"), chair_op1,
                             "We will reduce emissions by 2035.", 1, "Chair's wording")
    db.session.commit()
    assert [n for n, _, _ in _numbers_and_texts(world.document)] == ["PP1", "OP1"]
    body = call("POST", f"/documents/{chair.id}/return", "secretariat",
                {"clause_ids": [chair_op1.id, next(m.clause.id for m in moved.moved
                                                   if m.source.id == pp2.id)],
                 "note": "Consensus reached at SOM3"})
    assert body["returned"] == [pp2.id, op1.id]  # the statement's own clauses, in its order
    assert body["document_id"] == world.document.id
    assert [(c["clause_id"], c["number"], c["from_number"]) for c in body["clauses"]] == [
        (pp2.id, "PP2", "PP1"), (op1.id, "OP1", "OP1")]
    db.session.expire_all()
    after = _numbers_and_texts(world.document)
    assert [(n, i) for n, i, _ in after] == [(n, i) for n, i, _ in before]
    assert [t for _, _, t in after] == [before[0][2], before[1][2],
                                        "We will reduce emissions by 2035.", before[3][2]]
    # History: original text, moved out, the Chair's statement's edit, returned.
    op1 = db.session.get(Clause, op1.id)
    history = [(v.number, v.removed, v.text, v.note) for v in op1.versions]
    assert [h[:2] for h in history] == [(1, False), (2, True), (3, True), (4, False)]
    assert history[1][3].startswith("Moved to the Chair's statement")
    assert history[2][2] == "We will reduce emissions by 2035."
    assert history[2][3] == "In the Chair's statement 2022/TEST/1/CHAIR OP1: Chair's wording"
    assert history[3][3] == ("Returned from the Chair's statement (2022/TEST/1/CHAIR OP1): "
                             "Consensus reached at SOM3")
    assert op1.versions[2].created_at <= op1.versions[3].created_at
    # The Chair's statement keeps its paragraphs' history, removed.
    chair_op1 = db.session.get(Clause, chair_op1.id)
    assert chair_op1.removed and chair_op1.versions[-1].note.startswith(
        "Returned to the statement (2022/TEST/1 OP1)")
    assert reading.document_view(db.session.get(Document, chair.id), viewer=None).rows == []
    returned = list(db.session.execute(select(AuditEvent).where(
        AuditEvent.kind == "clause.returned_from_chair_statement").order_by(AuditEvent.id))
        .scalars())
    assert [(e.document_id, e.clause_id) for e in returned] == [
        (world.document.id, pp2.id), (world.document.id, op1.id)]
    facts = json.loads(returned[1].data)
    assert facts["chair_statement_id"] == chair.id and facts["chair_clause_id"] == chair_op1.id
    assert facts["note"] == "Consensus reached at SOM3"
    summary = db.session.execute(select(AuditEvent).where(
        AuditEvent.kind == "chair_statement.returned")).scalar_one()
    assert summary.document_id == chair.id


def test_returned_between_paragraphs_that_moved_later(call, world):
    pp1, pp2, op1, op2 = world.clauses
    first = _move(world, op1)
    _move(world, op2)
    chair = first.document
    chair_op1 = first.moved[0].clause
    body = call("POST", f"/documents/{chair.id}/return", "secretariat",
                {"clause_ids": [chair_op1.id]})
    assert body["returned"] == [op1.id]
    db.session.expire_all()
    assert [(n, i) for n, i, _ in _numbers_and_texts(world.document)] == [
        ("PP1", pp1.id), ("PP2", pp2.id), ("OP1", op1.id)]
    # Still in the Chair's statement: the old OP2, which was OP1 when it moved (OP1 had gone).
    rows = reading.document_view(db.session.get(Document, chair.id), viewer=None).rows
    assert [(r.number, r.clause.moved_from_clause_id, r.clause.moved_from_number)
            for r in rows] == [("OP1", op2.id, "OP1")]


def test_open_proposals_in_the_chair_statement_are_superseded(world, call):
    moved = _move(world, world.clauses[2])
    chair_clause = moved.moved[0].clause
    call("POST", f"/documents/{moved.document.id}/return", "secretariat",
         {"clause_ids": [chair_clause.id]})
    db.session.expire_all()
    assert db.session.get(Clause, world.clauses[2].id).removed is False


def test_refusals_change_nothing(call, refused, world):
    moved = _move(world, world.clauses[2])
    chair = moved.document
    chair_clause = moved.moved[0].clause
    path = f"/documents/{chair.id}/return"
    refused("POST", "/documents/999999/return", "secretariat", {"clause_ids": [1]},
            status=404, code="not_found")
    refused("POST", path, "aus", {"clause_ids": [chair_clause.id]}, status=403,
            code="forbidden")
    refused("POST", path, "observer", {"clause_ids": [chair_clause.id]}, status=403)
    refused("POST", path, "secretariat", {}, status=422, code="no_selection")
    refused("POST", path, "secretariat", {"clause_ids": []}, status=422, code="no_selection")
    refused("POST", path, "secretariat", {"clause_ids": "all"}, status=422)
    refused("POST", path, "secretariat", {"clause_ids": ["x"]}, status=422)
    # A clause of the statement, not of its Chair's statement.
    error = refused("POST", path, "secretariat", {"clause_ids": [world.clauses[0].id]},
                    status=422, code="invalid_input")
    assert "Not a paragraph of this Chair's statement" in error["message"]
    refused("POST", path, "secretariat", {"clause_ids": [999999]}, status=422)
    refused("POST", f"/documents/{world.document.id}/return", "secretariat",
            {"clause_ids": [world.clauses[0].id]}, status=409, code="not_chair_statement")
    refused("POST", path, "secretariat", {"clause_ids": [chair_clause.id], "note": "x" * 5000},
            status=422)
    call("POST", path, "secretariat", {"clause_ids": [chair_clause.id]})
    # Returned already: no longer a paragraph of the Chair's statement.
    refused("POST", path, "secretariat", {"clause_ids": [chair_clause.id]}, status=422)


def test_moved_again_after_a_return(call, world):
    op1 = world.clauses[2]
    first = _move(world, op1)
    call("POST", f"/documents/{first.document.id}/return", "secretariat",
         {"clause_ids": [first.moved[0].clause.id]})
    again = _move(world, op1)
    assert again.document.id == first.document.id and not again.created
    body = call("POST", f"/documents/{again.document.id}/return", "secretariat",
                {"clause_ids": [again.moved[0].clause.id]})
    assert body["returned"] == [op1.id]
    db.session.expire_all()
    versions = db.session.get(Clause, op1.id).versions
    assert [v.removed for v in versions] == [False, True, False, True, False]


# --- no proposals on the Chair's own text ----------------------------------------------------

def test_delegates_cannot_propose_on_a_chair_statement(call, refused, world, client):
    moved = _move(world, world.clauses[2])
    chair, chair_clause = moved.document, moved.moved[0].clause
    refused("POST", f"/documents/{chair.id}/proposals", "aus",
            {"action": "amend", "clause_id": chair_clause.id, "text": "We will act by 2035."},
            status=409, code="chair_text")
    refused("POST", f"/documents/{chair.id}/proposals", "aus",
            {"action": "insert", "after_clause_id": chair_clause.id, "text": "New."},
            status=409, code="chair_text")
    refused("POST", f"/documents/{chair.id}/drafts", "aus",
            {"action": "amend", "clause_id": chair_clause.id, "text": "We will act by 2035."},
            status=409, code="chair_text")
    # The statement itself still takes proposals.
    proposal = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                         clause=world.clauses[3], text="We act together.")
    assert proposal.status is ProposalStatus.OPEN


def test_returned_ids_follow_the_statement_order(call, world):
    op1, op2 = world.clauses[2], world.clauses[3]
    first = _move(world, op2)
    second = _move(world, op1)  # now after the old OP2 in the Chair's statement
    body = call("POST", f"/documents/{first.document.id}/return", "secretariat",
                {"clause_ids": [first.moved[0].clause.id, second.moved[0].clause.id]})
    assert body["returned"] == [op1.id, op2.id]
    assert [c["number"] for c in body["clauses"]] == ["OP1", "OP2"]


def test_open_for_comment_lets_delegates_propose_until_closed(call, refused, world, client):
    moved = _move(world, world.clauses[2])
    chair, chair_clause = moved.document, moved.moved[0].clause
    path = f"/documents/{chair.id}/open-for-comment"
    amend = {"action": "amend", "clause_id": chair_clause.id, "text": "We will act by 2035."}
    refused("POST", path, "aus", {"open": True}, status=403)
    refused("POST", path, "secretariat", {"open": "yes"}, status=422)
    refused("POST", path, "secretariat", {}, status=422)
    refused("POST", f"/documents/{world.document.id}/open-for-comment", "secretariat",
            {"open": True}, status=409, code="not_chair_statement")
    body = call("POST", path, "secretariat", {"open": True, "note": "Views welcome"})
    assert body == {"id": chair.id, "open_for_comment": True, "changed": True}
    assert call("POST", path, "secretariat", {"open": True})["changed"] is False
    proposal = call("POST", f"/documents/{chair.id}/proposals", "aus", amend, status=201)
    assert proposal["status"] == "open"
    assert call("POST", path, "secretariat", {"open": False})["open_for_comment"] is False
    refused("POST", f"/documents/{chair.id}/proposals", "nz", amend, status=409,
            code="chair_text")
    kinds = list(db.session.execute(select(AuditEvent.kind).where(
        AuditEvent.document_id == chair.id, AuditEvent.kind.like("%for_comment"))
        .order_by(AuditEvent.id)).scalars())
    assert kinds == ["chair_statement.opened_for_comment", "chair_statement.closed_for_comment"]
