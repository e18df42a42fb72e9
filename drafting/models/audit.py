from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from drafting.extensions import db
from drafting.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One change of state. Append-only and hash-chained.

    `hash` covers this event's content and `prev_hash`; `prev_hash` is unique, so the chain
    can never fork even when two transactions race to append.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_username: Mapped[str] = mapped_column(String(64), default="")
    economy_code: Mapped[str] = mapped_column(String(8), default="")
    document_id: Mapped[int | None] = mapped_column(index=True)
    clause_id: Mapped[int | None]
    proposal_id: Mapped[int | None]
    data: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
