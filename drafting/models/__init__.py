"""All models, imported here so Alembic and the app see the whole schema."""
from drafting.models.audit import AuditEvent
from drafting.models.comment import Comment
from drafting.models.document import Clause, ClauseVersion, Document, Section
from drafting.models.economy import Economy
from drafting.models.proposal import Cosponsorship, Proposal, ProposalUpdate
from drafting.models.user import ApiToken, User

__all__ = [
    "ApiToken", "AuditEvent", "Clause", "ClauseVersion", "Comment", "Cosponsorship",
    "Document", "Economy", "Proposal", "ProposalUpdate", "Section", "User",
]
