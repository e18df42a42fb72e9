"""The secretariat's marking of a clause: open, bracketed, agreed ad ref, agreed (except …)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain.consensus import (AGREED_STATUSES, agreement_blockers, join_codes,
                                       parse_clause_status, parse_codes, split_codes)
from drafting.domain.errors import Conflict, InvalidInput
from drafting.domain.states import ClauseStatus
from drafting.extensions import db
from drafting.models import Clause, ClauseStatusChange, Document
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.positions import all_economies, positions_by_code
from drafting.services.locking import lock_row


def validate_economy_codes(value: object, field: str = "excepted") -> list[str]:
    """Codes of existing economies, in APEC order; InvalidInput naming any unknown code."""
    codes = parse_codes(value, field)
    if not codes:
        return []
    known = {e.code: e for e in all_economies()}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInput(f"Unknown economy code{'s' if len(unknown) > 1 else ''}: "
                           f"{', '.join(unknown)}.", details={"field": field, "unknown": unknown})
    return sorted(codes, key=lambda c: (known[c].sort_order, c))


def excepted_codes(clause: Clause) -> list[str]:
    return split_codes(clause.excepted_economies)


def set_clause_status(actor, clause: Clause, status: ClauseStatus | str, reason: str,
                      excepted: Iterable[str] | str = (), override_reason: str = "",
                      now: datetime | None = None) -> ClauseStatusChange:
    """Mark `clause` with `status`, giving the reason; "agreed except AUS, NZ" is the status
    agreed (or agreed ad ref) with `excepted` codes.

    A clause is marked agreed (or agreed ad ref) only when no economy outside `excepted`
    stands at reservation or objection, unless `override_reason` says why the secretariat
    records the agreement anyway. Raises PermissionDenied (not secretariat), InvalidInput
    (unknown status or economy code, missing reason, excepted economies on a status that is
    not an agreement, nothing changed), Conflict (document frozen, clause deleted, economies
    object or reserve and no override given).
    """
    authorize(actor, Action.SET_CLAUSE_STATUS, clause)
    ensure_not_frozen(lock_row(Document, clause.document_id), "status changes")
    lock_row(Clause, clause.id)
    if clause.removed:
        raise Conflict("This clause has been deleted: its status can no longer change.",
                       code="clause_deleted")
    status = parse_clause_status(status)
    reason = text_rules.note_text(reason, required=True, field="reason")
    codes = validate_economy_codes(excepted)
    if codes and status not in AGREED_STATUSES:
        raise InvalidInput("Excepted economies apply only to “agreed” or “agreed ad ref” "
                           f"(“agreed except …”), not to “{status.label}”.",
                           details={"field": "excepted"})
    override_reason = text_rules.note_text(override_reason, required=False,
                                           field="override_reason")
    stored = join_codes(codes)
    if status is clause.status and stored == (clause.excepted_economies or ""):
        raise InvalidInput(f"The clause is already marked “{describe(status, codes)}”.",
                           code="no_change")
    blockers: list[tuple[str, object]] = []
    if status in AGREED_STATUSES:
        economies = all_economies()
        positions = positions_by_code(clause)
        blockers = agreement_blockers([e.code for e in economies],
                                      {c: p.stance for c, p in positions.items()}, codes)
        if blockers and not override_reason:
            listed = ", ".join(f"{code} ({stance.label.lower()})" for code, stance in blockers)
            raise Conflict(
                f"The clause cannot be marked “{status.label}”: {listed} "
                f"{'do' if len(blockers) > 1 else 'does'} not accept it. List "
                f"{'them' if len(blockers) > 1 else 'it'} as excepted economies, or give an "
                "override reason to record the agreement anyway.",
                code="no_consensus", details={"blocking": [code for code, _ in blockers]})
    now = now or utcnow()
    change = ClauseStatusChange(
        clause_id=clause.id, from_status=clause.status.value, to_status=status.value,
        excepted=stored, reason=reason, override_reason=override_reason, user_id=actor.id,
        created_at=now,
    )
    from_status, from_excepted = clause.status, excepted_codes(clause)
    clause.status = status
    clause.excepted_economies = stored
    db.session.add(change)
    db.session.flush()
    record_event("clause.status_changed", actor, document_id=clause.document_id,
                 clause_id=clause.id, from_status=from_status.value, to_status=status.value,
                 from_excepted=from_excepted, excepted=codes, reason=reason,
                 override_reason=override_reason,
                 overridden=[code for code, _ in blockers])
    return change


def describe(status: ClauseStatus, excepted: Iterable[str] = ()) -> str:
    """"Agreed except AUS, NZ", "Bracketed" …"""
    codes = list(excepted)
    return f"{status.label} except {', '.join(codes)}" if codes else status.label


def status_history(clause: Clause) -> list[ClauseStatusChange]:
    """Every status change of the clause, newest first."""
    return list(db.session.execute(
        select(ClauseStatusChange).where(ClauseStatusChange.clause_id == clause.id)
        .order_by(ClauseStatusChange.id.desc())
    ).scalars())
