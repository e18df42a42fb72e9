"""The confidentiality rule through the services: drafts, circulation, batch submission."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from drafting.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import AuditEvent, Comment, Proposal, SubmissionRound
from drafting.models.types import utcnow
from drafting.services import comments, decisions, drafts, proposals, reading, visibility
from tests.confidentiality.conftest import (DRAFT_WORDING, OP1, PUBLIC_WORDING,
                                            UNCIRCULATED_WORDING)

VIEWERS = ["aus", "aus2", "nz", "jpn", "secretariat", "observer", "admin"]


def visible_ids(viewer) -> set[int]:
    return set(db.session.execute(
        select(Proposal.id).where(visibility.visible_proposals_clause(viewer))).scalars())


def kinds() -> list[str]:
    return list(db.session.execute(select(AuditEvent.kind).order_by(AuditEvent.id)).scalars())


def test_who_sees_what(scene):
    w = scene.world
    expected = {
        "aus": {scene.aus_draft, scene.aus_open, scene.jpn_public},
        "aus2": {scene.aus_draft, scene.aus_open, scene.jpn_public},
        "nz": {scene.nz_draft, scene.jpn_public},
        "jpn": {scene.jpn_public},
        "secretariat": {scene.aus_open, scene.jpn_public},
        "observer": {scene.jpn_public},
        "admin": {scene.jpn_public},
    }
    for username, proposals_seen in expected.items():
        user = w.user(username)
        assert visible_ids(user) == {p.id for p in proposals_seen}, username
        for p in (scene.aus_draft, scene.nz_draft, scene.aus_open, scene.jpn_public):
            assert visibility.can_see_proposal(user, p) == (p in proposals_seen), (username, p.id)
    # Nobody (a script, the command line) sees only what was circulated.
    assert visible_ids(None) == {scene.jpn_public.id}


def test_sql_and_python_rules_agree_in_every_state(scene):
    """Both forms of the rule, over every status × circulated × economy combination."""
    w = scene.world
    rows = []
    for status, circulated, author in itertools.product(
            list(ProposalStatus), (False, True), ("aus", "nz")):
        if status is ProposalStatus.DRAFT and circulated:
            continue
        user = w.user(author)
        p = Proposal(document_id=w.document.id, economy_id=user.economy_id, author_id=user.id,
                     action="delete", clause_id=w.clauses[0].id,
                     base_version_id=w.clauses[0].current.id, status=status,
                     submitted_at=None if status is ProposalStatus.DRAFT else utcnow(),
                     circulated_at=utcnow() if circulated else None)
        db.session.add(p)
        rows.append(p)
    db.session.flush()
    for username in VIEWERS + [None]:
        viewer = w.user(username) if username else None
        sql = visible_ids(viewer)
        for p in rows:
            assert (p.id in sql) == visibility.can_see_proposal(viewer, p), (username, p.status)


def test_draft_is_saved_without_submission_or_circulation(scene):
    d = scene.aus_draft
    assert d.status is ProposalStatus.DRAFT
    assert d.submitted_at is None and d.circulated_at is None
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.proposal_id == d.id)).scalar_one()
    assert event.kind == "proposal.draft_saved"
    assert "CONFIDENTIAL" not in event.data  # the wording of a draft never enters the trail


def test_document_view_counts_and_changes_hide_other_economies_drafts(scene):
    w = scene.world
    for username, count, texts in [
        ("nz", 1, {PUBLIC_WORDING}),
        ("aus", 2, {PUBLIC_WORDING, UNCIRCULATED_WORDING}),
        ("secretariat", 2, {PUBLIC_WORDING, UNCIRCULATED_WORDING}),
        ("observer", 1, {PUBLIC_WORDING}),
    ]:
        view = reading.document_view(w.document, viewer=w.user(username))
        row = next(r for r in view.rows if r.clause.id == scene.op1.id)
        assert row.open_count == count, username
        assert {p.text for p in row.open_proposals} == texts, username
        html = reading.tracked_changes_html(row, view.economies)
        assert "CONFIDENTIAL" not in html and "NZ-SECRET" not in html
        assert ("UNCIRCULATED" in html) == (UNCIRCULATED_WORDING in texts)


def test_clause_proposals_show_own_drafts_only(scene):
    w = scene.world
    for username, expected in [
        ("aus", {scene.aus_draft.id, scene.aus_open.id, scene.jpn_public.id}),
        ("nz", {scene.nz_draft.id, scene.jpn_public.id}),
        ("secretariat", {scene.aus_open.id, scene.jpn_public.id}),
        ("observer", {scene.jpn_public.id}),
    ]:
        listed = {p.id for p in reading.proposals_for_clause(scene.op1, viewer=w.user(username))}
        assert listed == expected, username


def test_desk_shows_every_submitted_proposal_and_no_draft(scene):
    groups = reading.desk_groups(scene.world.document, viewer=scene.world.user("secretariat"))
    on_desk = {p.id for _, ps in groups for p in ps}
    assert on_desk == {scene.aus_open.id, scene.jpn_public.id}


def test_circulation_makes_a_submitted_proposal_visible_to_all(scene):
    w = scene.world
    nz, secretariat, observer = w.user("nz"), w.user("secretariat"), w.user("observer")
    assert not visibility.can_see_proposal(nz, scene.aus_open)
    assert visibility.can_see_proposal(secretariat, scene.aus_open)
    with pytest.raises(PermissionDenied):
        drafts.circulate_proposals(w.user("aus"), w.document, [scene.aus_open])
    now = utcnow()
    done = drafts.circulate_proposals(secretariat, w.document, now=now)
    assert done == [scene.aus_open] and scene.aus_open.circulated_at == now
    assert visibility.can_see_proposal(nz, scene.aus_open)
    assert visibility.can_see_proposal(observer, scene.aus_open)
    assert kinds()[-1] == "proposal.circulated"
    # Nothing left to circulate; a drafts is never circulated (it does not exist for them).
    with pytest.raises(Conflict):
        drafts.circulate_proposals(secretariat, w.document)
    with pytest.raises(Conflict):
        drafts.circulate_proposals(secretariat, w.document, [scene.aus_open])
    with pytest.raises(NotFound):
        drafts.circulate_proposals(secretariat, w.document, [scene.aus_draft])
    assert scene.aus_draft.circulated_at is None


def test_immediate_circulation_is_switched_by_the_secretariat(scene):
    w = scene.world
    with pytest.raises(PermissionDenied):
        drafts.set_circulation(w.user("aus"), w.document, True)
    assert drafts.set_circulation(w.user("secretariat"), w.document, True) is True
    assert kinds()[-1] == "document.circulation_changed"
    assert drafts.set_circulation(w.user("secretariat"), w.document, True) is False
    p = proposals.submit_proposal(w.user("nz"), w.document, "delete", clause=w.clauses[0])
    assert p.circulated_at == p.submitted_at is not None
    assert visibility.can_see_proposal(w.user("jpn"), p)
    # Switching on does not circulate what was already waiting.
    assert not visibility.can_see_proposal(w.user("jpn"), scene.aus_open)


def test_an_accepted_proposal_is_part_of_the_text_and_seen_by_all(scene):
    w = scene.world
    decisions.decide_proposal(w.user("secretariat"), scene.aus_open, "accept", expected_version=1)
    assert scene.aus_open.circulated_at is None
    assert visibility.can_see_proposal(w.user("nz"), scene.aus_open)


def test_a_rejected_uncirculated_proposal_stays_confidential(scene):
    w = scene.world
    decisions.decide_proposal(w.user("secretariat"), scene.aus_open, "reject",
                              expected_version=1, note="No")
    assert not visibility.can_see_proposal(w.user("nz"), scene.aus_open)
    assert visibility.can_see_proposal(w.user("aus2"), scene.aus_open)


# --- drafts ----------------------------------------------------------------------------------

def test_only_the_own_economy_edits_or_deletes_a_draft(scene):
    w = scene.world
    for username in ("nz", "secretariat", "observer"):
        with pytest.raises(NotFound):
            drafts.update_draft(w.user(username), scene.aus_draft, text=OP1 + " x", rationale="")
        with pytest.raises(NotFound):
            drafts.delete_draft(w.user(username), scene.aus_draft)
    edited = OP1.replace("clean", "affordable")
    drafts.update_draft(w.user("aus2"), scene.aus_draft, text=edited, rationale="r2")
    assert scene.aus_draft.text == edited and scene.aus_draft.status is ProposalStatus.DRAFT
    with pytest.raises(InvalidInput):
        drafts.update_draft(w.user("aus"), scene.aus_draft, text=edited, rationale="r2")
    draft_id = drafts.delete_draft(w.user("aus"), scene.aus_draft)
    db.session.commit()
    assert db.session.get(Proposal, draft_id) is None
    assert kinds()[-2:] == ["proposal.draft_updated", "proposal.draft_deleted"]


def test_a_submitted_proposal_is_not_a_draft_any_more(scene):
    with pytest.raises(Conflict):
        drafts.delete_draft(scene.world.user("aus"), scene.aus_open)
    with pytest.raises(Conflict):
        drafts.submit_drafts(scene.world.user("aus"), [scene.aus_open])


def test_batch_submission_submits_all_drafts_together(scene):
    w = scene.world
    aus = w.user("aus")
    second = drafts.save_draft(aus, w.document, "insert", after_clause=w.clauses[3],
                               text="We will cooperate on bio-circular-green innovation.")
    db.session.commit()
    before = len(kinds())
    now = utcnow()
    done = drafts.submit_drafts(aus, [second, scene.aus_draft], now=now)
    assert [p.id for p in done] == [scene.aus_draft.id, second.id]  # in the order they were made
    for p in done:
        assert p.status is ProposalStatus.OPEN and p.submitted_at == now
        assert p.circulated_at is None  # the document circulates on demand
    new = kinds()[before:]
    assert new == ["proposal.submitted", "proposal.submitted", "proposals.batch_submitted"]
    batch = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert sorted(visibility.event_data(batch)["proposal_ids"]) == sorted(p.id for p in done)
    # Now the secretariat sees them, NZ does not (not circulated).
    assert visibility.can_see_proposal(w.user("secretariat"), second)
    assert not visibility.can_see_proposal(w.user("nz"), second)


def test_batch_submission_is_all_or_nothing(scene):
    w = scene.world
    aus = w.user("aus")
    fine = drafts.save_draft(aus, w.document, "delete", clause=w.clauses[0])
    doomed = drafts.save_draft(aus, w.document, "delete", clause=w.clauses[1])
    w.clauses[1].frozen = True  # the secretariat closed this clause to proposals
    db.session.commit()
    before = len(kinds())
    with pytest.raises(Conflict) as error:
        drafts.submit_drafts(aus, [scene.aus_draft, fine, doomed])
    assert error.value.code == "clause_frozen"
    db.session.rollback()
    for p in (scene.aus_draft, fine, doomed):
        db.session.refresh(p)
        assert p.status is ProposalStatus.DRAFT and p.submitted_at is None
    assert len(kinds()) == before


def test_batch_refuses_another_economys_draft_as_unknown(scene):
    w = scene.world
    with pytest.raises(NotFound):
        drafts.submit_drafts(w.user("aus"), [scene.aus_draft, scene.nz_draft])
    assert scene.aus_draft.status is ProposalStatus.DRAFT
    with pytest.raises(InvalidInput):
        drafts.submit_drafts(w.user("aus"), [])


def test_batch_refuses_a_closed_round_and_duplicates(scene):
    w = scene.world
    aus = w.user("aus")
    twin = drafts.save_draft(aus, w.document, "amend", clause=scene.op1, text=DRAFT_WORDING)
    with pytest.raises(Conflict) as error:
        drafts.submit_drafts(aus, [scene.aus_draft, twin])
    assert error.value.code == "duplicate"
    now = utcnow()
    db.session.add(SubmissionRound(document_id=w.document.id, deadline=now - timedelta(hours=1),
                                   timezone="Asia/Bangkok", opened_at=now - timedelta(days=2)))
    db.session.flush()
    with pytest.raises(Conflict) as error:
        drafts.submit_drafts(aus, [scene.aus_draft], now=now)
    assert error.value.code == "round_closed"
    assert scene.aus_draft.status is ProposalStatus.DRAFT


def test_a_draft_in_conflict_must_be_updated_before_submission(scene):
    w = scene.world
    # JPN's public proposal changes the same words as AUS's draft.
    decisions.decide_proposal(w.user("secretariat"), scene.jpn_public, "accept",
                              expected_version=1)
    assert scene.aus_draft.in_conflict
    with pytest.raises(Conflict) as error:
        drafts.submit_drafts(w.user("aus"), [scene.aus_draft])
    assert error.value.code == "proposal_in_conflict"
    drafts.update_draft(w.user("aus"), scene.aus_draft,
                        text=PUBLIC_WORDING.replace("We will", "We shall"), rationale="")
    assert not scene.aus_draft.in_conflict
    assert drafts.submit_drafts(w.user("aus"), [scene.aus_draft])[0].is_open


def test_save_draft_needs_a_delegate_and_valid_text(scene):
    w = scene.world
    with pytest.raises(PermissionDenied):
        drafts.save_draft(w.user("secretariat"), w.document, "delete", clause=w.clauses[0])
    with pytest.raises(InvalidInput):
        drafts.save_draft(w.user("aus"), w.document, "amend", clause=scene.op1, text=OP1)


def test_a_draft_can_be_saved_while_the_round_is_closed(scene):
    w = scene.world
    now = utcnow()
    db.session.add(SubmissionRound(document_id=w.document.id, deadline=now - timedelta(hours=1),
                                   timezone="UTC", opened_at=now - timedelta(days=1)))
    db.session.flush()
    d = drafts.save_draft(w.user("nz"), w.document, "delete", clause=w.clauses[0])
    assert d.status is ProposalStatus.DRAFT


# --- comments and the audit trail --------------------------------------------------------------

def test_comments_on_invisible_proposals_are_refused_and_hidden(scene):
    w = scene.world
    with pytest.raises(NotFound):
        comments.add_comment(w.user("nz"), proposal=scene.aus_open, body="Peek")
    with pytest.raises(Conflict):
        comments.add_comment(w.user("aus"), proposal=scene.aus_draft, body="Internal")
    comments.add_comment(w.user("aus"), proposal=scene.aus_open, body="Our own note")
    comments.add_comment(w.user("nz"), clause=scene.op1, body="On the clause")
    db.session.commit()
    nz_threads = reading.comment_threads(clause=scene.op1, viewer=w.user("nz"))
    assert [c.body for c, _ in nz_threads] == ["On the clause"]
    aus_threads = reading.comment_threads(clause=scene.op1, viewer=w.user("aus"))
    assert {c.body for c, _ in aus_threads} == {"Our own note", "On the clause"}
    view = reading.document_view(w.document, viewer=w.user("nz"))
    row = next(r for r in view.rows if r.clause.id == scene.op1.id)
    assert row.comment_count == 1
    assert db.session.execute(select(func.count(Comment.id))).scalar() == 2


def test_audit_trail_hides_events_about_proposals_the_reader_cannot_see(scene):
    w = scene.world
    filters = visibility.AuditFilters(document_id=w.document.id)
    def proposal_ids(username):
        trail = visibility.audit_trail(w.user(username), filters)
        return {e.proposal_id for e in trail.events if e.proposal_id}
    assert proposal_ids("observer") == {scene.jpn_public.id}
    assert proposal_ids("secretariat") == {scene.jpn_public.id, scene.aus_open.id}
    drafts.circulate_proposals(w.user("secretariat"), w.document)
    assert proposal_ids("observer") == {scene.jpn_public.id, scene.aus_open.id}
    with pytest.raises(PermissionDenied):
        visibility.audit_trail(w.user("aus"), filters)
