import pytest
from sqlalchemy import func, select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.domain.states import ProposalStatus, Stage
from drafting.extensions import db
from drafting.models import Proposal
from drafting.services import proposals


def count_proposals() -> int:
    return db.session.execute(select(func.count(Proposal.id))).scalar()


def test_delegate_amends_for_own_economy(world):
    clause = world.clauses[2]
    p = proposals.submit_proposal(world.user("aus"), world.document, "amend", clause=clause,
                                  text="We will cut emissions by 2030 and promote clean energy.",
                                  rationale="Stronger verb.")
    assert p.status is ProposalStatus.OPEN
    assert p.economy.code == "AUS"
    assert p.base_version.number == 1


@pytest.mark.parametrize("text, code", [
    ("", "invalid_input"),
    ("   \n\t ", "invalid_input"),
    ("We will reduce emissions by 2030 and promote clean energy.", "no_change"),
    ("x" * 5001, "invalid_input"),
    ("bad \x00 byte", "invalid_input"),
])
def test_bad_amendment_text_is_refused_and_nothing_saved(world, text, code):
    with pytest.raises(InvalidInput) as error:
        proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                  clause=world.clauses[2], text=text)
    assert error.value.code == code
    assert count_proposals() == 0


def test_unknown_action_refused(world):
    with pytest.raises(InvalidInput):
        proposals.submit_proposal(world.user("aus"), world.document, "rewrite",
                                  clause=world.clauses[0], text="x")


@pytest.mark.parametrize("username", ["secretariat", "observer", "admin"])
def test_only_delegates_propose(world, username):
    with pytest.raises(PermissionDenied):
        proposals.submit_proposal(world.user(username), world.document, "delete",
                                  clause=world.clauses[0])


def test_clause_of_another_document_refused(world):
    from tests.factories import make_document
    other_doc, other_clauses = make_document(world.economies["THA"])
    with pytest.raises(InvalidInput):
        proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                  clause=other_clauses[0])


def test_duplicate_open_proposal_refused(world):
    proposals.submit_proposal(world.user("aus"), world.document, "delete", clause=world.clauses[1])
    with pytest.raises(Conflict):
        proposals.submit_proposal(world.user("aus2"), world.document, "delete",
                                  clause=world.clauses[1])
    # another economy may propose the same
    proposals.submit_proposal(world.user("nz"), world.document, "delete", clause=world.clauses[1])


def test_closed_stage_refuses_proposals(world):
    world.document.stage = Stage.ENDORSED_LEADERS
    with pytest.raises(Conflict):
        proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                  clause=world.clauses[1])


def test_withdraw_only_by_own_economy_and_only_when_open(world):
    p = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                  clause=world.clauses[1])
    with pytest.raises(PermissionDenied):
        proposals.withdraw_proposal(world.user("nz"), p)
    proposals.withdraw_proposal(world.user("aus2"), p)  # same economy, other delegate
    assert p.status is ProposalStatus.WITHDRAWN
    with pytest.raises(Conflict):
        proposals.withdraw_proposal(world.user("aus"), p)


def test_cosponsorship(world):
    p = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                  clause=world.clauses[1])
    with pytest.raises(PermissionDenied):
        proposals.cosponsor_proposal(world.user("aus2"), p)
    proposals.cosponsor_proposal(world.user("nz"), p)
    proposals.cosponsor_proposal(world.user("jpn"), p)
    assert p.sponsor_codes == ["AUS", "NZ", "JPN"]
    with pytest.raises(Conflict):
        proposals.cosponsor_proposal(world.user("nz"), p)
    proposals.withdraw_cosponsorship(world.user("nz"), p)
    assert p.sponsor_codes == ["AUS", "JPN"]
    with pytest.raises(Conflict):
        proposals.withdraw_cosponsorship(world.user("nz"), p)


def test_insert_needs_anchor_and_text(world):
    with pytest.raises(InvalidInput):
        proposals.submit_proposal(world.user("aus"), world.document, "insert", text="New.")
    with pytest.raises(InvalidInput):
        proposals.submit_proposal(world.user("aus"), world.document, "insert",
                                  after_clause=world.clauses[0], text=" ")
    p = proposals.submit_proposal(world.user("aus"), world.document, "insert",
                                  after_clause=world.clauses[0], text="Noting the new clause;")
    assert p.after_clause_id == world.clauses[0].id and p.clause_id is None


def test_revise_requires_change_and_own_economy(world):
    p = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                  clause=world.clauses[2],
                                  text="We will reduce emissions by 2035 and promote clean energy.")
    with pytest.raises(PermissionDenied):
        proposals.revise_proposal(world.user("nz"), p, text="anything")
    with pytest.raises(InvalidInput):
        proposals.revise_proposal(world.user("aus"), p, text=p.text)
    proposals.revise_proposal(world.user("aus"), p,
                              text="We will reduce emissions by 2040 and promote clean energy.")
    assert "2040" in p.text and p.updates[-1].kind == "revised"
