"""Writing audit events onto the hash chain."""
from __future__ import annotations

import contextvars
from dataclasses import dataclass

from blinker import signal
from sqlalchemy import select, text

from drafting.domain.audit_chain import GENESIS_HASH, canonical_json, event_hash, verify_chain
from drafting.extensions import db
from drafting.models import AuditEvent
from drafting.models.types import utcnow


@dataclass(frozen=True)
class RequestOrigin:
    remote_addr: str = ""
    request_id: str = ""


# Set by the web layer for each request (and by the CLI), read here, so services can say
# "from which request" without importing Flask.
current_origin: contextvars.ContextVar[RequestOrigin] = contextvars.ContextVar(
    "current_origin", default=RequestOrigin()
)

# Sent for every event appended to the chain (the event is the sender).
event_recorded = signal("drafting.audit.event-recorded")
# Sent next, with `notified_user_ids`: the users whose inboxes the event just reached.
event_notified = signal("drafting.audit.event-notified")

# Any constant: every appender takes this PostgreSQL advisory lock, so the chain is appended
# one event at a time; the unique prev_hash is the backstop on every database.
_CHAIN_LOCK_KEY = 0x41504543


def record_event(kind: str, actor=None, *, document_id: int | None = None,
                 clause_id: int | None = None, proposal_id: int | None = None,
                 **data) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last_hash = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar()
    origin = current_origin.get()
    economy = getattr(actor, "economy", None)
    event = AuditEvent(
        occurred_at=utcnow(),
        kind=kind,
        actor_id=getattr(actor, "id", None),
        actor_username=getattr(actor, "username", "") or "",
        economy_code=economy.code if economy else "",
        document_id=document_id,
        clause_id=clause_id,
        proposal_id=proposal_id,
        data=canonical_json(data),
        remote_addr=origin.remote_addr,
        request_id=origin.request_id,
        prev_hash=last_hash or GENESIS_HASH,
    )
    event.hash = event_hash(hashed_fields(event), event.prev_hash)
    session.add(event)
    session.flush()
    # Fan-out, in the caller's transaction, to the services subscribed in create_app
    # (subscribe_fan_out): inboxes first — each receiver of `event_recorded` returns the
    # notifications it made — then open pages, told which users were just notified.
    notified = [notification.user_id for _receiver, made in event_recorded.send(event)
                for notification in made or ()]
    event_notified.send(event, notified_user_ids=notified)
    return event


def hashed_fields(event: AuditEvent) -> dict:
    return {
        "occurred_at": event.occurred_at.isoformat(),
        "kind": event.kind,
        "actor_username": event.actor_username,
        "economy_code": event.economy_code,
        "document_id": event.document_id,
        "clause_id": event.clause_id,
        "proposal_id": event.proposal_id,
        "data": event.data,
        "remote_addr": event.remote_addr,
        "request_id": event.request_id,
    }


def verify_audit_chain():
    """Return (number of events checked, first ChainBreak or None)."""
    events = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    count = 0

    def rows():
        nonlocal count
        for event in events:
            count += 1
            yield event.id, hashed_fields(event), event.prev_hash, event.hash

    broken = verify_chain(rows())
    return count, broken
