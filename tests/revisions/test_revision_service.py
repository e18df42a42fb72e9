"""Issuing revisions: snapshot, numbering, immutability, permissions (services.revisions)."""
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from drafting.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from drafting.domain.states import ClauseStatus, ProposalStatus, Stage
from drafting.extensions import db
from drafting.models import AuditEvent, Revision
from drafting.services import reading, revisions
from drafting.services import proposals as proposal_service

from tests.revisions.helpers import BASE, accept, amend, delete, insert_after

NOW = datetime(2022, 8, 1, 9, 30, tzinfo=timezone.utc)


def issue(world, note="", renumber=True, now=None):
    return revisions.issue_revision(world.user("secretariat"), world.document, note,
                                    renumber=renumber, now=now)


def test_first_revision_snapshots_every_live_clause(world):
    rev = issue(world, "After SOM2", now=NOW)
    assert (rev.number, rev.label, rev.note, rev.created_at) == (1, "Rev.1", "After SOM2", NOW)
    entries = revisions.revision_entries(rev)
    assert [(e.clause_id, e.version_number, e.display_number, e.position)
            for e, _, _ in entries] == [
        (world.clauses[0].id, 1, "PP1", 1), (world.clauses[1].id, 1, "PP2", 2),
        (world.clauses[2].id, 1, "OP1", 3), (world.clauses[3].id, 1, "OP2", 4)]
    assert [e.section_id for e, _, _ in entries] == [c.section_id for c in world.clauses]
    assert [c.issued_number for c in world.clauses] == ["PP1", "PP2", "OP1", "OP2"]
    assert issue(world).number == 2


def test_revision_is_audited(world):
    issue(world, "Rev note")
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "revision.issued")
                               ).scalar_one()
    data = json.loads(event.data)
    assert event.document_id == world.document.id and event.actor_username == "secretariat"
    assert data["revision"] == 1 and data["note"] == "Rev note" and data["clauses"] == 4


def test_snapshot_does_not_change_when_the_text_moves_on(world):
    rev1 = issue(world)
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    accept(world, p)
    assert world.clauses[2].version == 2
    db.session.expire_all()
    rev1 = revisions.get_revision(world.document, 1)
    held = {clause.id: version.text for _, clause, version in revisions.revision_entries(rev1)}
    assert held[world.clauses[2].id] == BASE
    view = revisions.revision_view(world.document, rev1)
    assert [r.version.text for r in view.rows][2] == BASE
    assert [r.number for r in view.rows] == ["PP1", "PP2", "OP1", "OP2"]


def test_clause_inserted_after_a_renumbering_reads_bis_until_the_next_one(world):
    issue(world)
    first = insert_after(world, "aus", "We will phase down unabated coal power.")
    accept(world, first)
    second = insert_after(world, "nz", "We will protect the oceans.", clause_index=2)
    accept(world, second)
    numbers = reading.display_numbers(world.document)
    # The later insertion sits directly after OP1, so it comes first: OP1bis, then OP1ter.
    assert numbers[second.clause_id] == "OP1bis" and numbers[first.clause_id] == "OP1ter"
    assert numbers[world.clauses[3].id] == "OP2"
    rev2 = issue(world)
    numbers = reading.display_numbers(world.document)
    assert [numbers[i] for i in (world.clauses[2].id, second.clause_id, first.clause_id,
                                 world.clauses[3].id)] == ["OP1", "OP2", "OP3", "OP4"]
    assert {e.display_number for e, _, _ in revisions.revision_entries(rev2)} >= {"OP3", "OP4"}


def test_deleted_clause_keeps_its_number_reserved_until_renumbering(world):
    issue(world)
    accept(world, delete(world, "jpn", 0))
    numbers = reading.display_numbers(world.document)
    assert world.clauses[0].id not in numbers and numbers[world.clauses[1].id] == "PP2"
    assert reading.display_numbers(world.document, include_removed=True)[world.clauses[0].id] \
        == "PP1"
    rev2 = issue(world)
    assert reading.display_numbers(world.document)[world.clauses[1].id] == "PP1"
    assert world.clauses[0].issued_number == ""  # retired: holds no number any more
    assert world.clauses[0].id not in {e.clause_id for e, _, _ in revisions.revision_entries(rev2)}


def test_revision_without_renumbering_keeps_numbers(world):
    issue(world)
    p = insert_after(world, "aus", "We will phase down coal.", clause_index=2)
    accept(world, p)
    rev2 = issue(world, renumber=False)
    assert rev2.renumbered is False
    held = {e.clause_id: e.display_number for e, _, _ in revisions.revision_entries(rev2)}
    assert held[p.clause_id] == "OP1bis" and held[world.clauses[3].id] == "OP2"


def test_bracket_and_option_counts_are_stored(world):
    world.clauses[0].status = ClauseStatus.BRACKETED
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    option = amend(world, "nz", "We shall cut emissions.")
    option.status = ProposalStatus.OPTION
    db.session.flush()
    rev = issue(world)
    # PP1 [..] = 1; OP1: Option 1: [We will [reduce] [AUS: halve] …] + Option 2: [NZ: …] = 4
    assert (rev.bracket_count, rev.option_count) == (5, 2)
    assert p.status is ProposalStatus.OPEN


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_issues_revisions(world, username):
    with pytest.raises(PermissionDenied):
        revisions.issue_revision(world.user(username), world.document, "x")
    assert db.session.execute(select(Revision)).first() is None


def test_frozen_document_takes_no_revision(world):
    world.document.stage = Stage.ENDORSED_LEADERS
    world.document.frozen_at = NOW
    with pytest.raises(Conflict) as error:
        issue(world)
    assert error.value.code == "document_frozen"


def test_bad_input_is_refused(world):
    with pytest.raises(InvalidInput):
        revisions.issue_revision(world.user("secretariat"), world.document, "x" * 3000)
    with pytest.raises(InvalidInput):
        revisions.issue_revision(world.user("secretariat"), world.document, "x", renumber="yes")


def test_unknown_revision_is_not_found(world):
    issue(world)
    for number in (2, 0, 2**40):
        with pytest.raises((NotFound, InvalidInput)):
            revisions.get_revision(world.document, number)
    with pytest.raises(NotFound):
        revisions.get_revision(world.document, "7")
    with pytest.raises(InvalidInput):
        revisions.parse_revision_number("abc")
    assert revisions.get_revision(world.document, "Rev.1").number == 1


def test_negotiating_text_of_a_revision_is_as_it_stood_then(world):
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    proposal_service.cosponsor_proposal(world.user("nz"), p)
    rev1 = issue(world)
    accept(world, p)  # after Rev.1: the current text no longer has brackets on OP1
    current = revisions.negotiating_view(world.document)
    assert current.totals.brackets == 0
    then = revisions.negotiating_view(world.document, rev1)
    op1 = next(c for c in then.clauses if c.clause_id == world.clauses[2].id)
    assert op1.plain == ("[We will [reduce] [AUS, NZ: halve] emissions by 2030 and promote "
                         "clean energy.]")
    assert then.totals.brackets == rev1.bracket_count == 3
    assert [p["brackets"] for p in current.progression] == [3, 0]
    assert revisions.progression_summary(current.progression) == \
        "3 brackets in Rev.1 → 0 in the current text"


def test_options_kept_after_a_revision_are_not_options_in_it(world):
    from drafting.services import options

    kept = amend(world, "aus", "We shall cut emissions.")
    rev1 = issue(world)
    options.keep_as_option(world.user("secretariat"), kept)
    rev2 = issue(world)
    assert (rev1.option_count, rev2.option_count) == (0, 2)

    def op1(revision):
        view = revisions.negotiating_view(world.document, revision)
        return next(c for c in view.clauses if c.clause_id == world.clauses[2].id)

    assert op1(rev1).option_count == 0 and "AUS: " in op1(rev1).plain
    assert op1(rev2).option_count == 2
    assert op1(rev2).plain.splitlines()[1] == "Option 2: [AUS: We shall cut emissions.]"
    assert op1(None).option_count == 2
