from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.domain.states import ClauseStatus, SectionKind, Stage
from drafting.extensions import db
from drafting.models.economy import Economy
from drafting.models.types import UTCDateTime, enum_column, utcnow
from drafting.models.user import User


class Document(db.Model):
    """A statement under negotiation."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    symbol: Mapped[str] = mapped_column(String(120))
    classification: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), default=Stage.ZERO_DRAFT)
    host_economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Submitted proposals are seen by all economies at once, or only once the secretariat
    # circulates them.
    circulate_immediately: Mapped[bool] = mapped_column(default=True)
    # SHA-256 of the canonical final text, set when leaders endorse (the document is frozen).
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A Chair's statement points to the statement it was derived from.
    parent_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    kind: Mapped[str] = mapped_column(String(30), default="statement")
    # A Chair's statement takes proposals only while the secretariat has it open for comment.
    open_for_comment: Mapped[bool] = mapped_column(default=False)

    host_economy: Mapped[Economy] = relationship()
    sections: Mapped[list[Section]] = relationship(
        back_populates="document", order_by="Section.position"
    )


class Section(db.Model):
    """A heading that groups clauses: the preamble, a goal, implementation."""

    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    position: Mapped[int]
    kind: Mapped[SectionKind] = mapped_column(enum_column(SectionKind, "section_kind"))
    heading: Mapped[str] = mapped_column(String(300))

    document: Mapped[Document] = relationship(back_populates="sections")


class Clause(db.Model):
    """The unit of negotiation. Its id never changes; its text lives in ClauseVersion rows.

    `version` is the number of the current ClauseVersion; `position` orders clauses within
    the document (display numbers are derived from it, never stored).
    """

    __tablename__ = "clauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    position: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[ClauseStatus] = mapped_column(
        enum_column(ClauseStatus, "clause_status"), default=ClauseStatus.OPEN
    )
    # "Agreed except AUS, NZ": codes of the economies that stand apart from an agreement.
    excepted_economies: Mapped[str] = mapped_column(String(200), default="")
    # The number this clause was given when the secretariat last renumbered; None for a clause
    # inserted since (it is shown as "OP3bis" until the next renumbering).
    issued_number: Mapped[str | None] = mapped_column(String(20))
    # The secretariat can close a single clause to new proposals.
    frozen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # In a Chair's statement: the statement's clause this one was moved from, and the number
    # it had there ("formerly OP3"); what a return to the statement needs. None elsewhere.
    moved_from_clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    moved_from_number: Mapped[str | None] = mapped_column(String(20))

    document: Mapped[Document] = relationship()
    section: Mapped[Section] = relationship()
    current: Mapped[ClauseVersion] = relationship(
        primaryjoin=lambda: and_(
            ClauseVersion.clause_id == Clause.id, ClauseVersion.number == Clause.version
        ),
        viewonly=True,
        uselist=False,
    )
    versions: Mapped[list[ClauseVersion]] = relationship(
        back_populates="clause", order_by="ClauseVersion.number"
    )

    @property
    def text(self) -> str:
        return self.current.text

    @property
    def removed(self) -> bool:
        return self.current.removed


class ClauseVersion(db.Model):
    """An immutable text of a clause. Never updated once written.

    A deleted clause gets a last version with `removed` set and its final text kept, so the
    history still shows what was deleted.
    """

    __tablename__ = "clause_versions"
    # Two decisions racing on the same clause would both write number N+1: this refuses one.
    __table_args__ = (UniqueConstraint("clause_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    removed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", use_alter=True, name="fk_clause_versions_proposal_id_proposals")
    )
    note: Mapped[str] = mapped_column(Text, default="")

    clause: Mapped[Clause] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()
    proposal = relationship("Proposal", foreign_keys=[proposal_id])


class Revision(db.Model):
    """An immutable snapshot of the whole document: Rev.1, Rev.2 …"""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    renumbered: Mapped[bool] = mapped_column(default=True)
    bracket_count: Mapped[int] = mapped_column(default=0)
    option_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()
    entries: Mapped[list[RevisionClause]] = relationship(order_by="RevisionClause.position")

    @property
    def label(self) -> str:
        return f"Rev.{self.number}"


class RevisionClause(db.Model):
    """Which version of which clause, in which place and under which number, a revision holds."""

    __tablename__ = "revision_clauses"

    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), primary_key=True)
    version_number: Mapped[int]
    position: Mapped[int]
    display_number: Mapped[str] = mapped_column(String(20))
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))


class ClauseStatusChange(db.Model):
    __tablename__ = "clause_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(40))
    to_status: Mapped[str] = mapped_column(String(40))
    excepted: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


class StageChange(db.Model):
    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    from_stage: Mapped[str] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()
