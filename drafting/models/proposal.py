from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.domain import proposal_names
from drafting.domain.proposal_names import proposal_name, proposal_short_name
from drafting.domain.states import ProposalAction, ProposalStatus, Stance
from drafting.extensions import db
from drafting.models.document import Clause, ClauseVersion, Document, Section
from drafting.models.economy import Economy
from drafting.models.hidden_order import hide_creation_count
from drafting.models.types import UTCDateTime, enum_column, utcnow
from drafting.models.user import User


@hide_creation_count
class Proposal(db.Model):
    """An economy's suggested change to the text.

    amend/delete name the clause and the version they were written against (`base_version`);
    insert names the clause it follows (`after_clause`), or the section it opens (`section`),
    and, once accepted, the clause it created (`clause`). `text` is the full proposed clause
    text ("" for a deletion).
    """

    __tablename__ = "proposals"
    __table_args__ = (Index("uq_proposals_document_id_number", "document_id", "number",
                            unique=True),)

    # Random, so that ids count nothing (models/hidden_order.py); creation order is `seq`,
    # shown to no one.
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    # What people call it ("proposal #12"): 1, 2, 3 … in its document, in the order proposals
    # became visible to everyone (services/proposal_numbers.py); None until then.
    number: Mapped[int | None] = mapped_column()
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[ProposalAction] = mapped_column(enum_column(ProposalAction, "proposal_action"))
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"), index=True)
    after_clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id"))
    # An insertion at the start of a section: that section. `after_clause` is then the clause
    # just before the section in the document (so lists still show it in reading order), or
    # None when no clause comes before the section (the new clause opens the text); accepting
    # puts the new clause first in this section.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("clause_versions.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, "proposal_status"), default=ProposalStatus.OPEN, index=True
    )
    # Set when the clause moved on under the proposal and its change no longer applies cleanly.
    in_conflict: Mapped[bool] = mapped_column(default=False)
    # Goes up by one whenever the wording a decision would apply changes (text, base version or
    # conflict): the merge desk names the one it showed, so a decision on wording that moved
    # meanwhile is refused instead of applying something nobody read.
    text_version: Mapped[int] = mapped_column(default=1)
    # When other economies could first see it (at submission, or when the secretariat
    # circulated it); None while only its own economy and the secretariat see it.
    circulated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    # The secretariat's own wording when accepted with modifications; the proposal keeps its own.
    decided_text: Mapped[str | None] = mapped_column(Text)
    result_version_id: Mapped[int | None] = mapped_column(ForeignKey("clause_versions.id"))

    document: Mapped[Document] = relationship()
    economy: Mapped[Economy] = relationship(lazy="joined")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    clause: Mapped[Clause | None] = relationship(foreign_keys=[clause_id])
    after_clause: Mapped[Clause | None] = relationship(foreign_keys=[after_clause_id])
    section: Mapped[Section | None] = relationship()
    base_version: Mapped[ClauseVersion | None] = relationship(foreign_keys=[base_version_id])
    result_version: Mapped[ClauseVersion | None] = relationship(foreign_keys=[result_version_id])
    cosponsors: Mapped[list[Cosponsorship]] = relationship(
        back_populates="proposal", order_by="Cosponsorship.created_at", cascade="all, delete-orphan"
    )
    updates: Mapped[list[ProposalUpdate]] = relationship(
        back_populates="proposal", order_by="ProposalUpdate.id",
        foreign_keys="ProposalUpdate.proposal_id",
    )

    @property
    def base_text(self) -> str:
        """The text the proposal's change is measured against ("" for an insertion)."""
        return self.base_version.text if self.base_version else ""

    def wording(self) -> tuple:
        """What a decision on the proposal depends on; compare it before and after a change
        with `note_wording_change`."""
        return (self.text, self.base_version, self.in_conflict)

    def note_wording_change(self, before: tuple) -> None:
        """Bump `text_version` when the wording differs from `before` (from `wording()`)."""
        if self.wording() != before:
            self.text_version = (self.text_version or 1) + 1

    @property
    def opens_section(self) -> bool:
        """An insertion placed first in `section`, not right after `after_clause`."""
        return self.section_id is not None and (
            self.after_clause is None or self.after_clause.section_id != self.section_id)

    @property
    def opens_text(self) -> bool:
        """An insertion with no clause before it: it will be the first clause of the text."""
        return self.action is ProposalAction.INSERT and self.after_clause_id is None \
            and self.section_id is not None

    @property
    def is_open(self) -> bool:
        return self.status is ProposalStatus.OPEN

    @property
    def name(self) -> str:
        """How pages and messages name it: "proposal #12", or "AUS draft of 7 Dec 14:05 UTC"
        before it has a number (domain/proposal_names.py)."""
        return proposal_name(self.number, self.economy.code, self._unnumbered_state,
                             self.created_at)

    @property
    def short_name(self) -> str:
        """"#12", or "Draft of 7 Dec 14:05 UTC" before it has a number: where the economy is
        shown beside it."""
        return proposal_short_name(self.number, self._unnumbered_state, self.created_at)

    @property
    def _unnumbered_state(self) -> str:
        if self.status is ProposalStatus.DRAFT:
            return proposal_names.DRAFT
        return proposal_names.WAITING if self.status is ProposalStatus.OPEN \
            else proposal_names.CLOSED

    @property
    def sponsor_codes(self) -> list[str]:
        return [self.economy.code] + [c.economy.code for c in self.cosponsors]


class Cosponsorship(db.Model):
    __tablename__ = "cosponsorships"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="cosponsors")
    economy: Mapped[Economy] = relationship(lazy="joined")


class ProposalUpdate(db.Model):
    """What happened to an open proposal after it was submitted: rebased, in conflict, revised …

    Kept so the proposal page can say "rebased from version 2 to 3" instead of changing the
    text under its author's feet without a trace.
    """

    __tablename__ = "proposal_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # rebased | conflict | superseded | revised
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    previous_text: Mapped[str] = mapped_column(Text, default="")
    new_text: Mapped[str] = mapped_column(Text, default="")
    caused_by_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="updates", foreign_keys=[proposal_id])
    caused_by: Mapped[Proposal | None] = relationship(foreign_keys=[caused_by_proposal_id])


class Position(db.Model):
    """An economy's stance on a clause; one current row per (clause, economy)."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("clause_id", "economy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id"))
    stance: Mapped[Stance] = mapped_column(enum_column(Stance, "stance"))
    text: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The clause version (ClauseVersion.number) the stance was given on. Once the clause moves
    # past it the position is stale: shown "on v1" and not counted as agreement
    # (domain/consensus.py) until the economy records it again.
    on_version: Mapped[int] = mapped_column(default=1)

    economy: Mapped[Economy] = relationship(lazy="joined")
