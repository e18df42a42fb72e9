"""The secretariat's own edits to a clause's text (attributed to the Secretariat, no proposal)."""
from __future__ import annotations

from datetime import datetime


from drafting.domain import text_rules
from drafting.domain.errors import Conflict, InvalidInput, StaleVersion
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.decisions import carry_open_proposals
from drafting.services.guards import ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.locking import lock_row


def edit_clause_text(actor, clause: Clause, text: str, expected_version: int | None,
                     note: str = "", now: datetime | None = None) -> ClauseVersion:
    """Write a new version of the clause with the secretariat's own wording.

    The version has no proposal and is attributed to the Secretariat in histories and
    comparisons. Open proposals and kept options on the clause are then rebased onto it, or
    marked in conflict for their economy to update.

    Raises PermissionDenied (not the secretariat), InvalidInput (missing expected_version,
    empty, too long or unchanged text, note too long), StaleVersion (the clause moved on
    since `expected_version`), Conflict (document frozen, clause deleted).
    """
    authorize(actor, Action.DECIDE, clause)
    if expected_version is None:
        raise InvalidInput("expected_version is required: name the clause version you edited.",
                           details={"field": "expected_version"})
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise InvalidInput("expected_version must be a whole number.",
                           details={"field": "expected_version"})
    new_text = text_rules.clause_text(text)
    note = text_rules.note_text(note, required=False)
    ensure_not_frozen(lock_row(Document, clause.document_id), "edits")
    clause = lock_row(Clause, clause.id)
    if clause.version != expected_version:
        raise StaleVersion(
            f"The clause changed since you opened it: you edited version {expected_version}, "
            f"the current version is {clause.version}. Your wording is kept below; compare it "
            "with the current text and save again.",
            details={"expected_version": expected_version, "current_version": clause.version})
    db.session.expire(clause, ["current"])
    if clause.removed:
        raise Conflict("The clause has been deleted; its text can no longer be edited.",
                       code="clause_deleted")
    previous = clause.text
    if new_text == previous:
        raise InvalidInput("The text is identical to the current text.", code="no_change",
                           details={"field": "text"})
    version = ClauseVersion(clause_id=clause.id, number=clause.version + 1, text=new_text,
                            created_by_id=actor.id, proposal_id=None, note=note,
                            created_at=now or utcnow())
    db.session.add(version)
    clause.version = version.number
    db.session.flush()
    db.session.expire(clause, ["current"])
    carry_open_proposals(actor, clause, None, version)
    record_event("clause.edited", actor, document_id=clause.document_id, clause_id=clause.id,
                 from_version=expected_version, version=version.number, text=new_text,
                 previous_text=previous, note=note)
    return version
