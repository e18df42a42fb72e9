"""Each user's choice of delivery per kind of notification, and the outgoing e-mail queue."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.domain.notification_kinds import DEFAULT_DIGEST_HOUR
from drafting.extensions import db
from drafting.models.types import UTCDateTime, utcnow
from drafting.models.user import User
from drafting.models.workflow import Notification


class NotificationSetting(db.Model):
    """Where a user's e-mail goes and when their daily digest is sent (one row per user, made
    when they first save their preferences)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    digest_hour: Mapped[int] = mapped_column(default=DEFAULT_DIGEST_HOUR)  # 0–23, local
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA name


class NotificationPreference(db.Model):
    """How one kind of notification reaches one user (no row: in the app only)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(16))  # a domain Delivery value


class OutgoingMail(db.Model):
    """One notification to send by e-mail: at once (`digest` false) or in the user's next
    digest. Written in the transaction that made the notification; `flask send-mail` sends
    what is due and records the outcome here, so nothing is sent twice (services/mail.py).
    Its ids are shown to no one."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_pending", "outcome", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    digest: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    # None while waiting; "sent", "skipped" (no longer wanted or allowed), "failed" (given up).
    outcome: Mapped[str | None] = mapped_column(String(16))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()
    notification: Mapped[Notification] = relationship()
