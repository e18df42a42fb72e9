from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.extensions import db
from drafting.models.document import Document
from drafting.models.economy import Economy
from drafting.models.hidden_order import hide_creation_count
from drafting.models.types import UTCDateTime, utcnow
from drafting.models.user import User


@hide_creation_count
class Comment(db.Model):
    """A message in a thread on a clause or on a proposal.

    `body` is the author's Markdown, kept as written; `body_html` is its sanitised rendering,
    made once at write time so pages never run Markdown per view.
    """

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("clause_id IS NOT NULL OR proposal_id IS NOT NULL", name="has_subject"),
    )

    # Random, so that ids count nothing (models/hidden_order.py); posting order is `seq`,
    # shown to no one.
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    economy_id: Mapped[int | None] = mapped_column(ForeignKey("economies.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[Document] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    economy: Mapped[Economy | None] = relationship(lazy="joined")
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    parent: Mapped[Comment | None] = relationship(remote_side=[id])

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
