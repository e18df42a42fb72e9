"""Who may see which proposal: the one place where the confidentiality rule is written.

A proposal goes through three stages of visibility:

- **draft** (status DRAFT): seen only by the delegates of its own economy. Not by the host
  secretariat either: the secretariat serves every economy, and a delegation's unsent work is
  its own, even when the secretariat's staff belong to the same economy (Thailand).
- **submitted, not yet circulated** (``circulated_at`` is None): its own economy's delegates
  and the secretariat, who decides when to circulate (``drafts.circulate_proposals``).
- **circulated** (``circulated_at`` set, at submission when ``Document.circulate_immediately``):
  everyone who can read the document, other economies and observers included.

A proposal the secretariat accepted (with or without modifications) or kept as an option has
become part of the text, its attribution shown in the clause history: it is seen by everyone
even if it was never formally circulated.

Everything that reads proposals goes through `visible_proposals_clause` (SQL) or
`can_see_proposal` (Python); both are built from the same three facts, and a test checks they
agree. A proposal one cannot see does not exist for them: loading it by id is 404, not 403, so
its existence is not leaked either.

Every read takes its viewer as an explicit argument: there is no implicit "viewer of the
request". A reading meant for everyone at once (the negotiating text, the chair's screen, the
endorsed text's fingerprint) passes `EVERYONE`, a reader with no role, who sees exactly what
was circulated or entered the text.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from drafting.domain.errors import InvalidInput, NotFound
from drafting.domain.states import ProposalStatus, Role
from drafting.domain.text_rules import clean_text
from drafting.extensions import db
from drafting.models import AuditEvent, Comment, Economy, Proposal
from drafting.services.loading import get_comment, get_proposal
from drafting.services.policy import Action, authorize

# Statuses by which a proposal has entered the negotiating text itself.
IN_TEXT_STATUSES = (ProposalStatus.ACCEPTED, ProposalStatus.ACCEPTED_MODIFIED,
                    ProposalStatus.OPTION)

# The viewer of readings shared by everyone (the room, the negotiating text): no role, no
# economy, so circulated proposals and those in the text only.
EVERYONE = None


def _role(viewer) -> Role | None:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    if not getattr(viewer, "is_active", True):
        return None
    return getattr(viewer, "role", None)


def _own_economy_id(viewer) -> int | None:
    """The economy whose drafts and uncirculated proposals the viewer shares: delegates only."""
    if _role(viewer) is Role.DELEGATE:
        return getattr(viewer, "economy_id", None)
    return None


def visible_proposals_clause(viewer):
    """A where-clause on Proposal keeping exactly the proposals `viewer` may see."""
    if _role(viewer) is Role.SECRETARIAT:
        return Proposal.status != ProposalStatus.DRAFT
    public = and_(Proposal.status != ProposalStatus.DRAFT,
                  or_(Proposal.circulated_at.is_not(None),
                      Proposal.status.in_(IN_TEXT_STATUSES)))
    own = _own_economy_id(viewer)
    if own is not None:
        return or_(Proposal.economy_id == own, public)
    return public


def can_see_proposal(viewer, proposal: Proposal) -> bool:
    """The same rule as `visible_proposals_clause`, for one proposal already loaded."""
    if _role(viewer) is Role.SECRETARIAT:
        return proposal.status is not ProposalStatus.DRAFT
    own = _own_economy_id(viewer)
    if own is not None and proposal.economy_id == own:
        return True
    return is_circulated(proposal)


def ensure_visible(viewer, proposal: Proposal) -> Proposal:
    """`proposal`, or NotFound worded exactly as for an id that does not exist."""
    if not can_see_proposal(viewer, proposal):
        raise NotFound(f"No proposal with id {proposal.id}.")
    return proposal


def get_visible_proposal(viewer, proposal_id) -> Proposal:
    return ensure_visible(viewer, get_proposal(proposal_id))


def get_visible_comment(viewer, comment_id) -> Comment:
    """The comment, or NotFound worded exactly as for an id that does not exist when it
    discusses a proposal the viewer may not see (a reply's parent id, a resolve link)."""
    comment = get_comment(comment_id)
    if comment.proposal_id is not None and not can_see_proposal(
            viewer, db.session.get(Proposal, comment.proposal_id)):
        raise NotFound(f"No comment with id {comment.id}.")
    return comment


def is_circulated(proposal: Proposal) -> bool:
    """Whether other economies and observers see it (by circulation or by entering the text)."""
    return proposal.status is not ProposalStatus.DRAFT and (
        proposal.circulated_at is not None or proposal.status in IN_TEXT_STATUSES)


def visible_comments_clause(viewer):
    """A where-clause on Comment (outer-joined to its Proposal) keeping what `viewer` may see:
    comments on clauses, and comments on proposals the viewer may see."""
    return (Comment.proposal_id.is_(None)) | visible_proposals_clause(viewer)


def public_since(proposal: Proposal):
    """When everyone could first see the proposal (None: never): its circulation, or its
    recording as a kept option. A revision's negotiating text shows a proposal from then on."""
    if proposal.status is ProposalStatus.DRAFT:
        return None
    return proposal.circulated_at or (
        proposal.created_at if proposal.status is ProposalStatus.OPTION else None)


def visible_from(viewer, proposal: Proposal):
    """When `viewer` could first see `proposal` (None: they cannot see it, or it is a draft,
    which is not news to anyone): at submission for those who see it uncirculated (its own
    economy's delegates, the secretariat), else when it was circulated — or, never circulated,
    when it entered the text (its decision). "Since your last visit" counts from here
    (services/visits.py), so a proposal circulated today is new today for other economies."""
    if proposal.status is ProposalStatus.DRAFT or not can_see_proposal(viewer, proposal):
        return None
    if _role(viewer) is Role.SECRETARIAT or proposal.economy_id == _own_economy_id(viewer):
        return proposal.submitted_at or proposal.created_at
    return proposal.circulated_at or proposal.decided_at or proposal.updated_at


# --- the audit trail, read through the same rule -----------------------------------------------

AUDIT_PAGE_SIZE = 50

# Kinds of audit event about drafts (they name the draft, never its wording). They stay on the
# chain but are not listed: an economy's drafting is its own business, even once submitted.
# (A deleted draft's id may also be reused by a later proposal on SQLite: its old events must
# not be read as that proposal's history.)
DRAFT_EVENT_KINDS = ("proposal.draft_saved", "proposal.draft_updated", "proposal.draft_deleted")

# Kinds of event about a batch of one economy's proposals. They name no single proposal, so the
# rule by proposal cannot judge them, and listing them to everyone would let an observer count
# (and name) proposals not yet circulated. Each proposal of the batch has its own event, judged
# by the rule; the batch itself is listed to the secretariat only, who receives it (the live
# stream's audience is the same: services/live.py).
ECONOMY_BATCH_KINDS = ("proposals.batch_submitted",)


@dataclass
class AuditFilters:
    document_id: int | None = None
    economy: str | None = None  # an economy code, or "" for events with no economy (system)
    kind: str | None = None
    clause_id: int | None = None


@dataclass
class AuditPage:
    events: list[AuditEvent]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def visible_audit_query(viewer, filters: AuditFilters):
    """Events the viewer may read, as a select() to refine: those about a proposal they cannot
    see, and those about drafts, are left out. (web/page_lookups.py builds each viewer's change
    marker on it, so a page's ETag moves only with events they can see.)

    An event naming a proposal that no longer exists (a deleted draft) is left out for everyone:
    it stays on the hash chain, which the verification still covers.
    """
    query = (select(AuditEvent)
             .outerjoin(Proposal, Proposal.id == AuditEvent.proposal_id)
             .where(AuditEvent.kind.not_in(DRAFT_EVENT_KINDS),
                    or_(AuditEvent.proposal_id.is_(None),
                        and_(Proposal.id.is_not(None), visible_proposals_clause(viewer)))))
    if _role(viewer) is not Role.SECRETARIAT:
        query = query.where(AuditEvent.kind.not_in(ECONOMY_BATCH_KINDS))
    if filters.document_id is not None:
        query = query.where(AuditEvent.document_id == filters.document_id)
    if filters.economy is not None:
        query = query.where(AuditEvent.economy_code == filters.economy)
    if filters.kind:
        query = query.where(AuditEvent.kind == filters.kind)
    if filters.clause_id is not None:
        query = query.where(AuditEvent.clause_id == filters.clause_id)
    return query


def audit_trail(viewer, filters: AuditFilters, page: int = 1,
                per_page: int = AUDIT_PAGE_SIZE) -> AuditPage:
    """One page of the audit trail, newest first. Raises PermissionDenied unless allowed."""
    authorize(viewer, Action.VIEW_AUDIT)
    if page < 1:
        raise InvalidInput("page must be 1 or more.", details={"field": "page"})
    # No economy code or event kind has a control character, and PostgreSQL cannot even compare
    # a text holding NUL (it raised a 500): refused like any other bad filter.
    for field_name, value in (("economy", filters.economy), ("kind", filters.kind)):
        if value:
            clean_text(value, field=field_name, max_chars=200, required=False)
    if filters.economy:
        known = db.session.execute(
            select(Economy.id).where(Economy.code == filters.economy)).scalar()
        if known is None:
            raise InvalidInput(f"Unknown economy {filters.economy!r}.",
                               details={"field": "economy"})
    query = visible_audit_query(viewer, filters)
    total = db.session.execute(
        select(func.count()).select_from(query.with_only_columns(AuditEvent.id).subquery())
    ).scalar_one()
    events = list(db.session.execute(
        query.order_by(AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).scalars())
    return AuditPage(events, page, per_page, total)


def audit_kinds(document_id: int | None, viewer) -> list[str]:
    """The kinds of event the viewer may read (for the filter's choices): a kind listed only
    because of events they cannot see would tell them such an event exists."""
    query = (visible_audit_query(viewer, AuditFilters(document_id=document_id))
             .with_only_columns(AuditEvent.kind).distinct().order_by(AuditEvent.kind))
    return list(db.session.execute(query).scalars())


def event_data(event: AuditEvent) -> dict:
    try:
        value = json.loads(event.data or "{}")
    except ValueError:
        return {"_raw": event.data}
    return value if isinstance(value, dict) else {"value": value}


def event_summary(event: AuditEvent, limit: int = 160) -> str:
    """A one-line reading of the event's data: "decision: accept · note: …". Row ids
    (`comment_id`, `proposal_ids` …) are left out: they mean nothing to people, and the
    trail's own columns link the clause and the proposal; the stored event keeps them."""
    parts = []
    for key, value in event_data(event).items():
        if value is None or value == "" or value == [] or key.endswith(("_id", "_ids")):
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        text = " ".join(str(value).split())
        if len(text) > 80:
            text = text[:79] + "…"
        parts.append(f"{key.replace('_', ' ')}: {text}")
    summary = " · ".join(parts)
    return summary if len(summary) <= limit else summary[:limit - 1] + "…"


__all__ = [
    "AUDIT_PAGE_SIZE", "AuditFilters", "DRAFT_EVENT_KINDS", "ECONOMY_BATCH_KINDS", "EVERYONE",
    "AuditPage", "IN_TEXT_STATUSES", "audit_kinds", "audit_trail", "can_see_proposal",
    "ensure_visible", "event_data", "event_summary", "get_visible_comment",
    "get_visible_proposal", "is_circulated", "public_since", "visible_audit_query",
    "visible_comments_clause", "visible_from", "visible_proposals_clause",
]
