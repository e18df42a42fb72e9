"""The silence procedure: a text circulated with a deadline, adopted unless silence is broken.

A deadline passing unbroken adopts the procedure: written by the first write on the document
or by `flask tick` (make serve's scheduler), and shown as adopted by every read before that
without writing (services/settling.py); adoption is dated at the deadline itself.

A procedure withdrawn by the secretariat is stored as BROKEN with no breaking economy
(SilenceStatus has no value of its own for it); `was_cancelled` tells the two apart.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain import workflow as wf
from drafting.domain.errors import Conflict, InvalidInput
from drafting.domain.states import SilenceStatus, Stage
from drafting.extensions import db
from drafting.models import Document, Revision, SilenceProcedure
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.settling import settle_silence
from drafting.services.stage_log import record_stage_change
from drafting.services.stages import move_note


def was_cancelled(procedure: SilenceProcedure) -> bool:
    return procedure.status is SilenceStatus.BROKEN and procedure.broken_economy_id is None


def running_procedure(document: Document, *, lock: bool = False) -> SilenceProcedure | None:
    query = select(SilenceProcedure).where(SilenceProcedure.document_id == document.id,
                                           SilenceProcedure.status == SilenceStatus.RUNNING) \
        .order_by(SilenceProcedure.id.desc()).limit(1)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.execute(query).scalar()


def latest_procedure(document: Document) -> SilenceProcedure | None:
    return db.session.execute(
        select(SilenceProcedure).where(SilenceProcedure.document_id == document.id)
        .order_by(SilenceProcedure.id.desc()).limit(1)
    ).scalar()


def _latest_revision(document: Document) -> Revision | None:
    return db.session.execute(
        select(Revision).where(Revision.document_id == document.id)
        .order_by(Revision.number.desc()).limit(1)
    ).scalar()


def start_silence(actor, document: Document, deadline_local, timezone: str, note: str = "",
                  revision: Revision | None = None, now: datetime | None = None
                  ) -> SilenceProcedure:
    """Circulate the text under silence until `deadline_local` in `timezone` (secretariat).

    Only from negotiation. The procedure names the revision circulated (by default the
    latest one issued, if any). Raises PermissionDenied, Conflict (wrong stage, frozen) or
    InvalidInput (unknown zone, malformed or past deadline, revision of another document).
    """
    authorize(actor, Action.START_SILENCE, document)
    now = now or utcnow()
    settle_silence(document, now=now)
    move = wf.require_move(document.stage, Stage.SILENCE, wf.Via.START_SILENCE)
    ensure_not_frozen(document, "stage changes", now=now)
    if running_procedure(document) is not None:  # never expected: the stage says otherwise
        raise Conflict("A silence procedure is already running on this document.",
                       code="silence_running")
    deadline, zone_name = wf.parse_local_deadline(deadline_local, timezone)
    wf.require_future(deadline, now, zone_name=zone_name)
    note = move_note(move, note)
    if revision is not None and revision.document_id != document.id:
        raise InvalidInput("The revision belongs to another document.",
                           details={"field": "revision_id"})
    revision = revision or _latest_revision(document)
    procedure = SilenceProcedure(document_id=document.id,
                                 revision_id=revision.id if revision else None,
                                 started_at=now, deadline=deadline, timezone=zone_name,
                                 status=SilenceStatus.RUNNING, started_by_id=actor.id)
    db.session.add(procedure)
    db.session.flush()
    record_event("silence.started", actor, document_id=document.id, procedure_id=procedure.id,
                 deadline=deadline.isoformat(), timezone=zone_name,
                 revision=revision.number if revision else None, note=note)
    announced = f"Silence procedure until {wf.format_deadline(deadline, zone_name)}."
    record_stage_change(actor, document, Stage.SILENCE,
                        f"{announced} {note}".strip(), at=now, procedure_id=procedure.id)
    return procedure


def _too_late(procedure: SilenceProcedure) -> Conflict:
    return Conflict(f"Too late: silence ended at "
                    f"{wf.format_deadline(procedure.deadline, procedure.timezone)} and the text "
                    "was adopted without objection.", code="silence_ended",
                    details={"deadline": procedure.deadline.isoformat()})


def _running_before_deadline(document: Document, now: datetime) -> SilenceProcedure:
    """The running procedure if its deadline has not yet come, else a Conflict saying why."""
    procedure = running_procedure(document, lock=True)
    if procedure is not None and now >= procedure.deadline:
        settle_silence(document, now=now)
        raise _too_late(procedure)
    if procedure is None:
        raise _not_running(document)
    return procedure


def silence_in_force(document: Document, now: datetime) -> SilenceProcedure:
    """The running procedure whose deadline has not come, else the Conflict that breaking or
    withdrawing it would raise. Reads only (no lock, no settling): for confirmation pages."""
    procedure = running_procedure(document)
    if procedure is not None and now >= procedure.deadline:
        raise _too_late(procedure)
    if procedure is None:
        raise _not_running(document)
    return procedure


def _not_running(document: Document) -> Conflict:
    last = latest_procedure(document)
    if last is None:
        return Conflict("No silence procedure is running on this document.", code="no_silence")
    if last.status is SilenceStatus.ADOPTED:
        return _too_late(last)
    return Conflict("No silence procedure is running: the last one was "
                    f"{'withdrawn by the secretariat' if was_cancelled(last) else 'broken'}"
                    f" on {last.ended_at:%d %B %Y at %H:%M} UTC.", code="no_silence")


def break_silence(actor, document: Document, reason: str, now: datetime | None = None
                  ) -> SilenceProcedure:
    """A delegate breaks silence for their economy, with a reason, before the deadline.

    The document goes back to negotiation. At or after the deadline the procedure has
    already been adopted and the break is refused (409), whether or not anyone looked.
    """
    authorize(actor, Action.BREAK_SILENCE, document)
    now = now or utcnow()
    ensure_not_frozen(document, "breaks of silence", now=now)
    procedure = _running_before_deadline(document, now)
    move = wf.require_move(document.stage, Stage.NEGOTIATION, wf.Via.BREAK_SILENCE)
    reason = text_rules.note_text(reason, required=True, field="reason")
    procedure.status = SilenceStatus.BROKEN
    procedure.broken_by_id = actor.id
    procedure.broken_economy_id = actor.economy_id
    procedure.reason = reason
    procedure.ended_at = now
    db.session.flush()
    economy = actor.economy
    record_event("silence.broken", actor, document_id=document.id, procedure_id=procedure.id,
                 economy=economy.code, reason=reason)
    record_stage_change(actor, document, move.to_stage,
                        f"Silence broken by {economy.name}: {reason}", at=now,
                        procedure_id=procedure.id)
    return procedure


def cancel_silence(actor, document: Document, reason: str, now: datetime | None = None
                   ) -> SilenceProcedure:
    """The secretariat withdraws a running procedure before its deadline, with a reason."""
    authorize(actor, Action.START_SILENCE, document)
    now = now or utcnow()
    ensure_not_frozen(document, "stage changes", now=now)
    procedure = _running_before_deadline(document, now)
    move = wf.require_move(document.stage, Stage.NEGOTIATION, wf.Via.CANCEL_SILENCE)
    reason = text_rules.note_text(reason, required=True, field="reason")
    procedure.status = SilenceStatus.BROKEN
    procedure.broken_by_id = actor.id
    procedure.broken_economy_id = None  # marks a withdrawal, not an economy's break
    procedure.reason = reason
    procedure.ended_at = now
    db.session.flush()
    record_event("silence.cancelled", actor, document_id=document.id,
                 procedure_id=procedure.id, reason=reason)
    record_stage_change(actor, document, move.to_stage,
                        f"Silence procedure withdrawn by the secretariat: {reason}", at=now,
                        procedure_id=procedure.id)
    return procedure
