import json

import pytest
from sqlalchemy import func, select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied, StaleVersion
from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import ClauseVersion
from drafting.services import decisions, proposals, reading

BASE = "We will reduce emissions by 2030 and promote clean energy."


def amend(world, username, text, clause_index=2):
    return proposals.submit_proposal(world.user(username), world.document, "amend",
                                     clause=world.clauses[clause_index], text=text)


def versions() -> int:
    return db.session.execute(select(func.count(ClauseVersion.id))).scalar()


def test_accept_creates_a_new_version_linked_to_the_proposal(world):
    clause = world.clauses[2]
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1)
    assert p.status is ProposalStatus.ACCEPTED
    assert clause.version == 2 and clause.text == BASE.replace("reduce", "halve")
    assert [v.number for v in clause.versions] == [1, 2]
    assert clause.versions[0].text == BASE  # history never rewritten
    assert clause.versions[1].proposal_id == p.id
    assert p.result_version.number == 2


def test_accept_with_modifications_keeps_both_wordings(world):
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    final = BASE.replace("reduce", "substantially reduce")
    decisions.decide_proposal(world.user("secretariat"), p, "modify", expected_version=1,
                              expected_text_version=p.text_version,
                              text=final, note="Compromise wording")
    assert p.status is ProposalStatus.ACCEPTED_MODIFIED
    assert p.text == BASE.replace("reduce", "halve")
    assert p.decided_text == final == world.clauses[2].text


def test_reject_needs_a_reason_and_changes_no_text(world):
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    before = versions()
    with pytest.raises(InvalidInput):
        decisions.decide_proposal(world.user("secretariat"), p, "reject", expected_version=1)
    assert p.status is ProposalStatus.OPEN
    decisions.decide_proposal(world.user("secretariat"), p, "reject", expected_version=1,
                              note="No support in the room")
    assert p.status is ProposalStatus.REJECTED and versions() == before


@pytest.mark.parametrize("username", ["aus", "nz", "observer", "admin"])
def test_only_the_secretariat_decides(world, username):
    p = amend(world, "jpn", BASE.replace("reduce", "halve"))
    with pytest.raises(PermissionDenied):
        decisions.decide_proposal(world.user(username), p, "accept", expected_version=1)
    assert p.status is ProposalStatus.OPEN


def test_stale_decision_is_refused_and_nothing_overwritten(world):
    first = amend(world, "aus", BASE.replace("clean energy", "renewable energy"))
    second = amend(world, "nz", BASE.replace("We will", "We shall"))
    decisions.decide_proposal(world.user("secretariat"), first, "accept", expected_version=1)
    text_after_first = world.clauses[2].text
    with pytest.raises(StaleVersion) as error:
        decisions.decide_proposal(world.user("secretariat"), second, "accept", expected_version=1)
    assert error.value.status == 409
    assert world.clauses[2].text == text_after_first
    assert second.status is ProposalStatus.OPEN


def test_decided_proposal_cannot_be_decided_again(world):
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1)
    with pytest.raises(Conflict):
        decisions.decide_proposal(world.user("secretariat"), p, "reject", expected_version=2,
                                  note="x")


def test_unknown_decision_refused(world):
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    with pytest.raises(InvalidInput):
        decisions.decide_proposal(world.user("secretariat"), p, "maybe", expected_version=1)


def test_other_open_proposal_is_rebased_when_change_is_elsewhere(world):
    accepted = amend(world, "aus", BASE.replace("clean energy", "renewable energy"))
    other = amend(world, "nz", BASE.replace("We will", "We shall"))
    decisions.decide_proposal(world.user("secretariat"), accepted, "accept", expected_version=1)
    assert not other.in_conflict
    assert other.text == "We shall reduce emissions by 2030 and promote renewable energy."
    assert other.base_version.number == 2
    update = other.updates[-1]
    assert (update.kind, update.from_version, update.to_version) == ("rebased", 1, 2)
    assert update.caused_by_proposal_id == accepted.id


def test_neighbouring_edit_is_a_conflict_not_a_silent_merge(world):
    accepted = amend(world, "aus", BASE.replace("2030 and", "2030 or"))
    other = amend(world, "nz", BASE.replace("2030", "2035"))
    decisions.decide_proposal(world.user("secretariat"), accepted, "accept", expected_version=1)
    assert other.in_conflict
    assert other.text == BASE.replace("2030", "2035")  # untouched, still against version 1
    assert other.base_version.number == 1
    assert other.updates[-1].kind == "conflict"
    with pytest.raises(Conflict):
        decisions.decide_proposal(world.user("secretariat"), other, "accept", expected_version=2)
    # the economy updates it, which clears the conflict, and then it can be accepted
    proposals.revise_proposal(world.user("nz"), other,
                              text="We will reduce emissions by 2035 or promote clean energy.")
    assert not other.in_conflict and other.base_version.number == 2
    decisions.decide_proposal(world.user("secretariat"), other, "accept", expected_version=2)
    assert world.clauses[2].version == 3


def test_deleting_a_clause_supersedes_its_other_proposals(world):
    clause = world.clauses[3]
    deletion = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                         clause=clause)
    other = amend(world, "nz", clause.text.replace("encourage", "urge"), clause_index=3)
    decisions.decide_proposal(world.user("secretariat"), deletion, "accept", expected_version=1)
    assert clause.removed and clause.versions[-1].text == clause.versions[0].text
    assert other.status is ProposalStatus.SUPERSEDED
    assert other.updates[-1].kind == "superseded"
    numbers = reading.display_numbers(world.document)
    assert clause.id not in numbers


def test_open_deletion_follows_the_clause_to_its_new_version(world):
    deletion = proposals.submit_proposal(world.user("nz"), world.document, "delete",
                                         clause=world.clauses[2])
    decisions.decide_proposal(world.user("secretariat"),
                              amend(world, "aus", BASE.replace("reduce", "halve")),
                              "accept", expected_version=1)
    assert deletion.base_version.number == 2 and not deletion.in_conflict


def test_insert_places_new_clause_after_anchor_and_renumbers(world):
    p = proposals.submit_proposal(world.user("jpn"), world.document, "insert",
                                  after_clause=world.clauses[2], text="We will act on methane.")
    with pytest.raises(InvalidInput):
        decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=3)
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=0)
    rows = reading.clause_rows(world.document)
    texts = [v.text for _, v in rows]
    assert texts.index("We will act on methane.") == 3
    numbers = reading.display_numbers(world.document)
    assert numbers[p.clause_id] == "OP2"
    assert numbers[world.clauses[3].id] == "OP3"
    assert numbers[world.clauses[0].id] == "PP1"


def test_accepting_with_identical_text_is_refused(world):
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    with pytest.raises(InvalidInput):
        decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1,
                                  text=BASE)


# --- "accept" and "modify" are separate decisions ------------------------------------------

def _audit_data(kind):
    from drafting.models import AuditEvent
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == kind)
                               .order_by(AuditEvent.id.desc())).scalars().first()
    return json.loads(event.data)


def test_plain_accept_never_applies_other_wording(world):
    proposed = BASE.replace("reduce", "halve")
    p = amend(world, "aus", proposed)
    with pytest.raises(InvalidInput) as refused:
        decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1,
                                  text=BASE.replace("reduce", "substantially reduce"))
    assert refused.value.code == "modify_required"
    assert p.is_open and world.clauses[2].version == 1
    # The proposal's own wording (however spaced) is still a plain acceptance.
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1,
                              text=f" {proposed} ")
    assert p.status is ProposalStatus.ACCEPTED and p.decided_text is None
    assert world.clauses[2].text == proposed


def test_modify_needs_wording_that_differs_and_the_wording_version_read(world):
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    sec = world.user("secretariat")
    final = BASE.replace("reduce", "substantially reduce")
    cases = [
        (dict(text=final, expected_text_version=None), "invalid_input"),
        (dict(text=None, expected_text_version=p.text_version), "invalid_input"),
        (dict(text="  ", expected_text_version=p.text_version), "invalid_input"),
        (dict(text=p.text, expected_text_version=p.text_version), "no_modification"),
    ]
    for kwargs, code in cases:
        with pytest.raises(InvalidInput) as refused:
            decisions.decide_proposal(sec, p, "modify", expected_version=1, **kwargs)
        assert refused.value.code == code
    with pytest.raises(Conflict) as changed:
        decisions.decide_proposal(sec, p, "modify", expected_version=1, text=final,
                                  expected_text_version=p.text_version + 1)
    assert changed.value.code == "proposal_changed"
    assert p.is_open and world.clauses[2].version == 1


def test_modify_is_audited_with_both_wordings(world):
    proposed = BASE.replace("reduce", "halve")
    p = amend(world, "aus", proposed)
    final = BASE.replace("reduce", "substantially reduce")
    decisions.decide_proposal(world.user("secretariat"), p, "modify", expected_version=1,
                              expected_text_version=p.text_version, text=final)
    assert p.status is ProposalStatus.ACCEPTED_MODIFIED and p.decided_text == final
    data = _audit_data("proposal.accepted")
    assert data["modified"] is True
    assert (data["text"], data["proposed_text"]) == (final, proposed)


def test_a_deletion_cannot_be_modified(world):
    p = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                  clause=world.clauses[2])
    with pytest.raises(InvalidInput):
        decisions.decide_proposal(world.user("secretariat"), p, "modify", expected_version=1,
                                  expected_text_version=p.text_version, text="Other words.")
    assert p.is_open
