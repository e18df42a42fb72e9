"""Submission rounds refuse late proposals (existing ones stay visible); clause freezes."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.domain.states import ProposalStatus, Stage
from drafting.extensions import db
from drafting.models import AuditEvent, SubmissionRound
from drafting.models.types import utcnow
from drafting.services import proposals, reading, rounds

UTC = timezone.utc
OPENED = datetime(2022, 5, 2, 2, 0, tzinfo=UTC)
DEADLINE = datetime(2022, 5, 20, 9, 0, tzinfo=UTC)  # 20 May 2022, 18:00 in Tokyo
CLAUSE = "We will reduce emissions by 2030 and promote clean energy."


def open_round(world, **kwargs):
    return rounds.open_round(world.user("secretariat"), world.document, "2022-05-20T18:00",
                             "Asia/Tokyo", "Comments on Rev.1", now=kwargs.pop("now", OPENED),
                             **kwargs)


def amend(world, username, text):
    return proposals.submit_proposal(world.user(username), world.document, "amend",
                                     clause=world.clauses[2], text=text)


def test_open_round_stores_utc_and_the_zone(world):
    opened = open_round(world)
    assert opened.deadline == DEADLINE and opened.timezone == "Asia/Tokyo"
    assert opened.opened_at == OPENED and opened.note == "Comments on Rev.1"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "round.opened")
                               ).scalar_one()
    assert event.actor_username == "secretariat"


@pytest.mark.parametrize("deadline, zone, message", [
    ("2022-05-20T18:00", "Asia/Edo", "Unknown time zone"),
    ("2022-05-20T18:00", "", "timezone is required"),
    ("20 May 2022", "Asia/Tokyo", "YYYY-MM-DDTHH:MM"),
    ("2022-05-02T11:00", "Asia/Tokyo", "not in the future"),  # = OPENED exactly
    ("2022-04-30T18:00", "Asia/Tokyo", "not in the future"),
])
def test_open_round_refuses_bad_input_with_422(world, deadline, zone, message):
    with pytest.raises(InvalidInput, match=message) as error:
        rounds.open_round(world.user("secretariat"), world.document, deadline, zone, now=OPENED)
    assert error.value.status == 422
    assert db.session.execute(select(SubmissionRound)).first() is None


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_opens_rounds(world, username):
    with pytest.raises(PermissionDenied):
        rounds.open_round(world.user(username), world.document, "2022-05-20T18:00",
                          "Asia/Tokyo", now=OPENED)


def test_rounds_open_only_while_proposals_are_possible(world):
    world.document.stage = Stage.AGREED_SOM
    with pytest.raises(Conflict, match="Agreed by senior officials"):
        open_round(world)


def test_the_guard_refuses_after_the_deadline_naming_it_in_its_zone(world):
    from drafting.services.guards import ensure_accepts_proposals

    open_round(world)
    ensure_accepts_proposals(world.document, now=DEADLINE - timedelta(seconds=1))
    for moment in (DEADLINE, DEADLINE + timedelta(days=1)):
        with pytest.raises(Conflict) as error:
            ensure_accepts_proposals(world.document, now=moment)
        assert error.value.code == "round_closed"
        assert "20 May 2022, 18:00 Asia/Tokyo (UTC+09:00)" in error.value.message


def test_late_proposals_are_refused_existing_ones_stay_visible_and_open(world):
    # The round opened in the past with the deadline in the past: the real clock is late.
    now = utcnow()
    early = amend(world, "aus", CLAUSE.replace("reduce", "halve"))
    rounds.open_round(world.user("secretariat"), world.document,
                      (now + timedelta(minutes=5)).astimezone(timezone(timedelta(hours=7)))
                      .replace(tzinfo=None), "Asia/Bangkok", now=now - timedelta(hours=1))
    # Still open (deadline in 5 minutes): a proposal goes through.
    on_time = amend(world, "nz", CLAUSE.replace("clean", "renewable"))
    rounds.open_round(world.user("secretariat"), world.document,
                      (now - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=7)))
                      .replace(tzinfo=None), "Asia/Bangkok", now=now - timedelta(hours=1))
    with pytest.raises(Conflict, match="submission round closed on"):
        amend(world, "jpn", CLAUSE.replace("2030", "2035"))
    with pytest.raises(Conflict, match="submission round closed"):
        proposals.revise_proposal(world.user("aus"), early, text=CLAUSE.replace("reduce", "cut"))
    open_ids = [p.id for p in reading.open_proposals(world.document, world.user("secretariat"))]
    assert open_ids == [early.id, on_time.id]
    assert early.status is ProposalStatus.OPEN and on_time.status is ProposalStatus.OPEN
    # A new round reopens the door.
    rounds.open_round(world.user("secretariat"), world.document, "2099-01-01T12:00",
                      "Asia/Bangkok")
    amend(world, "jpn", CLAUSE.replace("2030", "2035"))


def test_freeze_clause_closes_it_to_proposals_only(world):
    secretariat = world.user("secretariat")
    clause = world.clauses[2]
    with pytest.raises(InvalidInput) as error:
        rounds.freeze_clause(secretariat, clause, True, "")
    assert error.value.details == {"field": "reason"}
    rounds.freeze_clause(secretariat, clause, True, "Agreed at SOM3; closed")
    assert clause.frozen is True
    with pytest.raises(Conflict, match="frozen this clause"):
        amend(world, "aus", CLAUSE.replace("reduce", "halve"))
    # Other clauses and insertions after the frozen one still take proposals.
    proposals.submit_proposal(world.user("aus"), world.document, "amend",
                              clause=world.clauses[3], text="We encourage cooperation.")
    proposals.submit_proposal(world.user("aus"), world.document, "insert",
                              after_clause=clause, text="A new operative paragraph.")
    with pytest.raises(Conflict, match="already frozen"):
        rounds.freeze_clause(secretariat, clause, True, "again")
    rounds.freeze_clause(secretariat, clause, False, "")
    assert clause.frozen is False
    amend(world, "aus", CLAUSE.replace("reduce", "halve"))
    with pytest.raises(Conflict, match="not frozen"):
        rounds.freeze_clause(secretariat, clause, False, "")
    kinds = db.session.execute(select(AuditEvent.kind).where(
        AuditEvent.clause_id == clause.id, AuditEvent.kind.like("clause.%"))
        .order_by(AuditEvent.id)).scalars().all()
    assert kinds == ["clause.frozen", "clause.unfrozen"]


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_freezes_clauses(world, username):
    with pytest.raises(PermissionDenied):
        rounds.freeze_clause(world.user(username), world.clauses[0], True, "reason")
    assert world.clauses[0].frozen is False


def test_frozen_clauses_read_model_gives_the_reason(world):
    from drafting.services import stages

    rounds.freeze_clause(world.user("secretariat"), world.clauses[1], True, "Agreed text")
    numbers = reading.display_numbers(world.document)
    [item] = stages.frozen_clauses(world.document, numbers)
    assert (item.clause, item.number, item.reason) == (world.clauses[1], "PP2", "Agreed text")
