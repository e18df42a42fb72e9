"""Time-driven transitions: a silence procedure whose deadline passes unbroken is adopted.

Two ways to meet a deadline that has passed:

- **written** by `settle_silence`: the procedure is marked adopted, the document moves to
  "agreed by senior officials" and the stage history and audit trail say so, dated at the
  deadline itself. Write use cases call it first (guards.ensure_not_frozen), so no write is
  judged against an outdated stage; `flask tick`, run by `make serve`'s scheduler every minute,
  writes it for every document (`settle_expired_silences`), whether or not anyone looks.
- **read** by `read_as_settled`: pages and API reads show the document as the write will
  leave it — the stage from `domain.workflow.stage_at`, the procedure adopted, the history
  with its entry — without writing anything. A GET never commits.

The outcome is the same whichever comes first, and whenever: adoption is dated at the deadline.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from drafting.domain import workflow as wf
from drafting.domain.states import SilenceStatus, Stage
from drafting.extensions import db
from drafting.models import Document, SilenceProcedure, StageChange
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.stage_log import record_stage_change

# session.info key: {document id: _Shown} of documents shown as settled, not written.
_READ_AS_SETTLED = "read_as_settled"


@dataclass(frozen=True)
class _Shown:
    document: Document
    procedure: SilenceProcedure
    stored_stage: Stage
    shown_stage: Stage

    def still_shown(self, document: Document) -> bool:
        """Whether the objects still carry what was shown: a commit or rollback since (a test
        client's session lives across requests) reloads them as stored."""
        return (self.document is document and document.stage is self.shown_stage
                and self.procedure.status is SilenceStatus.ADOPTED)


def _shown(document: Document) -> _Shown | None:
    shown = db.session.info.get(_READ_AS_SETTLED, {}).get(document.id)
    return shown if shown is not None and shown.still_shown(document) else None


def _due_procedures(document_ids: Iterable[int], now: datetime) -> list[SilenceProcedure]:
    return list(db.session.execute(
        select(SilenceProcedure).where(SilenceProcedure.document_id.in_(list(document_ids)),
                                       SilenceProcedure.status == SilenceStatus.RUNNING,
                                       SilenceProcedure.deadline <= now)
        .order_by(SilenceProcedure.id)).scalars())


def read_as_settled(document: Document, now: datetime | None = None) -> None:
    """Show `document` (and its procedure) as `settle_silence` would leave them, writing
    nothing: the loaded objects take the settled values as if read from the database, so
    nothing is flushed, and the session remembers it for `stage_history`."""
    read_all_as_settled([document], now)


def read_all_as_settled(documents: Iterable[Document], now: datetime | None = None) -> None:
    """`read_as_settled` for many documents, in one query."""
    now = now or utcnow()
    by_id = {d.id: d for d in documents}
    if not by_id:
        return
    shown = db.session.info.setdefault(_READ_AS_SETTLED, {})
    for procedure in _due_procedures(by_id, now):
        document = by_id[procedure.document_id]
        if _shown(document) is not None:
            continue
        stored = document.stage
        stage = wf.stage_at(stored, procedure.deadline, now)
        set_committed_value(procedure, "status", SilenceStatus.ADOPTED)
        set_committed_value(procedure, "ended_at", procedure.deadline)
        set_committed_value(document, "stage", stage)
        shown[document.id] = _Shown(document, procedure, stored, stage)


def pending_stage_change(document: Document) -> StageChange | None:
    """The stage history's entry that settling will write, when this request showed the
    document as settled (`read_as_settled`) and the adoption moved its stage; never added to
    the session."""
    shown = _shown(document)
    if shown is None or shown.stored_stage is shown.shown_stage:
        return None
    procedure = shown.procedure
    when = wf.format_deadline(procedure.deadline, procedure.timezone)
    return StageChange(document_id=document.id, from_stage=shown.stored_stage.value,
                       to_stage=shown.shown_stage.value, note=wf.silence_adopted_note(when),
                       user_id=None, created_at=procedure.deadline)


def _forget_reading(document: Document) -> None:
    """Before writing: the objects shown as settled read again as they are stored."""
    shown = db.session.info.get(_READ_AS_SETTLED, {}).pop(document.id, None)
    if shown is not None:
        db.session.expire(shown.procedure, ["status", "ended_at"])
        db.session.expire(shown.document, ["stage"])


def settle_silence(document: Document, now: datetime | None = None) -> SilenceProcedure | None:
    """Adopt the running procedure if its deadline has passed unbroken; else do nothing.

    Idempotent; called first by every write on the document. Returns the procedure it
    adopted, or None. The adoption is dated at the deadline (when it legally happened), not
    at the moment it is written.
    """
    now = now or utcnow()
    _forget_reading(document)
    if not _due_procedures([document.id], now):
        return None
    # Two writers may arrive together: the row lock (PostgreSQL) lets one settle it.
    procedure = db.session.execute(
        select(SilenceProcedure).where(SilenceProcedure.document_id == document.id,
                                       SilenceProcedure.status == SilenceStatus.RUNNING)
        .order_by(SilenceProcedure.id.desc()).limit(1)
        .with_for_update().execution_options(populate_existing=True)).scalar()
    if procedure is None or procedure.deadline > now:
        return None
    procedure.status = SilenceStatus.ADOPTED
    procedure.ended_at = procedure.deadline
    db.session.flush()
    when = wf.format_deadline(procedure.deadline, procedure.timezone)
    record_event("silence.adopted", None, document_id=document.id, procedure_id=procedure.id,
                 deadline=procedure.deadline.isoformat(), timezone=procedure.timezone,
                 by="system")
    if document.stage is Stage.SILENCE:
        to_stage = wf.stage_at(Stage.SILENCE, procedure.deadline, now)
        record_stage_change(None, document, to_stage, wf.silence_adopted_note(when),
                            at=procedure.deadline, procedure_id=procedure.id)
    return procedure


def settle_expired_silences(now: datetime | None = None) -> list[SilenceProcedure]:
    """Settle every expired procedure of every document (`flask tick`, `flask close-silence`)."""
    now = now or utcnow()
    document_ids = db.session.execute(
        select(SilenceProcedure.document_id).where(
            SilenceProcedure.status == SilenceStatus.RUNNING, SilenceProcedure.deadline <= now)
        .distinct().order_by(SilenceProcedure.document_id)
    ).scalars().all()
    settled = []
    for document_id in document_ids:
        procedure = settle_silence(db.session.get(Document, document_id), now=now)
        if procedure is not None:
            settled.append(procedure)
    return settled
