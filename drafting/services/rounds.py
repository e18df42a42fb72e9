"""Submission rounds (deadlines for proposals) and clause freezes."""
from __future__ import annotations

from datetime import datetime

from drafting.domain import text_rules
from drafting.domain import workflow as wf
from drafting.domain.errors import Conflict, InvalidInput
from drafting.extensions import db
from drafting.models import Clause, Document, Revision, SubmissionRound
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import PROPOSING_STAGES, ensure_not_frozen
from drafting.services.policy import Action, authorize


def open_round(actor, document: Document, deadline_local, timezone: str, note: str = "",
               revision: Revision | None = None, now: datetime | None = None
               ) -> SubmissionRound:
    """Open a submission round: proposals are accepted until the deadline (secretariat).

    `deadline_local` is the wall-clock time in `timezone` (an IANA name), as a naive datetime
    or "YYYY-MM-DDTHH:MM"; it is stored in UTC together with the zone's name. The newest round
    governs: opening one replaces the previous deadline. Raises PermissionDenied, Conflict
    (frozen document, stage that takes no proposals) or InvalidInput (unknown zone, malformed
    or past deadline, revision of another document).
    """
    authorize(actor, Action.MANAGE_ROUNDS, document)
    now = now or utcnow()
    ensure_not_frozen(document, "submission rounds", now=now)
    if document.stage not in PROPOSING_STAGES:
        raise Conflict(f"The document is at the stage “{document.stage.label}”: submission "
                       "rounds are opened only on a zero draft or during negotiation.",
                       code="stage_closed")
    deadline, zone_name = wf.parse_local_deadline(deadline_local, timezone)
    wf.require_future(deadline, now, zone_name=zone_name)
    note = text_rules.note_text(note, required=False)
    if revision is not None and revision.document_id != document.id:
        raise InvalidInput("The revision belongs to another document.",
                           details={"field": "revision_id"})
    submission_round = SubmissionRound(document_id=document.id,
                                       revision_id=revision.id if revision else None,
                                       opened_at=now, deadline=deadline, timezone=zone_name,
                                       note=note, opened_by_id=actor.id)
    db.session.add(submission_round)
    db.session.flush()
    record_event("round.opened", actor, document_id=document.id, round_id=submission_round.id,
                 deadline=deadline.isoformat(), timezone=zone_name, note=note,
                 revision=revision.number if revision else None)
    return submission_round


def freeze_clause(actor, clause: Clause, frozen: bool, reason: str = "",
                  now: datetime | None = None) -> Clause:
    """Close a single clause to new proposals (or open it again). A reason is required to
    freeze; existing proposals on the clause stay as they are."""
    authorize(actor, Action.MANAGE_ROUNDS, clause.document)
    now = now or utcnow()
    ensure_not_frozen(clause.document, "clause freezes", now=now)
    reason = check_freeze(clause, frozen, reason)
    clause.frozen = frozen
    db.session.flush()
    record_event("clause.frozen" if frozen else "clause.unfrozen", actor,
                 document_id=clause.document_id, clause_id=clause.id, reason=reason)
    return clause


def check_freeze(clause: Clause, frozen: bool, reason: str) -> str:
    """The checks of `freeze_clause` on the clause and the input (reads only); returns the
    cleaned reason or raises InvalidInput / Conflict."""
    if not isinstance(frozen, bool):
        raise InvalidInput("frozen must be true or false.", details={"field": "frozen"})
    if clause.removed:
        raise Conflict("The clause has been deleted.", code="clause_deleted")
    if clause.frozen == frozen:
        raise Conflict("The clause is already frozen." if frozen else "The clause is not frozen.",
                       code="already_frozen" if frozen else "not_frozen")
    return text_rules.note_text(reason, required=frozen, field="reason")
