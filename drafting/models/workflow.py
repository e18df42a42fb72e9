from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.domain.states import SilenceStatus
from drafting.extensions import db
from drafting.models.economy import Economy
from drafting.models.hidden_order import hide_creation_count
from drafting.models.types import UTCDateTime, enum_column, utcnow
from drafting.models.user import User


class SubmissionRound(db.Model):
    """A window for proposals against a revision, closing at `deadline` (stored in UTC)."""

    __tablename__ = "submission_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name the deadline was given in
    note: Mapped[str] = mapped_column(Text, default="")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    opened_by: Mapped[User | None] = relationship()


class SilenceProcedure(db.Model):
    """A revision circulated under silence until `deadline` (UTC; `timezone` as announced)."""

    __tablename__ = "silence_procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[SilenceStatus] = mapped_column(enum_column(SilenceStatus, "silence_status"),
                                                  default=SilenceStatus.RUNNING)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    broken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    broken_economy_id: Mapped[int | None] = mapped_column(ForeignKey("economies.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    broken_by: Mapped[User | None] = relationship(foreign_keys=[broken_by_id])
    broken_economy: Mapped[Economy | None] = relationship()


@hide_creation_count
class Notification(db.Model):
    __tablename__ = "notifications"

    # Random, because a delegate sees the ids of their own notices and one shared sequence would
    # count everyone else's in between (models/hidden_order.py); order of creation is `seq`.
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(300), default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    # Stops the same reminder (e.g. "deadline within 24 h") being sent twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
