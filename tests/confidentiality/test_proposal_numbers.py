"""Public proposal numbers (services/proposal_numbers.py): given when everyone may first see a
proposal, so they count exactly what everyone has seen and say nothing of drafts or of
proposals still between an economy and the secretariat."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text

from drafting.domain.proposal_names import (CLOSED, DRAFT, WAITING, capitalised, proposal_name,
                                            proposal_short_name)
from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import Proposal
from drafting.services import decisions, drafts, proposals
from tests.confidentiality.conftest import OP1


def test_names_before_and_after_a_number():
    at = datetime(2022, 11, 7, 14, 5)
    assert proposal_name(12, "AUS", WAITING, at) == "proposal #12"
    assert proposal_name(None, "AUS", DRAFT, at) == "AUS draft of 7 Nov 14:05 UTC"
    assert proposal_name(None, "AUS", WAITING, at) == \
        "AUS proposal of 7 Nov 14:05 UTC (not yet circulated)"
    assert proposal_name(None, "AUS", CLOSED, at) == \
        "AUS proposal of 7 Nov 14:05 UTC (never circulated)"
    assert proposal_short_name(12, WAITING, at) == "#12"
    assert proposal_short_name(None, DRAFT, at) == "Draft of 7 Nov 14:05 UTC"
    assert proposal_short_name(None, WAITING, at) == "Proposal of 7 Nov 14:05 UTC"
    assert capitalised("proposal #12") == "Proposal #12"


def _last_number(document) -> int | None:
    return db.session.execute(select(func.max(Proposal.number)).where(
        Proposal.document_id == document.id)).scalar()


def test_only_what_everyone_sees_is_numbered(scene):
    w = scene.world
    assert scene.jpn_public.number == 1  # circulated at submission
    assert scene.jpn_public.name == "proposal #1"
    for hidden in (scene.aus_draft, scene.nz_draft, scene.aus_open):
        assert hidden.number is None
    assert scene.aus_draft.name.startswith("AUS draft of ")
    assert scene.aus_open.name.startswith("AUS proposal of ")
    assert scene.aus_open.name.endswith("(not yet circulated)")
    assert _last_number(w.document) == 1

    # Submitted, withdrawn before circulation: never seen by others, never numbered.
    nz = w.user("nz")
    gone = proposals.submit_proposal(nz, w.document, "amend", clause=scene.op1,
                                     text=OP1 + " NZ-WITHDRAWN", rationale="")
    proposals.withdraw_proposal(nz, gone)
    assert gone.name.endswith("(never circulated)")  # and named by the time first saved
    assert f" of {gone.created_at.day} {gone.created_at:%b %H:%M} UTC" in gone.name
    # A draft submitted while the document circulates on demand: still not numbered.
    submitted = drafts.submit_drafts(w.user("aus"), [scene.aus_draft])
    assert submitted[0].number is None

    circulated = drafts.circulate_proposals(w.user("secretariat"), w.document)
    # In the order the desk lists them (created first, first), right after the last one
    # everyone saw: the draft and the withdrawn proposal left no gap a reader could count.
    assert {p.id for p in circulated} == {scene.aus_open.id, scene.aus_draft.id}
    assert [p.number for p in circulated] == [2, 3]
    assert gone.number is None
    assert _last_number(w.document) == 3


def test_a_proposal_entering_the_text_unseen_is_numbered_then(scene):
    w = scene.world
    decisions.decide_proposal(w.user("secretariat"), scene.aus_open, "accept",
                              expected_version=scene.op1.version)
    assert scene.aus_open.status is ProposalStatus.ACCEPTED
    assert scene.aus_open.circulated_at is None
    assert scene.aus_open.number == 2
    # A rejected proposal that was never circulated stays between its economy and the
    # secretariat: no number.
    nz = w.user("nz")
    w.document.circulate_immediately = False
    other = proposals.submit_proposal(nz, w.document, "amend", clause=scene.op1,
                                      text=scene.op1.text + " NZ", rationale="")
    decisions.decide_proposal(w.user("secretariat"), other, "reject",
                              expected_version=scene.op1.version, note="No.")
    assert other.number is None
    assert _last_number(w.document) == 2


def test_numbers_are_per_document_and_kept(scene, world):
    from tests.factories import make_document
    w = scene.world
    second, clauses = make_document(w.economies["THA"])
    first_there = proposals.submit_proposal(w.user("nz"), second, "amend", clause=clauses[2],
                                            text=clauses[2].text + " elsewhere", rationale="")
    assert first_there.number == 1
    # Withdrawing after circulation keeps the number: people already call it that.
    proposals.withdraw_proposal(w.user("jpn"), scene.jpn_public)
    assert scene.jpn_public.number == 1
    assert capitalised(scene.jpn_public.name) == "Proposal #1"


def test_the_api_gives_the_number_and_the_name(scene, client, api_token):
    db.session.commit()
    for username, proposal, number in (("jpn", scene.jpn_public, 1), ("aus", scene.aus_open, None)):
        answer = client.get(f"/api/v1/proposals/{proposal.id}", headers=api_token(username))
        assert answer.status_code == 200
        assert answer.json["number"] == number
        assert answer.json["name"] == proposal.name


def test_numbers_continue_after_the_highest_when_the_counter_is_new(scene):
    """As after a restore from a backup archive: numbers in the table, no PostgreSQL sequence
    for the document yet. The next number follows the highest."""
    from drafting.services.proposal_numbers import sequence_name

    w = scene.world
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"DROP SEQUENCE IF EXISTS {sequence_name(w.document.id)}"))
        db.session.commit()
    [circulated] = drafts.circulate_proposals(w.user("secretariat"), w.document,
                                              [scene.aus_open])
    assert circulated.number == 2
