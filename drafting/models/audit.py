from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from drafting.extensions import db
from drafting.models.types import UTCDateTime, utcnow


# Events about no document that never change what a document page or an export shows: every
# log-in, failed or throttled attempt and API token. Page ETags and cached exports ignore them
# (web/http_cache.py), so they stay valid through the start of a meeting.
PAGE_IRRELEVANT_KIND_PREFIXES = ("auth.", "token.")
# Written out (not bound) so that PostgreSQL can match a query's condition against the partial
# index below even in a prepared statement's generic plan.
PAGE_RELEVANT_GENERAL_EVENT = " AND ".join(
    ["document_id IS NULL"]
    + [f"kind NOT LIKE '{prefix}%'" for prefix in PAGE_IRRELEVANT_KIND_PREFIXES])


class AuditEvent(db.Model):
    """One change of state. Append-only and hash-chained.

    The row is written when the use case records the event (so its transaction reads it, and
    fan-out rows can point at its id) with `seq`, `prev_hash` and `hash` empty; the commit seals
    it (services/audit.py): under a lock held only for that last statement it takes the next
    `seq` and chains `hash` onto the previous event's. The chain is in `seq` order, which is
    commit order; ids are in insertion order and may differ. `seq` and `prev_hash` are unique,
    so the chain can never fork even when two transactions race to seal.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        # The newest event about a document: a backward scan of one index entry, not a sort of
        # all the document's events (every page view asks, web/page_lookups.change_marker).
        Index("ix_audit_events_document_id_id", "document_id", "id"),
        # The same newest event in commit (chain) order, which the change markers use: an
        # event inserted earlier but committed later must still move the marker.
        Index("ix_audit_events_document_id_seq", "document_id", "seq"),
        # The newest event about no document that a page shows; without it the look-up reads
        # every account's creation event.
        Index("ix_audit_events_page_relevant_general", "seq",
              postgresql_where=text(PAGE_RELEVANT_GENERAL_EVENT),
              sqlite_where=text(PAGE_RELEVANT_GENERAL_EVENT)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_username: Mapped[str] = mapped_column(String(64), default="")
    economy_code: Mapped[str] = mapped_column(String(8), default="")
    document_id: Mapped[int | None]
    clause_id: Mapped[int | None]
    proposal_id: Mapped[int | None]
    data: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    # Empty until the commit seals the event (never empty in a committed row the application
    # wrote: verify-audit reports one as outside the chain).
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)
