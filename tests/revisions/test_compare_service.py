"""Comparing revisions with each other and with the current text (services.comparison.compare)."""
import pytest

from drafting.domain.errors import InvalidInput, NotFound
from drafting.services import comparison as comparisons
from drafting.services import editing, revisions
from drafting.services import proposals as proposal_service

from tests.revisions.helpers import BASE, accept, amend, delete, insert_after


def issue(world, note=""):
    return revisions.issue_revision(world.user("secretariat"), world.document, note)


def by_clause(comparison):
    return {item.clause_id: item for item in comparison.clauses}


def changes(item):
    return [(s.op, s.text.strip(), s.authors) for s in item.segments if s.op != "equal"]


def test_aus_change_and_secretariat_edit_are_each_attributed(world):
    rev1 = issue(world)
    clause = world.clauses[2]
    p = amend(world, "aus", BASE.replace("reduce", "halve"))
    proposal_service.cosponsor_proposal(world.user("nz"), p)
    accept(world, p)
    editing.edit_clause_text(world.user("secretariat"), clause,
                             BASE.replace("reduce", "halve").replace(" by 2030", ""), 2,
                             "Editorial")
    comparison = comparisons.compare(world.document, rev1, None)
    item = by_clause(comparison)[clause.id]
    assert item.change == "changed" and (item.from_version, item.to_version) == (1, 3)
    assert changes(item) == [("delete", "reduce", ("AUS", "NZ")),
                             ("insert", "halve", ("AUS", "NZ")),
                             ("delete", "by 2030", ("Secretariat",))]
    assert [s.ref for s in item.segments if s.op != "equal"] == [p.id, p.id, None]
    assert [(s.version, s.authors, s.proposal_id) for s in item.steps] == [
        (2, ("AUS", "NZ"), p.id), (3, ("Secretariat",), None)]
    summary = comparison.summary
    assert (summary["changed"], summary["added"], summary["deleted"], summary["unchanged"]) == \
        (1, 0, 0, 3)
    assert summary["proposals_accepted"] == 1 and summary["proposal_ids"] == [p.id]
    assert summary["secretariat_edits"] == 1
    assert summary["by_economy"] == {"AUS": 1, "NZ": 1, "Secretariat": 1}
    assert (comparison.from_label, comparison.to_label) == ("Rev.1", "Current text")


def test_an_acceptance_with_modifications_credits_the_secretariats_words_to_it(world):
    rev1 = issue(world)
    clause = world.clauses[2]
    p = amend(world, "aus", BASE.replace("reduce", "halve").replace("2030", "2030 at the latest"))
    # The secretariat keeps "halve", leaves "at the latest" out and adds "and renewable".
    accept(world, p, text=BASE.replace("reduce", "halve").replace("clean energy",
                                                                  "clean and renewable energy"))
    item = by_clause(comparisons.compare(world.document, rev1, None))[clause.id]
    assert changes(item) == [("delete", "reduce", ("AUS",)), ("insert", "halve", ("AUS",)),
                             ("insert", "and renewable", ("Secretariat",))]
    # Both steps are the one decision: the same proposal, the same date in the exports.
    assert [s.ref for s in item.segments if s.op != "equal"] == [p.id, p.id, p.id]
    assert [(s.version, s.authors, s.proposal_id) for s in item.steps] == [
        (2, ("AUS",), p.id)]


def test_inserted_and_deleted_clauses_are_shown_whole(world):
    rev1 = issue(world)
    new = insert_after(world, "jpn", "We will cooperate on hydrogen.")
    accept(world, new)
    gone = delete(world, "nz", 3)
    accept(world, gone)
    comparison = comparisons.compare(world.document, rev1, None)
    items = by_clause(comparison)
    added = items[new.clause_id]
    assert added.change == "added" and added.number == "OP1bis"
    assert changes(added) == [("insert", "We will cooperate on hydrogen.", ("JPN",))]
    deleted = items[world.clauses[3].id]
    assert deleted.change == "deleted" and deleted.number == "OP2"
    assert changes(deleted) == [("delete", world.clauses[3].versions[0].text, ("NZ",))]
    assert [i.clause_id for i in comparison.clauses] == [
        world.clauses[0].id, world.clauses[1].id, world.clauses[2].id, new.clause_id,
        world.clauses[3].id]
    summary = comparison.summary
    assert (summary["added"], summary["deleted"], summary["proposals_accepted"]) == (1, 1, 2)
    assert summary["by_economy"] == {"JPN": 1, "NZ": 1}


def test_comparing_two_revisions_ignores_later_changes(world):
    rev1 = issue(world)
    first = amend(world, "aus", BASE.replace("reduce", "halve"))
    accept(world, first)
    rev2 = issue(world)
    later = amend(world, "nz", BASE.replace("reduce", "halve").replace("clean", "renewable"))
    accept(world, later)
    comparison = comparisons.compare(world.document, rev1, rev2)
    item = by_clause(comparison)[world.clauses[2].id]
    assert changes(item) == [("delete", "reduce", ("AUS",)), ("insert", "halve", ("AUS",))]
    assert comparison.to_label == "Rev.2"


def test_renumbered_clause_reports_both_numbers(world):
    rev1 = issue(world)
    accept(world, delete(world, "aus", 2))
    issue(world)  # Rev.2 renumbers: OP2 becomes OP1
    comparison = comparisons.compare(world.document, rev1, None)
    item = by_clause(comparison)[world.clauses[3].id]
    assert item.change == "unchanged" and item.renumbered
    assert (item.from_number, item.to_number) == ("OP2", "OP1")
    assert comparison.summary["renumbered"] == 1


def test_comparison_points(world):
    with pytest.raises(InvalidInput) as error:
        comparisons.resolve_comparison_points(world.document)
    assert error.value.code == "no_revision"
    issue(world)
    issue(world)
    start, end = comparisons.resolve_comparison_points(world.document)
    assert (start.number, end) == (2, None)
    start, end = comparisons.resolve_comparison_points(world.document, "1", "2")
    assert (start.number, end.number) == (1, 2)
    start, end = comparisons.resolve_comparison_points(world.document, None, "2")
    assert (start.number, end.number) == (1, 2)
    for bad in (("2", "1"), ("2", "2"), ("x", None), ("1", "y"), ("-1", None)):
        with pytest.raises(InvalidInput):
            comparisons.resolve_comparison_points(world.document, *bad)
    with pytest.raises(NotFound):
        comparisons.resolve_comparison_points(world.document, "9")
