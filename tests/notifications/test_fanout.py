"""Notifications fanned out from audit events, and deadline reminders (with `now` injected)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from drafting.domain.states import Role, SilenceStatus, Stance
from drafting.extensions import db
from drafting.models import Notification, Position, SilenceProcedure, SubmissionRound
from drafting.services import accounts, decisions, notifications, proposals, reminders
from drafting.services.audit import record_event

OP1 = "We will reduce emissions by 2030 and promote clean energy."
NOW = datetime(2022, 11, 10, 9, 0, tzinfo=timezone.utc)


def inbox_of(world, username) -> list[Notification]:
    return list(db.session.execute(
        select(Notification).where(Notification.user_id == world.user(username).id)
        .order_by(Notification.seq)).scalars())


def recipients(kind: str) -> set[str]:
    from drafting.models import User
    return set(db.session.execute(
        select(User.username).join(Notification, Notification.user_id == User.id)
        .where(Notification.kind == kind)).scalars())


def amend(world, username, text, clause_index=2):
    return proposals.submit_proposal(world.user(username), world.document, "amend",
                                     clause=world.clauses[clause_index], text=text)


def test_acceptance_notifies_every_delegate_of_the_economy_and_nobody_else(world):
    p = amend(world, "aus", OP1.replace("reduce", "halve"))
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1)
    assert recipients("proposal_decided") == {"aus", "aus2"}
    note = inbox_of(world, "aus")[-1]
    assert note.message == (f"Your economy's proposal #{p.number} (amendment to OP1) was accepted "
                            "by the secretariat.")
    assert note.url == f"/proposals/{p.id}" and note.document_id == world.document.id
    assert note.read_at is None and note.dedupe_key.startswith("event:")


def test_acceptance_with_modifications_and_rejection_say_so(world):
    p = amend(world, "nz", OP1.replace("reduce", "halve"))
    decisions.decide_proposal(world.user("secretariat"), p, "modify", expected_version=1,
                              expected_text_version=p.text_version,
                              text=OP1.replace("reduce", "substantially reduce"))
    assert "accepted with modifications" in inbox_of(world, "nz")[-1].message
    q = proposals.submit_proposal(world.user("nz"), world.document, "delete",
                                  clause=world.clauses[0])
    decisions.decide_proposal(world.user("secretariat"), q, "reject", expected_version=1,
                              note="Several economies want to keep it")
    message = inbox_of(world, "nz")[-1].message
    assert "deletion of PP1" in message and "was rejected" in message
    assert message.endswith("Reason: Several economies want to keep it")


def test_conflict_and_superseded_notify_the_affected_economy(world):
    secretariat = world.user("secretariat")
    winner = amend(world, "aus", OP1.replace("clean energy", "renewable energy"))
    loser = amend(world, "jpn", OP1.replace("clean energy", "low-carbon energy"))
    decisions.decide_proposal(secretariat, winner, "accept", expected_version=1)
    assert loser.in_conflict
    assert recipients("proposal_conflict") == {"jpn"}
    assert "is in conflict" in inbox_of(world, "jpn")[-1].message
    other = amend(world, "nz", world.clauses[3].text.replace("encourage", "urge"), 3)
    deletion = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                         clause=world.clauses[3])
    decisions.decide_proposal(secretariat, deletion, "accept", expected_version=1)
    assert recipients("proposal_superseded") == {"nz"}
    assert inbox_of(world, "nz")[-1].url == f"/proposals/{other.id}"


def test_revision_issued_notifies_every_active_user_but_its_author(world):
    world.user("jpn").active = False
    record_event("revision.issued", world.user("secretariat"), document_id=world.document.id,
                 number=2, note="After SOM3")
    assert recipients("revision_issued") == {"observer", "admin", "aus", "aus2", "nz"}
    message = inbox_of(world, "observer")[-1].message
    assert message == "Rev.2 of “Test Statement” was issued: After SOM3."


@pytest.fixture
def nz_objects_to_op1(world):
    db.session.add(Position(clause_id=world.clauses[2].id, economy_id=world.economies["NZ"].id,
                            stance=Stance.OBJECTION, text="Too weak",
                            user_id=world.user("nz").id))
    db.session.add(Position(clause_id=world.clauses[2].id, economy_id=world.economies["JPN"].id,
                            stance=Stance.SUPPORT, user_id=world.user("jpn").id))
    db.session.flush()


def test_changes_to_an_objected_clause_notify_the_objecting_economy(world, nz_objects_to_op1):
    p = amend(world, "aus", OP1.replace("reduce", "halve"))
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1)
    assert recipients("objected_clause_changed") == {"nz"}
    message = inbox_of(world, "nz")[-1].message
    assert message == f"OP1, to which your economy objects, changed: proposal #{p.number} was " \
                      "accepted into it."
    record_event("clause.edited", world.user("secretariat"), document_id=world.document.id,
                 clause_id=world.clauses[2].id)
    record_event("clause.status_changed", world.user("secretariat"),
                 document_id=world.document.id, clause_id=world.clauses[2].id,
                 to_status="bracketed")
    messages = [n.message for n in inbox_of(world, "nz")]
    assert messages[-2].endswith("the secretariat edited its text.")
    assert messages[-1].endswith("its status changed to “Bracketed”.")
    # Support, not objection: JPN hears of none of the changes as an objector, but its support
    # was given on version 1 and is now stale — asked once to review it, not at every event.
    # (AUS's amendment itself reached JPN and NZ first, as a competing proposal on OP1.)
    assert [n.kind for n in inbox_of(world, "jpn")] == ["competing_proposal", "position_stale"]
    assert inbox_of(world, "jpn")[1].message == (
        "OP1 changed (now v2): your economy's position “Support” was given on v1. Review it: "
        "until it is recorded again it does not count as agreement.")
    assert "position_stale" not in {n.kind for n in inbox_of(world, "nz")}


def test_other_events_notify_nobody(world, nz_objects_to_op1):
    amend(world, "aus", OP1.replace("reduce", "halve"))  # competing with NZ's and JPN's stance
    before = db.session.execute(select(func.count(Notification.id))).scalar()
    record_event("proposal.draft_saved", world.user("aus"), document_id=world.document.id,
                 clause_id=world.clauses[2].id)
    record_event("clause.frozen", world.user("secretariat"), document_id=world.document.id,
                 clause_id=world.clauses[2].id)
    assert db.session.execute(select(func.count(Notification.id))).scalar() == before


def test_the_actor_is_not_notified_of_their_own_change(world):
    record_event("revision.issued", world.user("secretariat"), document_id=world.document.id,
                 number=1)
    assert inbox_of(world, "secretariat") == []


def test_fanout_does_not_reenter(world, monkeypatch):
    """A notification that caused an event would not fan out again from inside the fan-out."""
    calls = []
    original = notifications._recipients_for

    def nested(event):
        calls.append(event.kind)
        if event.kind == "revision.issued":
            record_event("revision.issued", None, document_id=world.document.id, number=9)
        return original(event)

    monkeypatch.setattr(notifications, "_recipients_for", nested)
    record_event("revision.issued", world.user("secretariat"), document_id=world.document.id,
                 number=1)
    assert calls == ["revision.issued"]


# --- deadline reminders ----------------------------------------------------------------------

def add_round(world, deadline) -> SubmissionRound:
    round_ = SubmissionRound(document_id=world.document.id, deadline=deadline,
                             timezone="Asia/Bangkok", opened_at=NOW - timedelta(days=3))
    db.session.add(round_)
    db.session.flush()
    return round_


def test_round_reminder_is_made_once_within_24_hours(world):
    aus = world.user("aus")
    round_ = add_round(world, NOW + timedelta(hours=30))
    assert reminders.remind_deadlines(aus, NOW) == []  # more than 24 hours away
    later = NOW + timedelta(hours=8)  # 22 hours before the deadline
    assert reminders.unread_count(aus, later) == 1  # counted before it is stored
    made = reminders.remind_deadlines(aus, later)
    assert [n.dedupe_key for n in made] == [f"deadline:round:{round_.id}:{aus.id}"]
    assert "16 November" not in made[0].message and "(Asia/Bangkok)" in made[0].message
    assert "11 November 2022, 22:00" in made[0].message  # 15:00 UTC shown in Bangkok time
    assert made[0].created_at == later
    assert reminders.remind_deadlines(aus, later + timedelta(hours=1)) == []
    assert reminders.unread_count(aus, later) == 1
    assert reminders.remind_deadlines(aus, NOW + timedelta(hours=31)) == []  # passed


def test_only_the_newest_round_is_reminded(world):
    add_round(world, NOW + timedelta(hours=5))
    add_round(world, NOW + timedelta(days=5))  # a new round replaced it: not yet due
    assert reminders.remind_deadlines(world.user("nz"), NOW) == []


def test_silence_reminder_for_delegates_and_secretariat_only(world):
    procedure = SilenceProcedure(document_id=world.document.id, deadline=NOW + timedelta(hours=2),
                                 timezone="Asia/Bangkok", status=SilenceStatus.RUNNING,
                                 started_at=NOW - timedelta(days=2))
    db.session.add(procedure)
    db.session.flush()
    made = reminders.remind_deadlines(world.user("jpn"), NOW)
    assert [n.kind for n in made] == ["deadline_silence"]
    assert "Break silence" in made[0].message
    assert "Break silence" not in reminders.remind_deadlines(world.user("secretariat"),
                                                                  NOW)[0].message
    assert reminders.remind_deadlines(world.user("observer"), NOW) == []
    procedure.status = SilenceStatus.BROKEN
    db.session.flush()
    assert reminders.remind_deadlines(world.user("nz"), NOW) == []


def test_unread_count_counts_only_the_users_own_unread(world):
    record_event("revision.issued", world.user("secretariat"), document_id=world.document.id,
                 number=1)
    aus = world.user("aus")
    assert reminders.unread_count(aus, NOW) == 1
    assert reminders.unread_count(world.user("secretariat"), NOW) == 0  # its author
    notifications.mark_all_read(aus, NOW)
    assert reminders.unread_count(aus, NOW) == 0
    assert reminders.unread_count(world.user("aus2"), NOW) == 1


def test_new_user_has_an_empty_inbox(world):
    user = accounts.create_user(None, username="png", password="long enough password",
                                role=Role.OBSERVER)
    assert notifications.inbox(user, now=NOW).notifications == []
