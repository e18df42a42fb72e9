from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from drafting.extensions import db
from drafting.models.types import UTCDateTime


class DocumentVisit(db.Model):
    """How far a user has read a document: the point "since your last visit" counts from.

    One row per (user, document), moved forward only by the user's own POST (the page's "Mark
    as read" or its script once the page has been read; the API's /visit), never by a GET. A
    user's reading is their own bookkeeping, not a change of the negotiation: it is not audited.
    """

    __tablename__ = "document_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
