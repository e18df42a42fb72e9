from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
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

    `hash` covers this event's content and `prev_hash`; `prev_hash` is unique, so the chain
    can never fork even when two transactions race to append.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        # The newest event about a document: a backward scan of one index entry, not a sort of
        # all the document's events (every page view asks, web/page_lookups.change_marker).
        Index("ix_audit_events_document_id_id", "document_id", "id"),
        # The newest event about no document that a page shows; without it the look-up reads
        # every account's creation event.
        Index("ix_audit_events_page_relevant_general", "id",
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
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
