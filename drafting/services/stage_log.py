"""The record of a stage move: a StageChange row and its audit event. Every move of a document
between stages is written here, by a person's action (services/stages.py, silence.py) or by a
deadline passing (services/settling.py)."""
from __future__ import annotations

from datetime import datetime

from drafting.domain.states import Stage
from drafting.extensions import db
from drafting.models import Document, StageChange
from drafting.models.types import utcnow
from drafting.services.audit import record_event


def record_stage_change(actor, document: Document, to_stage: Stage, note: str = "", *,
                        at: datetime | None = None, **audit_data) -> StageChange:
    """Move the document and keep the trace. `actor` None means the system (a deadline
    passing)."""
    from_stage = document.stage
    change = StageChange(document_id=document.id, from_stage=from_stage.value,
                         to_stage=to_stage.value, note=note,
                         user_id=actor.id if actor is not None else None,
                         created_at=at or utcnow())
    document.stage = to_stage
    db.session.add(change)
    db.session.flush()
    record_event("document.stage_changed", actor, document_id=document.id,
                 from_stage=from_stage.value, to_stage=to_stage.value, note=note,
                 by="system" if actor is None else actor.role.value, **audit_data)
    return change
