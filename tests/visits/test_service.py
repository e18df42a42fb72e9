"""services/visits.py: the reading point, and what changed after it, as each viewer may see it."""
from datetime import timedelta

from sqlalchemy import func, select

from drafting.extensions import db
from drafting.models import DocumentVisit
from drafting.models.types import utcnow
from drafting.services import (clause_status, comments, decisions, drafts, editing, proposals,
                               visits)

OP1 = "We will reduce emissions by 2030 and promote clean energy."


def report(world, username):
    return visits.since_last_visit(world.user(username), world.document)


def amend(world, username, text, clause_index=2):
    proposal = proposals.submit_proposal(world.user(username), world.document, "amend",
                                         clause=world.clauses[clause_index], text=text,
                                         rationale="Because.")
    db.session.flush()
    return proposal


def test_a_first_visit_lists_nothing_and_says_so(world):
    amend(world, "nz", OP1.replace("2030", "2035"))
    first = report(world, "aus")
    assert first.first_visit and first.since is None and first.empty
    assert (first.clauses, first.proposals, first.comments, first.decisions) == ([], [], [], [])


def test_what_changed_since_the_point_in_document_order(world, visited):
    point = visited("aus", "aus2", "nz")
    mine = amend(world, "aus", OP1.replace("2030", "2035"))
    theirs = amend(world, "nz", "We encourage economies to cooperate on marine debris.", 3)
    comment = comments.add_comment(world.user("nz"), clause=world.clauses[0], body="A remark.")
    own_comment = comments.add_comment(world.user("aus"), clause=world.clauses[0], body="Ours.")
    decisions.decide_proposal(world.user("secretariat"), mine, "accept", expected_version=1)
    clause_status.set_clause_status(world.user("secretariat"), world.clauses[1], "bracketed",
                                    "Contested.")
    db.session.commit()

    aus = report(world, "aus")
    assert aus.since == point
    assert [(c.clause_id, c.number, c.change, c.version) for c in aus.clauses] == [
        (world.clauses[1].id, "PP2", "status_changed", 1),
        (world.clauses[2].id, "OP1", "amended", 2)]
    # Their own proposal and comment are no news to the one who wrote them.
    assert aus.proposals == [theirs.id] and aus.comments == [comment.id]
    assert aus.decisions == aus.decisions_on_yours == [mine.id]
    assert aus.summary == ("1 paragraph changed, 1 status change, 1 new proposal, "
                           "1 new comment, 1 decision on your proposals")
    # Another delegate of the same economy: the colleague's work is news.
    aus2 = report(world, "aus2")
    assert sorted(aus2.proposals) == sorted([mine.id, theirs.id])
    assert sorted(aus2.comments) == sorted([comment.id, own_comment.id])
    assert aus2.decisions_on_yours == [mine.id]
    nz = report(world, "nz")
    assert nz.decisions == [mine.id] and nz.decisions_on_yours == []
    assert nz.summary.endswith("1 decision")


def test_only_what_is_after_the_point_counts(world, visited):
    amend(world, "nz", OP1.replace("2030", "2035"))
    db.session.commit()
    visits.mark_visited(world.user("aus"), world.document, now=utcnow() + timedelta(seconds=1))
    later = report(world, "aus")
    assert not later.first_visit and later.empty and later.summary == ""


def test_inserted_and_deleted_paragraphs(world, visited):
    visited("nz")
    sec = world.user("secretariat")
    insert = proposals.submit_proposal(world.user("aus"), world.document, "insert",
                                       after_clause=world.clauses[3], text="We will act.",
                                       rationale="More.")
    delete = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                       clause=world.clauses[1], rationale="Redundant.")
    decisions.decide_proposal(sec, insert, "accept", expected_version=None)
    decisions.decide_proposal(sec, delete, "accept", expected_version=1)
    db.session.commit()
    changes = {c.change: c for c in report(world, "nz").clauses}
    assert set(changes) == {"inserted", "deleted"}
    assert changes["deleted"].clause_id == world.clauses[1].id
    assert changes["inserted"].clause_id == insert.clause_id
    assert report(world, "nz").summary.startswith("2 paragraphs changed")


def test_another_economys_unseen_work_is_never_listed_nor_counted(world, visited):
    world.document.circulate_immediately = False
    db.session.flush()
    visited("aus", "nz", "observer", "secretariat")
    hidden = amend(world, "nz", OP1.replace("2030", "2040"))
    drafts.save_draft(world.user("nz"), world.document, "amend", clause=world.clauses[3],
                      text="A draft of ours.", rationale="Draft.")
    remark = comments.add_comment(world.user("nz"), proposal=hidden, body="Our own note.")
    rejected = amend(world, "nz", OP1.replace("2030", "2045"))
    decisions.decide_proposal(world.user("secretariat"), rejected, "reject",
                              expected_version=1, note="No.")
    db.session.commit()
    for outsider in ("aus", "observer"):
        seen = report(world, outsider)
        assert seen.empty and seen.summary == "", outsider
    secretariat = report(world, "secretariat")
    assert sorted(secretariat.proposals) == sorted([hidden.id, rejected.id])
    assert secretariat.comments == [remark.id] and secretariat.decisions == [rejected.id]

    # Circulated later: news to the others from the circulation on, for the circulated one.
    drafts.circulate_proposals(world.user("secretariat"), world.document, [hidden])
    db.session.commit()
    aus = report(world, "aus")
    assert aus.proposals == [hidden.id] and aus.comments == [remark.id] and aus.decisions == []


def test_a_circulation_after_the_point_is_news_even_for_an_older_proposal(world):
    world.document.circulate_immediately = False
    db.session.flush()
    hidden = amend(world, "nz", OP1.replace("2030", "2040"))
    db.session.commit()
    point = utcnow() + timedelta(seconds=1)  # submitted before, unseen by AUS
    visits.mark_visited(world.user("aus"), world.document, now=point)
    db.session.commit()
    assert report(world, "aus").proposals == []
    drafts.circulate_proposals(world.user("secretariat"), world.document, [hidden],
                               now=point + timedelta(minutes=1))
    db.session.commit()
    assert report(world, "aus").proposals == [hidden.id]


def test_the_point_moves_forward_only_and_not_past_what_was_read(world):
    aus = world.user("aus")
    now = utcnow()
    assert visits.mark_visited(aus, world.document, now=now) == now
    assert visits.mark_visited(aus, world.document, now=now - timedelta(hours=1)) == now
    # A page rendered ten minutes ago was read: the point stops there.
    later = now + timedelta(hours=1)
    read = later - timedelta(minutes=10)
    assert visits.mark_visited(aus, world.document, until=read, now=later) == read
    # `until` in the future is "now".
    assert visits.mark_visited(aus, world.document, until=later + timedelta(days=1),
                               now=later) == later
    db.session.commit()
    assert visits.last_visit(aus, world.document.id) == later
    assert db.session.execute(select(func.count()).select_from(DocumentVisit)).scalar() == 1


def test_reading_the_report_writes_nothing(world, visited):
    editing.edit_clause_text(world.user("secretariat"), world.clauses[2],
                             OP1.replace("2030", "2035"), expected_version=1)
    db.session.commit()
    before = db.session.execute(select(func.count()).select_from(DocumentVisit)).scalar()
    report(world, "aus")
    report(world, "nz")
    assert db.session.execute(select(func.count()).select_from(DocumentVisit)).scalar() == before


def test_a_decision_on_a_proposal_my_economy_cosponsored_is_mine(world, visited):
    visited("jpn")
    theirs = amend(world, "nz", OP1.replace("2030", "2035"))
    proposals.cosponsor_proposal(world.user("jpn"), theirs)
    other = amend(world, "aus", "We encourage economies to cooperate.", 3)
    decisions.decide_proposal(world.user("secretariat"), theirs, "accept", expected_version=1)
    decisions.decide_proposal(world.user("secretariat"), other, "reject", expected_version=1,
                              note="No.")
    db.session.commit()
    jpn = report(world, "jpn")
    assert sorted(jpn.decisions) == sorted([theirs.id, other.id])
    assert jpn.decisions_on_yours == [theirs.id]
    assert jpn.summary.endswith("1 decision on your proposals, 1 other decision")
    assert report(world, "observer").first_visit  # an observer has no economy, and no point
