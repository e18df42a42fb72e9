"""The secretariat's direct edits (services.editing.edit_clause_text)."""
import json

import pytest
from sqlalchemy import select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied, StaleVersion
from drafting.domain.states import ProposalStatus, Stage
from drafting.extensions import db
from drafting.models import AuditEvent, ProposalUpdate
from drafting.services import editing

from tests.revisions.helpers import BASE, accept, amend, delete


def edit(world, text, expected_version=1, note="", clause_index=2, username="secretariat"):
    return editing.edit_clause_text(world.user(username), world.clauses[clause_index], text,
                                    expected_version, note)


def test_edit_writes_a_secretariat_version_and_is_audited(world):
    clause = world.clauses[2]
    version = edit(world, BASE.replace("promote", "accelerate"), note="Consistent wording")
    assert (version.number, version.proposal_id, version.note) == (2, None, "Consistent wording")
    assert version.created_by.username == "secretariat"
    assert clause.version == 2 and clause.text == BASE.replace("promote", "accelerate")
    assert clause.versions[0].text == BASE  # history is kept
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "clause.edited")
                               ).scalar_one()
    data = json.loads(event.data)
    assert event.clause_id == clause.id and data["version"] == 2 and data["previous_text"] == BASE


def test_edit_rebases_open_proposals_or_marks_them_in_conflict(world):
    clean = amend(world, "aus", BASE.replace("reduce", "halve"))
    clashing = amend(world, "nz", BASE.replace("clean energy", "renewable energy"))
    edit(world, BASE.replace("clean energy", "clean and renewable energy"))
    assert clean.base_version.number == 2 and not clean.in_conflict
    assert clean.text == BASE.replace("reduce", "halve").replace("clean energy",
                                                                 "clean and renewable energy")
    assert clashing.in_conflict and clashing.base_version.number == 1
    kinds = {u.proposal_id: u.kind for u in db.session.execute(select(ProposalUpdate)).scalars()}
    assert kinds == {clean.id: "rebased", clashing.id: "conflict"}
    assert clean.status is ProposalStatus.OPEN and clashing.status is ProposalStatus.OPEN


def test_stale_edit_is_refused_and_changes_nothing(world):
    accept(world, amend(world, "aus", BASE.replace("reduce", "halve")))
    with pytest.raises(StaleVersion) as error:
        edit(world, "Something else entirely.", expected_version=1)
    assert error.value.status == 409
    assert error.value.details == {"expected_version": 1, "current_version": 2}
    assert world.clauses[2].version == 2


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_edits(world, username):
    with pytest.raises(PermissionDenied):
        edit(world, "New text.", username=username)
    assert world.clauses[2].version == 1


def test_refusals(world):
    with pytest.raises(InvalidInput):
        edit(world, BASE)  # unchanged
    with pytest.raises(InvalidInput):
        edit(world, "   ")
    with pytest.raises(InvalidInput):
        edit(world, "New.", expected_version=None)
    accept(world, delete(world, "jpn", 3))
    with pytest.raises(Conflict) as error:
        edit(world, "New.", expected_version=2, clause_index=3)
    assert error.value.code == "clause_deleted"
    world.document.stage = Stage.ENDORSED_LEADERS
    with pytest.raises(Conflict) as error:
        edit(world, "New.")
    assert error.value.code == "document_frozen"
