from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from drafting.extensions import db
from drafting.models.types import UTCDateTime, utcnow


class DeskMark(db.Model):
    """Where one secretariat user last marked a document's merge desk as seen: the desk's
    "new since I last looked" filter lists proposals submitted after it.

    The mark moves only when its user says so (a POST from the desk), never on reading the
    page: reads compute, writes persist, and an operator who glanced at the desk between two
    agenda items has not read what arrived meanwhile.
    """

    __tablename__ = "desk_marks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
