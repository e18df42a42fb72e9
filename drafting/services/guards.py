"""State checks shared by every write: is the document (or clause) open for this at all?"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from drafting.domain.errors import Conflict
from drafting.domain.states import Stage
from drafting.domain.workflow import format_deadline
from drafting.extensions import db
from drafting.models import Clause, Document, SubmissionRound
from drafting.models.types import utcnow
from drafting.services.settling import settle_silence

# Stages in which delegations may put forward new wording.
PROPOSING_STAGES = frozenset({Stage.ZERO_DRAFT, Stage.NEGOTIATION})


def settle_stage(document: Document, now: datetime | None = None) -> None:
    """Bring the stage up to date before a write: adopt a silence procedure whose deadline
    has passed unbroken, so no write is judged against an outdated stage."""
    settle_silence(document, now=now)


def ensure_not_frozen(document: Document, activity: str = "changes",
                      now: datetime | None = None) -> None:
    """Refuse any change once leaders have endorsed the document.

    Settles an expired silence procedure first (see `settle_stage`).
    """
    settle_stage(document, now)
    check_not_frozen(document, activity)


def check_not_frozen(document: Document, activity: str = "changes") -> None:
    """`ensure_not_frozen` without settling first: for reads (a confirmation page) that must
    write nothing. The write that follows settles and checks again."""
    if document.stage is Stage.ENDORSED_LEADERS or document.frozen_at is not None:
        raise Conflict(f"The document was endorsed by leaders and is frozen: {activity} are no "
                       "longer accepted.", code="document_frozen")


def latest_round(document: Document) -> SubmissionRound | None:
    return db.session.execute(
        select(SubmissionRound).where(SubmissionRound.document_id == document.id)
        .order_by(SubmissionRound.id.desc()).limit(1)
    ).scalar()


CHAIR_STATEMENT_KIND = "chair_statement"  # services/chair_statement.KIND (imported there)


def ensure_not_chair_text(document: Document) -> None:
    """A Chair's statement is issued under the Chair's own authority: economies negotiate the
    statement, not the Chair's text, so no proposal (nor draft of one) is taken on it — unless
    the secretariat has opened it for comment."""
    if document.kind == CHAIR_STATEMENT_KIND and not document.open_for_comment:
        raise Conflict("This is a Chair's statement, the Chair's own text: delegations do not "
                       "propose amendments to it unless the secretariat opens it for comment.",
                       code="chair_text")


def ensure_accepts_proposals(document: Document, clause: Clause | None = None,
                             now: datetime | None = None) -> None:
    """Refuse new or revised proposals when the stage, the round or the clause says no.

    `now` is the moment of the request (injected by tests); proposals already submitted stay
    visible and open — only new wording is refused.
    """
    now = now or utcnow()
    ensure_not_chair_text(document)
    ensure_not_frozen(document, "proposals", now=now)
    if document.stage not in PROPOSING_STAGES:
        raise Conflict(f"The document is at the stage “{document.stage.label}”: "
                       "new proposals are not accepted.", code="stage_closed")
    current_round = latest_round(document)
    if current_round is not None and now >= current_round.deadline:
        raise Conflict(
            "The submission round closed on "
            f"{format_deadline(current_round.deadline, current_round.timezone)}; new proposals "
            "are refused until the secretariat opens a new round.",
            code="round_closed", details={"deadline": current_round.deadline.isoformat(),
                                          "timezone": current_round.timezone})
    if clause is not None and clause.frozen:
        raise Conflict("The secretariat has frozen this clause: it takes no new proposals.",
                       code="clause_frozen")
