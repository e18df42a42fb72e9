"""Moving a document through its stages (up to the leaders' endorsement), and the read model
of its workflow.

Which moves exist is the transition table's say (drafting/domain/workflow.py); this module
checks the actor's permission, records the move (a StageChange row and an audit event) and
refuses everything else with a 409 naming both stages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain import workflow as wf
from drafting.domain.fingerprint import CanonicalSection, fingerprint
from drafting.domain.states import Stage
from drafting.extensions import db
from drafting.models import (AuditEvent, Clause, Document, SilenceProcedure, StageChange,
                             SubmissionRound)
from drafting.models.types import utcnow
from drafting.services import reading
from drafting.services.audit import record_event
from drafting.services.guards import PROPOSING_STAGES, ensure_not_frozen
from drafting.services.policy import Action, authorize, can
from drafting.services.settling import pending_stage_change, settle_silence
from drafting.services.stage_log import record_stage_change
from drafting.services.visibility import EVERYONE

# Which permission each kind of move needs (the table says who; the policy says whether).
VIA_ACTION = {
    wf.Via.CHANGE: Action.CHANGE_STAGE,
    wf.Via.START_SILENCE: Action.START_SILENCE,
    wf.Via.BREAK_SILENCE: Action.BREAK_SILENCE,
    wf.Via.CANCEL_SILENCE: Action.START_SILENCE,
    wf.Via.ENDORSE: Action.CHANGE_STAGE,
}


def move_note(move: wf.Move, note: object) -> str:
    """The note of a move: required (422) when the table says the move needs a reason."""
    return text_rules.note_text(note, required=move.reason_required, field="note")


def change_stage(actor, document: Document, to_stage: Stage | str, note: str = "",
                 now: datetime | None = None) -> StageChange:
    """A plain stage change by the secretariat.

    Moves into or out of the silence procedure and the leaders' endorsement have their own
    use cases (they carry a deadline, a reason, a fingerprint): asking for them here is a 409
    that says which to use. Raises PermissionDenied, InvalidInput (unknown stage, missing
    reason to reopen) or Conflict ("Cannot move from X to Y: …").
    """
    authorize(actor, Action.CHANGE_STAGE, document)
    now = now or utcnow()
    settle_silence(document, now=now)
    target = wf.parse_stage(to_stage)
    move = wf.require_move(document.stage, target, wf.Via.CHANGE)
    ensure_not_frozen(document, "stage changes", now=now)
    note = move_note(move, note)
    return record_stage_change(actor, document, target, note, at=now)


# --- endorsement by leaders -------------------------------------------------------------------

def canonical_sections(document: Document) -> list[CanonicalSection]:
    """The live text as the fingerprint reads it: headings, then numbered clauses in order."""
    view = reading.document_view(document, viewer=EVERYONE)
    return [CanonicalSection(block.section.heading,
                             tuple((row.number or "", row.version.text) for row in block.rows))
            for block in view.sections]


def document_fingerprint(document: Document) -> str:
    return fingerprint(document.title, document.symbol, canonical_sections(document))


def fingerprint_matches(document: Document) -> bool | None:
    """Whether the stored fingerprint still matches the text (None before endorsement)."""
    if not document.fingerprint:
        return None
    return document_fingerprint(document) == document.fingerprint


def endorse_by_leaders(actor, document: Document, note: str = "",
                       now: datetime | None = None) -> StageChange:
    """Record the leaders' endorsement: fingerprint the final text and freeze the document.

    Only from "endorsed by ministers". Afterwards every write on the document is refused
    (guards.ensure_not_frozen).
    """
    authorize(actor, Action.CHANGE_STAGE, document)
    now = now or utcnow()
    settle_silence(document, now=now)
    move = wf.require_move(document.stage, Stage.ENDORSED_LEADERS, wf.Via.ENDORSE)
    ensure_not_frozen(document, "stage changes", now=now)
    note = move_note(move, note)
    value = document_fingerprint(document)
    document.fingerprint = value
    document.frozen_at = now
    record_event("document.endorsed", actor, document_id=document.id, fingerprint=value,
                 algorithm="sha256", note=note)
    return record_stage_change(actor, document, Stage.ENDORSED_LEADERS, note, at=now,
                               fingerprint=value)


# --- read model ------------------------------------------------------------------------------

@dataclass
class AvailableMove:
    move: wf.Move

    @property
    def to_stage(self) -> Stage:
        return self.move.to_stage

    @property
    def via(self) -> str:
        return self.move.via.value


def available_moves(document: Document, user) -> list[AvailableMove]:
    """The moves `user` may make from the document's current stage (for buttons and the API)."""
    moves = []
    for move in wf.moves_from(document.stage):
        action = VIA_ACTION.get(move.via)
        if action is None or not can(user, action, document):
            continue
        moves.append(AvailableMove(move))
    return moves


def stage_history(document: Document) -> list[StageChange]:
    """Every stage change, oldest first; with the adoption of a silence procedure whose
    deadline passed, when this request shows it settled before it is written
    (services/settling.py)."""
    history = list(db.session.execute(
        select(StageChange).where(StageChange.document_id == document.id)
        .order_by(StageChange.created_at, StageChange.id)
    ).scalars())
    pending = pending_stage_change(document)
    return history + [pending] if pending is not None else history


def rounds_of(document: Document) -> list[SubmissionRound]:
    return list(db.session.execute(
        select(SubmissionRound).where(SubmissionRound.document_id == document.id)
        .order_by(SubmissionRound.id.desc())
    ).scalars())


def silences_of(document: Document) -> list[SilenceProcedure]:
    return list(db.session.execute(
        select(SilenceProcedure).where(SilenceProcedure.document_id == document.id)
        .order_by(SilenceProcedure.id.desc())
    ).scalars())


@dataclass
class FrozenClause:
    clause: Clause
    number: str | None
    reason: str
    since: datetime | None


def frozen_clauses(document: Document, numbers: dict[int, str]) -> list[FrozenClause]:
    """Clauses closed to new proposals, with the reason given when they were frozen."""
    import json

    clauses = list(db.session.execute(
        select(Clause).where(Clause.document_id == document.id, Clause.frozen.is_(True))
        .order_by(Clause.position)
    ).scalars())
    result = []
    for clause in clauses:
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.kind == "clause.frozen",
                                     AuditEvent.clause_id == clause.id)
            .order_by(AuditEvent.id.desc()).limit(1)
        ).scalar()
        reason = json.loads(event.data).get("reason", "") if event else ""
        result.append(FrozenClause(clause, numbers.get(clause.id), reason,
                                   event.occurred_at if event else None))
    return result


@dataclass
class WorkflowSummary:
    """What the document page's banners need: stage, track, silence, round, fingerprint."""

    document: Document
    now: datetime
    silence: SilenceProcedure | None = None  # the latest procedure, whatever its outcome
    round: SubmissionRound | None = None  # the latest submission round
    track: list[tuple[Stage, str]] = field(default_factory=list)  # (stage, done|current|next)

    @property
    def stage(self) -> Stage:
        return self.document.stage

    @property
    def step(self) -> int:
        return wf.STAGE_ORDER.index(self.document.stage) + 1

    @property
    def steps(self) -> int:
        return len(wf.STAGE_ORDER)

    def deadline_text(self, item) -> str:
        return wf.format_deadline(item.deadline, item.timezone)

    def remaining(self, item) -> str:
        return wf.time_remaining(item.deadline, self.now)

    @property
    def round_running(self) -> bool:
        """The latest round's deadline has not passed."""
        return self.round is not None and self.now < self.round.deadline

    @property
    def round_open(self) -> bool:
        """Proposals are accepted under the round: its deadline has not passed and the stage
        takes proposals (a text adopted under silence takes none, whatever the round says)."""
        return self.round_running and self.document.stage in PROPOSING_STAGES


def workflow_summary(document: Document, now: datetime | None = None) -> WorkflowSummary:
    now = now or utcnow()
    silences = db.session.execute(
        select(SilenceProcedure).where(SilenceProcedure.document_id == document.id)
        .order_by(SilenceProcedure.id.desc()).limit(1)
    ).scalar()
    latest_round = db.session.execute(
        select(SubmissionRound).where(SubmissionRound.document_id == document.id)
        .order_by(SubmissionRound.id.desc()).limit(1)
    ).scalar()
    current = wf.STAGE_ORDER.index(document.stage)
    track = [(stage, "done" if i < current else "current" if i == current else "next")
             for i, stage in enumerate(wf.STAGE_ORDER)]
    return WorkflowSummary(document=document, now=now, silence=silences, round=latest_round,
                           track=track)


__all__ = ["AvailableMove", "FrozenClause", "WorkflowSummary", "available_moves",
           "canonical_sections", "change_stage", "document_fingerprint", "endorse_by_leaders",
           "fingerprint_matches", "frozen_clauses", "move_note",
           "rounds_of", "silences_of", "stage_history", "workflow_summary"]
