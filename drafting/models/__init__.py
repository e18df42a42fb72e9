"""All models, imported here so Alembic and the app see the whole schema."""
from drafting.models.audit import AuditEvent
from drafting.models.comment import Comment
from drafting.models.document import (
    Clause, ClauseStatusChange, ClauseVersion, Document, Revision, RevisionClause, Section,
    StageChange,
)
from drafting.models.desk import DeskMark
from drafting.models.economy import Economy
from drafting.models.idempotency import IdempotencyRecord
from drafting.models.live import LiveEvent
from drafting.models.mail import NotificationPreference, NotificationSetting, OutgoingMail
from drafting.models.proposal import Cosponsorship, Position, Proposal, ProposalUpdate
from drafting.models.screen import ScreenState
from drafting.models.user import ApiToken, User
from drafting.models.visit import DocumentVisit
from drafting.models.workflow import Notification, SilenceProcedure, SubmissionRound

__all__ = [
    "ApiToken", "AuditEvent", "Clause", "ClauseVersion", "Comment", "Cosponsorship", "DeskMark",
    "Document", "DocumentVisit", "Economy", "IdempotencyRecord", "LiveEvent", "Proposal",
    "ProposalUpdate", "Section", "User",
    "ClauseStatusChange", "Notification", "Position", "Revision", "RevisionClause",
    "ScreenState", "SilenceProcedure", "StageChange", "SubmissionRound",
    "NotificationPreference", "NotificationSetting", "OutgoingMail",
]
