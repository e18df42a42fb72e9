"""Keeping competing proposals as options of a clause, and choosing between them."""
import json

import pytest
from sqlalchemy import select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied, StaleVersion
from drafting.domain.states import ProposalStatus, Stage
from drafting.extensions import db
from drafting.models import AuditEvent
from drafting.services import decisions, options, proposals

BASE = "We will reduce emissions by 2030 and promote clean energy."
AUS = BASE.replace("reduce", "halve")
NZ = BASE.replace("clean energy", "renewable energy")
JPN = BASE.replace("by 2030", "by 2035")


def amend(world, username, text, index=2):
    return proposals.submit_proposal(world.user(username), world.document, "amend",
                                     clause=world.clauses[index], text=text)


def kinds():
    return [e.kind for e in db.session.execute(select(AuditEvent).order_by(AuditEvent.id))
            .scalars()]


@pytest.fixture
def three(world):
    """AUS (co-sponsored by JPN), NZ and JPN amendments on OP1, AUS and NZ kept as options."""
    a, n, j = amend(world, "aus", AUS), amend(world, "nz", NZ), amend(world, "jpn", JPN)
    proposals.cosponsor_proposal(world.user("jpn"), a)
    sec = world.user("secretariat")
    options.keep_as_option(sec, a, note="Both have support")
    options.keep_as_option(sec, n)
    return a, n, j


def test_keep_as_option_and_the_clause_reads_as_options(world, three):
    a, n, j = three
    assert a.status is n.status is ProposalStatus.OPTION and j.status is ProposalStatus.OPEN
    assert a.decision_note == "Both have support"
    option_set = options.clause_options(world.clauses[2])
    assert [(e.number, e.proposal_id, e.sponsors) for e in option_set.entries] == [
        (1, None, ()), (2, a.id, ("AUS", "JPN")), (3, n.id, ("NZ",))]
    assert option_set.text == (f"Option 1 (current text): {BASE} / Option 2 [AUS, JPN: {AUS}] / "
                               f"Option 3 [NZ: {NZ}]")
    assert set(options.document_options(world.document)) == {world.clauses[2].id}
    assert options.document_options(world.document)[world.clauses[2].id].number == "OP1"
    events = [json.loads(e.data) for e in db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "proposal.kept_as_option")
        .order_by(AuditEvent.id)).scalars()]
    assert [e["option"] for e in events] == [2, 3] and events[0]["sponsors"] == ["AUS", "JPN"]


def test_choosing_an_option_accepts_it_and_closes_the_others(world, three):
    a, n, j = three
    clause = world.clauses[2]
    choice = options.choose_option(world.user("secretariat"), clause, n, expected_version=1,
                                   note="Consensus at SOM3")
    assert n.status is ProposalStatus.ACCEPTED and clause.text == NZ and clause.version == 2
    assert choice.version.proposal_id == n.id and choice.chosen.number == 3
    assert a.status is ProposalStatus.REJECTED
    assert a.decision_note.startswith("Option not chosen: option 3 (NZ) was chosen")
    assert a.decided_at is not None and a.decided_by_id == world.user("secretariat").id
    assert choice.rejected == [a]
    # The other open proposal followed the clause (rebased cleanly onto the chosen text).
    assert j.status is ProposalStatus.OPEN and j.base_version.number == 2
    assert j.text == NZ.replace("by 2030", "by 2035")
    # The rejected option was closed before the acceptance, so it was never rebased.
    assert [u.kind for u in a.updates] == []
    assert options.clause_options(clause) is None
    assert "clause.option_chosen" in kinds() and "proposal.accepted" in kinds()


def test_choosing_the_current_text_rejects_every_option(world, three):
    a, n, _ = three
    clause = world.clauses[2]
    choice = options.choose_option(world.user("secretariat"), clause, None, expected_version=1)
    assert choice.proposal is None and choice.chosen.number == 1
    assert clause.version == 1 and clause.text == BASE
    assert a.status is n.status is ProposalStatus.REJECTED
    assert "option 1" in a.decision_note and "option 1" in n.decision_note


def test_stale_choice_is_refused_and_changes_nothing(world, three):
    a, n, j = three
    clause = world.clauses[2]
    decisions.decide_proposal(world.user("secretariat"), j, "accept", expected_version=1)
    with pytest.raises(StaleVersion) as error:
        options.choose_option(world.user("secretariat"), clause, a, expected_version=1)
    assert error.value.status == 409
    assert a.status is n.status is ProposalStatus.OPTION
    with pytest.raises(InvalidInput):
        options.choose_option(world.user("secretariat"), clause, a, expected_version=None)


def test_options_follow_the_clause_when_it_changes(world, three):
    a, n, j = three
    decisions.decide_proposal(world.user("secretariat"), j, "accept", expected_version=1)
    # Both options touched other words than JPN's: rebased, still options.
    assert a.status is n.status is ProposalStatus.OPTION
    assert n.text == JPN.replace("clean energy", "renewable energy")
    options.choose_option(world.user("secretariat"), world.clauses[2], n, expected_version=2)
    assert world.clauses[2].text == n.text and a.status is ProposalStatus.REJECTED


def test_what_can_be_kept_as_an_option(world):
    sec = world.user("secretariat")
    insert = proposals.submit_proposal(world.user("aus"), world.document, "insert",
                                       after_clause=world.clauses[0], text="A new paragraph.")
    delete = proposals.submit_proposal(world.user("nz"), world.document, "delete",
                                       clause=world.clauses[1])
    for p in (insert, delete):
        with pytest.raises(Conflict) as error:
            options.keep_as_option(sec, p)
        assert error.value.code == "not_an_amendment"
    withdrawn = amend(world, "jpn", JPN)
    proposals.withdraw_proposal(world.user("jpn"), withdrawn)
    with pytest.raises(Conflict):
        options.keep_as_option(sec, withdrawn)
    conflicted = amend(world, "aus", BASE.replace("reduce emissions", "cut emissions"))
    winner = amend(world, "nz", BASE.replace("reduce", "lower"))
    decisions.decide_proposal(sec, winner, "accept", expected_version=1)
    assert conflicted.in_conflict
    with pytest.raises(Conflict) as error:
        options.keep_as_option(sec, conflicted)
    assert error.value.code == "proposal_in_conflict"
    with pytest.raises(PermissionDenied):
        options.keep_as_option(world.user("aus"), amend(world, "aus", AUS.replace("2030", "2040")))


def test_uncirculated_proposals_cannot_become_options(world):
    world.document.circulate_immediately = False
    p = amend(world, "aus", AUS)
    assert p.circulated_at is None
    with pytest.raises(Conflict) as error:
        options.keep_as_option(world.user("secretariat"), p)
    assert error.value.code == "not_circulated"


def test_choose_refusals(world, three):
    a, n, j = three
    sec = world.user("secretariat")
    with pytest.raises(Conflict) as error:  # an open proposal is not an option
        options.choose_option(sec, world.clauses[2], j, expected_version=1)
    assert error.value.code == "not_an_option"
    with pytest.raises(Conflict) as error:  # a clause without options
        options.choose_option(sec, world.clauses[0], None, expected_version=1)
    assert error.value.code == "no_options"
    with pytest.raises(PermissionDenied):
        options.choose_option(world.user("aus"), world.clauses[2], a, expected_version=1)
    world.document.stage = Stage.ENDORSED_LEADERS
    with pytest.raises(Conflict) as error:
        options.choose_option(sec, world.clauses[2], a, expected_version=1)
    assert error.value.code == "document_frozen"
    assert a.status is n.status is ProposalStatus.OPTION


def test_return_to_desk(world, three):
    a, n, _ = three
    options.return_to_desk(world.user("secretariat"), a)
    assert a.status is ProposalStatus.OPEN
    assert [e.proposal_id for e in options.clause_options(world.clauses[2]).entries] == \
        [None, n.id]
    with pytest.raises(Conflict):
        options.return_to_desk(world.user("secretariat"), a)
