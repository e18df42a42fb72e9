from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.document import Clause, Document
from drafting.models.types import UTCDateTime, utcnow
from drafting.models.user import User


class ScreenState(db.Model):
    """What the plenary screen of a document shows: one row per document, made the first time
    the secretariat puts a paragraph on screen, then updated in place.

    A table of its own rather than columns on `documents`: the screen is presentation state
    that changes every few minutes in a meeting, and keeping it apart leaves the document row
    (and its cache key, its locks) to the negotiation itself. The history of what was shown is
    the audit trail ("screen.shown" / "screen.cleared"), so nothing is lost by overwriting.
    """

    __tablename__ = "screen_states"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    # None: the screen is cleared.
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[Document] = relationship()
    clause: Mapped[Clause | None] = relationship()
    changed_by: Mapped[User | None] = relationship()
