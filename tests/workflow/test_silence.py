"""The silence procedure around its deadline, with `now` injected (tests never sleep)."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.domain.states import SilenceStatus, Stage
from drafting.extensions import db
from drafting.models import AuditEvent, SilenceProcedure, StageChange
from drafting.services import proposals, settling, silence, stages

UTC = timezone.utc
START = datetime(2022, 6, 1, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok
# 10 June 2022, 17:00 in Bangkok is 10:00 UTC.
DEADLINE = datetime(2022, 6, 10, 10, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def start(world, **kwargs):
    return silence.start_silence(world.user("secretariat"), world.document, "2022-06-10T17:00",
                                 "Asia/Bangkok", kwargs.pop("note", "Rev.3 under silence"),
                                 now=kwargs.pop("now", START), **kwargs)


def kinds():
    return [k for (k,) in db.session.execute(select(AuditEvent.kind).order_by(AuditEvent.id))]


def test_starting_silence_records_the_deadline_in_utc_and_moves_the_stage(world):
    procedure = start(world)
    assert procedure.status is SilenceStatus.RUNNING
    assert procedure.deadline == DEADLINE and procedure.timezone == "Asia/Bangkok"
    assert procedure.started_at == START and procedure.started_by_id == world.user("secretariat").id
    assert world.document.stage is Stage.SILENCE
    change = stages.stage_history(world.document)[-1]
    assert (change.from_stage, change.to_stage) == ("negotiation", "silence_procedure")
    assert "10 June 2022, 17:00 Asia/Bangkok (UTC+07:00)" in change.note
    assert "Rev.3 under silence" in change.note
    assert kinds()[-2:] == ["silence.started", "document.stage_changed"]


@pytest.mark.parametrize("stage", [Stage.ZERO_DRAFT, Stage.AGREED_SOM, Stage.ENDORSED_MINISTERS,
                                   Stage.SILENCE])
def test_silence_starts_only_from_negotiation(world, stage):
    world.document.stage = stage
    with pytest.raises(Conflict, match=f"Cannot move from {stage.label} to Silence procedure"):
        start(world)


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_starts_silence(world, username):
    with pytest.raises(PermissionDenied):
        silence.start_silence(world.user(username), world.document, "2022-06-10T17:00",
                              "Asia/Bangkok", now=START)


def test_bad_zone_and_past_deadline_are_422_and_change_nothing(world):
    with pytest.raises(InvalidInput, match="Unknown time zone"):
        silence.start_silence(world.user("secretariat"), world.document, "2022-06-10T17:00",
                              "Asia/Atlantis", now=START)
    with pytest.raises(InvalidInput, match="not in the future"):
        silence.start_silence(world.user("secretariat"), world.document, "2022-06-01T09:59",
                              "Asia/Bangkok", now=START)
    assert world.document.stage is Stage.NEGOTIATION
    assert db.session.execute(select(func.count(SilenceProcedure.id))).scalar() == 0


def test_break_one_second_before_the_deadline_is_allowed(world):
    procedure = start(world)
    nz = world.user("nz")
    silence.break_silence(nz, world.document, "NZ cannot accept OP2 as drafted.",
                          now=DEADLINE - SECOND)
    assert procedure.status is SilenceStatus.BROKEN
    assert (procedure.broken_by_id, procedure.broken_economy_id) == (nz.id, nz.economy_id)
    assert procedure.reason == "NZ cannot accept OP2 as drafted."
    assert procedure.ended_at == DEADLINE - SECOND
    assert world.document.stage is Stage.NEGOTIATION
    change = stages.stage_history(world.document)[-1]
    assert change.user_id == nz.id
    assert change.note == "Silence broken by New Zealand: NZ cannot accept OP2 as drafted."
    assert kinds()[-2:] == ["silence.broken", "document.stage_changed"]
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "silence.broken")
                               ).scalar_one()
    assert event.economy_code == "NZ" and json.loads(event.data)["reason"] == procedure.reason
    # Once broken, nobody can break it again.
    with pytest.raises(Conflict, match="No silence procedure is running"):
        silence.break_silence(world.user("aus"), world.document, "Also us", now=DEADLINE - SECOND)


@pytest.mark.parametrize("offset", [timedelta(0), SECOND, timedelta(days=3)],
                         ids=["at", "1s after", "3 days after"])
def test_break_at_or_after_the_deadline_is_refused_even_if_nobody_looked(world, offset):
    procedure = start(world)
    with pytest.raises(Conflict) as error:
        silence.break_silence(world.user("nz"), world.document, "Too late?",
                              now=DEADLINE + offset)
    assert error.value.status == 409 and error.value.code == "silence_ended"
    assert "silence ended at 10 June 2022, 17:00 Asia/Bangkok (UTC+07:00)" in error.value.message
    # The refusal settled the procedure in the same breath (the view's rollback discards it,
    # and the next look settles it again, identically).
    assert procedure.status is SilenceStatus.ADOPTED


def test_settle_adopts_at_the_deadline_and_is_idempotent(world):
    procedure = start(world)
    assert settling.settle_silence(world.document, now=DEADLINE - SECOND) is None
    assert procedure.status is SilenceStatus.RUNNING and world.document.stage is Stage.SILENCE
    assert settling.settle_silence(world.document, now=DEADLINE) is procedure
    assert procedure.status is SilenceStatus.ADOPTED and procedure.ended_at == DEADLINE
    assert world.document.stage is Stage.AGREED_SOM
    change = stages.stage_history(world.document)[-1]
    assert (change.from_stage, change.to_stage, change.user_id) == \
        ("silence_procedure", "agreed_by_senior_officials", None)
    assert change.created_at == DEADLINE  # dated when it legally happened
    assert "no economy breaking silence" in change.note
    events_after_first = kinds()
    assert events_after_first[-2:] == ["silence.adopted", "document.stage_changed"]
    stage_changed = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "document.stage_changed")
        .order_by(AuditEvent.id.desc())).scalars().first()
    assert stage_changed.actor_id is None and json.loads(stage_changed.data)["by"] == "system"
    for later in (DEADLINE, DEADLINE + timedelta(days=30)):
        assert settling.settle_silence(world.document, now=later) is None
    assert kinds() == events_after_first
    assert db.session.execute(select(func.count(StageChange.id))).scalar() == 2


def test_after_adoption_a_break_is_refused_and_says_when_silence_ended(world):
    start(world)
    settling.settle_silence(world.document, now=DEADLINE)
    with pytest.raises(Conflict, match="silence ended at 10 June 2022, 17:00"):
        silence.break_silence(world.user("nz"), world.document, "x", now=DEADLINE + SECOND)


def test_break_needs_a_reason_and_a_delegate(world):
    start(world)
    with pytest.raises(InvalidInput) as error:
        silence.break_silence(world.user("nz"), world.document, "   ", now=START)
    assert error.value.details == {"field": "reason"}
    for username in ("secretariat", "observer", "admin"):
        with pytest.raises(PermissionDenied):
            silence.break_silence(world.user(username), world.document, "reason", now=START)
    assert world.document.stage is Stage.SILENCE


def test_no_procedure_to_break(world):
    with pytest.raises(Conflict, match="No silence procedure is running"):
        silence.break_silence(world.user("nz"), world.document, "reason", now=START)


def test_the_secretariat_withdraws_a_procedure_with_a_reason(world):
    procedure = start(world)
    with pytest.raises(InvalidInput):
        silence.cancel_silence(world.user("secretariat"), world.document, "", now=START)
    with pytest.raises(PermissionDenied):
        silence.cancel_silence(world.user("aus"), world.document, "x", now=START)
    silence.cancel_silence(world.user("secretariat"), world.document,
                           "Wrong revision circulated", now=START + SECOND)
    assert procedure.status is SilenceStatus.BROKEN and silence.was_cancelled(procedure)
    assert procedure.broken_by_id == world.user("secretariat").id
    assert world.document.stage is Stage.NEGOTIATION
    assert kinds()[-2:] == ["silence.cancelled", "document.stage_changed"]
    with pytest.raises(Conflict, match="withdrawn by the secretariat"):
        silence.break_silence(world.user("nz"), world.document, "x", now=START + SECOND)


def test_withdrawal_after_the_deadline_is_refused(world):
    start(world)
    with pytest.raises(Conflict, match="silence ended at"):
        silence.cancel_silence(world.user("secretariat"), world.document, "x", now=DEADLINE)


def test_after_a_break_silence_can_start_again(world):
    start(world)
    silence.break_silence(world.user("nz"), world.document, "Issue with OP2", now=START)
    second = start(world, now=START + timedelta(hours=1))
    assert second.status is SilenceStatus.RUNNING and world.document.stage is Stage.SILENCE
    assert silence.latest_procedure(world.document) is second


def test_any_write_settles_first_so_the_stage_is_current(world):
    """A proposal after the deadline meets the adopted stage, not the silence stage."""
    start(world)
    with pytest.raises(Conflict) as error:
        from drafting.services.guards import ensure_accepts_proposals
        ensure_accepts_proposals(world.document, now=DEADLINE + SECOND)
    assert "Agreed by senior officials" in error.value.message
    assert world.document.stage is Stage.AGREED_SOM


def test_settle_expired_silences_covers_every_document(world):
    from tests.factories import make_document

    start(world)
    other, _ = make_document(world.economies["THA"])
    silence.start_silence(world.user("secretariat"), other, "2022-06-20T17:00", "Asia/Bangkok",
                          now=START)
    settled = settling.settle_expired_silences(now=DEADLINE)
    assert [p.document_id for p in settled] == [world.document.id]
    assert other.stage is Stage.SILENCE
    assert settling.settle_expired_silences(now=DEADLINE) == []


def test_silence_records_the_latest_revision_when_there_is_one(world):
    from drafting.models import Revision

    revision = Revision(document_id=world.document.id, number=3, note="Rev.3")
    db.session.add(revision)
    db.session.flush()
    assert start(world).revision_id == revision.id


def test_proposals_are_refused_during_silence(world):
    silence.start_silence(world.user("secretariat"), world.document, "2099-06-10T17:00",
                          "Asia/Bangkok")  # the real clock: still running when we propose
    with pytest.raises(Conflict, match="Silence procedure"):
        proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                  clause=world.clauses[2], text="Something else entirely.")
