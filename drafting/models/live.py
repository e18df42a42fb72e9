"""Live updates: the replay log of changes that open pages should show."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from drafting.extensions import db
from drafting.models.types import UTCDateTime, utcnow


class LiveEvent(db.Model):
    """A change to a document that open pages should show: the replay log of the live updates.

    One row per audit event that names a document, written in the same transaction (so a
    client reconnecting with Last-Event-ID = this id is replayed exactly what was committed).
    It carries ids and a clause number only, never text, and an audience: an event about a
    draft or an uncirculated proposal goes only to the economy concerned (and, for the latter,
    the secretariat). Old rows are pruned (services/live.py); a client older than the oldest
    row kept is told to reload.
    """

    __tablename__ = "live_events"
    __table_args__ = (Index("ix_live_events_document_id_id", "document_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    audit_event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    document_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(60))
    clause_id: Mapped[int | None]
    proposal_id: Mapped[int | None]
    clause_number: Mapped[str | None] = mapped_column(String(40))
    # None: everyone who reads the document; else only this economy's delegates (and the
    # secretariat when audience_secretariat is set). See drafting/domain/live.Audience.
    audience_economy_id: Mapped[int | None]
    audience_secretariat: Mapped[bool] = mapped_column(Boolean, default=False)

    def payload(self) -> dict:
        """What a client is sent: kind and ids, nothing confidential."""
        return {"id": self.id, "kind": self.kind, "document_id": self.document_id,
                "clause_id": self.clause_id, "proposal_id": self.proposal_id,
                "clause_number": self.clause_number}
