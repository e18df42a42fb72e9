"""The chair's screen service: who moves it, what it accepts, what it records, what it shows."""
import json

import pytest
from sqlalchemy import func, select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.extensions import db
from drafting.models import AuditEvent, ScreenState
from drafting.services import decisions, options, positions, proposals, screen
from tests.factories import make_document

BASE = "We will reduce emissions by 2030 and promote clean energy."


def events(kind=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if kind:
        query = query.where(AuditEvent.kind.like(kind))
    return list(db.session.execute(query).scalars())


def screen_events():
    return events("screen.%")


def test_secretariat_shows_a_clause_and_the_event_is_recorded(world):
    sec, clause = world.user("secretariat"), world.clauses[2]
    state = screen.show_on_screen(sec, world.document, clause.id)
    db.session.commit()
    assert state.clause_id == clause.id and state.changed_by_id == sec.id
    assert screen.on_screen_clause_id(world.document) == clause.id
    [event] = screen_events()
    assert (event.kind, event.document_id, event.clause_id, event.actor_username) == (
        "screen.shown", world.document.id, clause.id, "secretariat")
    assert json.loads(event.data) == {"number": "OP1", "previous_clause_id": None,
                                      "via": "clause"}


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_moves_the_screen(world, username):
    user = world.user(username)
    for attempt in (lambda: screen.show_on_screen(user, world.document, world.clauses[0].id),
                    lambda: screen.step_screen(user, world.document, "next"),
                    lambda: screen.clear_screen(user, world.document)):
        with pytest.raises(PermissionDenied):
            attempt()
    assert screen.screen_state(world.document) is None and screen_events() == []


@pytest.mark.parametrize("bad", ["", None, "abc", "1.5", -3, 0, 2**40, True, "99999"])
def test_a_bad_clause_id_is_refused_and_nothing_changes(world, bad):
    sec = world.user("secretariat")
    screen.show_on_screen(sec, world.document, world.clauses[1].id)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        screen.show_on_screen(sec, world.document, bad)
    assert refused.value.details == {"field": "clause_id"}
    assert "clause" in refused.value.message.lower()
    db.session.rollback()
    assert screen.on_screen_clause_id(world.document) == world.clauses[1].id
    assert len(screen_events()) == 1


def test_a_clause_of_another_document_is_refused(world):
    sec = world.user("secretariat")
    other, other_clauses = make_document(world.economies["THA"])
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        screen.show_on_screen(sec, world.document, other_clauses[0].id)
    assert refused.value.code == "clause_not_in_document"
    assert "another document" in refused.value.message
    db.session.rollback()
    assert screen.screen_state(world.document) is None and screen.screen_state(other) is None
    assert screen_events() == []


def test_a_deleted_clause_is_refused(world):
    sec, clause = world.user("secretariat"), world.clauses[3]
    deletion = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                         clause=clause)
    decisions.decide_proposal(sec, deletion, "accept", expected_version=1)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        screen.show_on_screen(sec, world.document, clause.id)
    assert refused.value.code == "clause_deleted"
    assert refused.value.message == ("The paragraph “We encourage economies to cooperate on marine "
                                     "debris …” has been deleted: it cannot be shown.")
    assert screen_events() == []


def test_showing_what_is_on_screen_again_changes_nothing(world):
    sec, clause = world.user("secretariat"), world.clauses[0]
    screen.show_on_screen(sec, world.document, clause.id)
    screen.show_on_screen(sec, world.document, str(clause.id))
    assert len(screen_events()) == 1


def test_next_and_previous_walk_the_live_clauses_in_order(world):
    sec, doc, c = world.user("secretariat"), world.document, world.clauses
    assert screen.step_screen(sec, doc, "next").clause_id == c[0].id  # empty screen: first
    assert screen.step_screen(sec, doc, "next").clause_id == c[1].id
    # A deleted paragraph is skipped.
    deletion = proposals.submit_proposal(world.user("nz"), doc, "delete", clause=c[2])
    decisions.decide_proposal(sec, deletion, "accept", expected_version=1)
    assert screen.step_screen(sec, doc, "next").clause_id == c[3].id
    with pytest.raises(Conflict) as at_end:
        screen.step_screen(sec, doc, "next")
    assert at_end.value.code == "no_next_clause" and "last paragraph" in at_end.value.message
    assert screen.step_screen(sec, doc, "previous").clause_id == c[1].id
    assert screen.step_screen(sec, doc, "previous").clause_id == c[0].id
    with pytest.raises(Conflict) as at_start:
        screen.step_screen(sec, doc, "previous")
    assert at_start.value.code == "no_previous_clause"
    shown = [json.loads(e.data)["via"] for e in events("screen.shown")]
    assert shown == ["next", "next", "next", "previous", "previous"]


def test_previous_from_an_empty_screen_shows_the_last_clause(world):
    state = screen.step_screen(world.user("secretariat"), world.document, "previous")
    assert state.clause_id == world.clauses[-1].id


def test_stepping_from_a_clause_deleted_while_on_screen(world):
    sec, doc, c = world.user("secretariat"), world.document, world.clauses
    screen.show_on_screen(sec, doc, c[2].id)
    deletion = proposals.submit_proposal(world.user("nz"), doc, "delete", clause=c[2])
    decisions.decide_proposal(sec, deletion, "accept", expected_version=1)
    view = screen.screen_view(sec, doc)
    assert view.row is None
    assert view.deleted_label == "The paragraph “We will reduce emissions by 2030 and promote …”"
    assert screen.step_screen(sec, doc, "next").clause_id == c[3].id
    screen.show_on_screen(sec, doc, c[3].id)


def test_clear_records_which_clause_left_the_screen(world):
    sec, clause = world.user("secretariat"), world.clauses[1]
    assert screen.clear_screen(sec, world.document) is None  # nothing ever shown: no-op
    screen.show_on_screen(sec, world.document, clause.id)
    state = screen.clear_screen(sec, world.document)
    assert state.clause_id is None
    screen.clear_screen(sec, world.document)  # already clear: nothing recorded
    assert [(e.kind, e.clause_id) for e in screen_events()] == [
        ("screen.shown", clause.id), ("screen.cleared", clause.id)]
    assert db.session.execute(select(func.count()).select_from(ScreenState)).scalar() == 1


@pytest.mark.parametrize("kwargs, field", [
    ({}, "action"),
    ({"action": "jump"}, "action"),
    ({"action": "next", "clause_id": "3"}, "clause_id"),
    ({"action": "show"}, "clause_id"),
])
def test_change_screen_refuses_unclear_requests(world, kwargs, field):
    with pytest.raises(InvalidInput) as refused:
        screen.change_screen(world.user("secretariat"), world.document, **kwargs)
    assert refused.value.details["field"] == field
    assert screen_events() == []


def test_change_screen_dispatches(world):
    sec, doc, c = world.user("secretariat"), world.document, world.clauses
    assert screen.change_screen(sec, doc, clause_id=str(c[1].id)).clause_id == c[1].id
    assert screen.change_screen(sec, doc, action="NEXT").clause_id == c[2].id
    assert screen.change_screen(sec, doc, action="previous").clause_id == c[1].id
    assert screen.change_screen(sec, doc, action="clear").clause_id is None


def test_screen_changes_are_allowed_on_a_frozen_document(world):
    """Presentation, not negotiation: a chair may show the adopted text."""
    from drafting.domain.states import Stage
    from drafting.models.types import utcnow
    world.document.stage, world.document.frozen_at = Stage.ENDORSED_LEADERS, utcnow()
    db.session.commit()
    state = screen.show_on_screen(world.user("secretariat"), world.document, world.clauses[0].id)
    assert state.clause_id == world.clauses[0].id


# --- what the screen shows ---------------------------------------------------------------------

def test_an_empty_screen_shows_nothing(world):
    for username in ("aus", "observer", "secretariat", "admin"):
        view = screen.screen_view(world.user(username), world.document)
        assert view.row is None and view.state is None and view.deleted_label is None


def test_the_view_needs_a_logged_in_reader(world):
    with pytest.raises(PermissionDenied):
        screen.screen_view(None, world.document)


def test_the_view_shows_tracked_changes_options_and_positions(world):
    sec, doc, clause = world.user("secretariat"), world.document, world.clauses[2]
    aus = proposals.submit_proposal(world.user("aus"), doc, "amend", clause=clause,
                                    text=BASE.replace("reduce", "halve"))
    nz = proposals.submit_proposal(world.user("nz"), doc, "amend", clause=clause,
                                   text=BASE.replace("clean energy", "renewable energy"))
    proposals.cosponsor_proposal(world.user("jpn"), nz)
    options.keep_as_option(sec, nz)
    jpn = proposals.submit_proposal(world.user("jpn"), doc, "amend", clause=clause,
                                    text=BASE.replace("by 2030", "by 2035"))
    insert = proposals.submit_proposal(world.user("nz"), doc, "insert", after_clause=clause,
                                       text="We will share data on emissions.")
    positions.set_position(world.user("aus"), clause, "support")
    positions.set_position(world.user("nz"), clause, "objection", "Not without renewables.")
    screen.show_on_screen(sec, doc, clause.id)
    db.session.commit()

    view = screen.screen_view(world.user("observer"), doc)
    assert (view.row.number, view.index, view.total) == ("OP1", 3, 4)
    assert view.section.heading == "Goal 1: Climate"
    assert [p.id for p in view.inline] == [aus.id, jpn.id]
    assert '<del class="chg econ-aus"' in view.changes_html and ">halve</ins>" in view.changes_html
    assert ">2035</ins>" in view.changes_html and "renewable" not in view.changes_html
    assert [p.id for p in view.inserts_after] == [insert.id]
    assert [(c.label, [e.code for e in c.economies]) for c in view.options] == [
        ("Option 1", []), ("Option 2", ["NZ", "JPN"])]
    assert view.options[0].html == BASE
    assert '<ins class="chg econ-nz"' in view.options[1].html
    cells = [(e.code, p.stance.value if p else None) for e, p in view.positions.cells()]
    assert cells == [("AUS", "support"), ("NZ", "objection"), ("JPN", None), ("THA", None)]
    assert not view.positions.report.consensus
    assert [(e.code, p.text) for e, p in view.blocking] == [("NZ", "Not without renewables.")]


def test_the_screen_shows_only_what_the_room_may_see(world):
    """Uncirculated proposals stay off the wall, even when the secretariat's browser draws it."""
    sec, doc, clause = world.user("secretariat"), world.document, world.clauses[2]
    doc.circulate_immediately = False
    waiting = proposals.submit_proposal(world.user("aus"), doc, "amend", clause=clause,
                                        text=BASE.replace("reduce", "halve"))
    screen.show_on_screen(sec, doc, clause.id)
    db.session.commit()
    for username in ("secretariat", "aus", "nz"):
        view = screen.screen_view(world.user(username), doc)
        assert view.inline == [] and "halve" not in view.changes_html, username
    from drafting.services import drafts
    drafts.circulate_proposals(sec, doc, [waiting])
    db.session.commit()
    assert [p.id for p in screen.screen_view(world.user("nz"), doc).inline] == [waiting.id]


def test_controls_for_the_desk(world):
    sec, doc, c = world.user("secretariat"), world.document, world.clauses
    controls = screen.screen_controls(doc)
    assert controls.clause_id is None and controls.number is None
    assert controls.has_next and controls.has_previous
    assert [(cid, number) for cid, number, _ in controls.choices] == [
        (c[0].id, "PP1"), (c[1].id, "PP2"), (c[2].id, "OP1"), (c[3].id, "OP2")]
    assert controls.choices[2][2] == "We will reduce emissions by 2030 and promote …"
    screen.show_on_screen(sec, doc, c[0].id)
    controls = screen.screen_controls(doc)
    assert (controls.number, controls.has_previous, controls.has_next) == ("PP1", False, True)
    screen.show_on_screen(sec, doc, c[3].id)
    controls = screen.screen_controls(doc)
    assert (controls.number, controls.has_previous, controls.has_next) == ("OP2", True, False)
