"""State checks shared by every write: is the document (or clause) open for this at all?"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from drafting.domain.errors import Conflict
from drafting.domain.states import Stage
from drafting.extensions import db
from drafting.models import Clause, Document, SubmissionRound
from drafting.models.types import utcnow

# Stages in which delegations may put forward new wording.
PROPOSING_STAGES = frozenset({Stage.ZERO_DRAFT, Stage.NEGOTIATION})


def ensure_not_frozen(document: Document, activity: str = "changes") -> None:
    """Refuse any change once leaders have endorsed the document."""
    if document.stage is Stage.ENDORSED_LEADERS or document.frozen_at is not None:
        raise Conflict(f"The document was endorsed by leaders and is frozen: {activity} are no "
                       "longer accepted.", code="document_frozen")


def latest_round(document: Document) -> SubmissionRound | None:
    return db.session.execute(
        select(SubmissionRound).where(SubmissionRound.document_id == document.id)
        .order_by(SubmissionRound.id.desc()).limit(1)
    ).scalar()


def ensure_accepts_proposals(document: Document, clause: Clause | None = None,
                             now: datetime | None = None) -> None:
    """Refuse new or revised proposals when the stage, the round or the clause says no."""
    ensure_not_frozen(document, "proposals")
    if document.stage not in PROPOSING_STAGES:
        raise Conflict(f"The document is at the stage “{document.stage.label}”: "
                       "new proposals are not accepted.", code="stage_closed")
    current_round = latest_round(document)
    now = now or utcnow()
    if current_round is not None and now >= current_round.deadline:
        local = current_round.deadline.astimezone(_zone(current_round.timezone))
        raise Conflict(
            f"The submission round closed on {local:%d %B %Y at %H:%M} ({current_round.timezone}); "
            "new proposals are refused until the secretariat opens a new round.",
            code="round_closed")
    if clause is not None and clause.frozen:
        raise Conflict("The secretariat has frozen this clause: it takes no new proposals.",
                       code="clause_frozen")


def _zone(name: str):
    from zoneinfo import ZoneInfo
    return ZoneInfo(name)
