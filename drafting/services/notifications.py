"""Each user's inbox: notifications fanned out from audit events, and deadline reminders.

Fan-out (`notify_for_event`) receives the `audit.event_recorded` signal (subscribed in
create_app through `subscribe`), so it runs inside `services.audit.record_event`, in the same
transaction as the change it reports, so a notification exists exactly when its change does.
It reacts to a handful of event kinds and costs a few queries for those, none for the others:

- an economy's proposal is accepted (with or without modifications), rejected, marked in
  conflict or superseded → that economy's delegates;
- a revision is issued → every active user;
- a clause on which an economy stands in objection is changed (a proposal accepted on it, the
  secretariat's edit, a change of status) → that economy's delegates;
- a clause gets a new version under an economy's position (which is then stale: it no longer
  counts as agreement, domain/consensus.py) → that economy's delegates, asked to review it;
- an economy's proposal is co-sponsored, commented on (by another economy or the
  secretariat), or updated onto a changed clause (rebased) → that economy's delegates; a comment is answered → the author of the comment
  answered, if they may still see what it discusses;
- a proposal on a clause is circulated (at submission, or later by the secretariat) → the
  delegates of every other economy with an open proposal or a position on that clause. Never
  before: a proposal not circulated is not mentioned to anyone outside its economy
  (services/visibility.py);
- a silence procedure is opened → every active user.

Every notification stored also queues the e-mail its recipient asked for, in the same
transaction (services/notification_preferences.enqueue_mail): the e-mail says what the inbox
says, to the same people.

Reminders of deadlines within 24 hours are not events, and the header's unread count
counts them before they are stored: services/reminders.py.

The actor of a change is not notified of it. Reading notifications is a user's own
bookkeeping, not a change of the negotiation's state: it is not audited.

Notification URLs are site paths (the services do not know Flask's URL map); the routes they
name are stable: /proposals/<id>, /clauses/<id>, /documents/<id>.
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from drafting.domain.errors import InvalidInput, NotFound
from drafting.domain.input_rules import whole_number
from drafting.domain.notification_kinds import KIND_CODES
from drafting.domain.states import ClauseStatus, ProposalAction, ProposalStatus, Role, Stance
from drafting.extensions import db
from drafting.models import (AuditEvent, Clause, Comment, Document, Notification, Position,
                             Proposal, Revision, User)
from drafting.models.types import utcnow
from drafting.services.audit import event_recorded
from drafting.services.policy import Action, authorize
from drafting.services.reading import ClauseNumbers
from drafting.services.reminders import due_reminders, local_time
from drafting.services.notification_preferences import enqueue_mail
from drafting.services.visibility import can_see_proposal, event_data, is_circulated

PAGE_SIZE = 50

DECISION_KINDS = frozenset({"proposal.accepted", "proposal.rejected", "proposal.conflicted",
                            "proposal.superseded"})
CLAUSE_CHANGE_KINDS = frozenset({"proposal.accepted", "clause.edited", "clause.status_changed"})
REVISION_KIND = "revision.issued"
# Events that give a clause a new version, leaving the positions given on the old one stale.
NEW_VERSION_KINDS = frozenset({"proposal.accepted", "clause.edited",
                               "clause.returned_from_chair_statement"})
# Events about one proposal that its own economy hears of.
OWN_PROPOSAL_KINDS = DECISION_KINDS | {"proposal.rebased", "proposal.cosponsored"}
COMMENT_KIND = "comment.posted"
# A proposal reaching other economies: it competes with theirs on the same clause.
CIRCULATION_KINDS = frozenset({"proposal.submitted", "proposal.circulated"})
SILENCE_KIND = "silence.started"
HANDLED_KINDS = (DECISION_KINDS | CLAUSE_CHANGE_KINDS | NEW_VERSION_KINDS | OWN_PROPOSAL_KINDS
                 | CIRCULATION_KINDS | {REVISION_KIND, COMMENT_KIND, SILENCE_KIND})

# Guards the fan-out against re-entry (a notification never causes an audit event, but if one
# ever did, it must not notify about itself).
_fanning_out: contextvars.ContextVar[bool] = contextvars.ContextVar("fanning_out", default=False)


# --- fan-out from audit events -------------------------------------------------------------------

def notify_for_event(event: AuditEvent) -> list[Notification]:
    """Create the notifications `event` calls for (in the caller's transaction); return them."""
    if event.kind not in HANDLED_KINDS or _fanning_out.get():
        return []
    token = _fanning_out.set(True)
    try:
        planned = _recipients_for(event)
        notifications = [
            Notification(user_id=user_id, kind=kind, message=message, url=url,
                         document_id=event.document_id, created_at=event.occurred_at,
                         dedupe_key=f"event:{event.id}:{user_id}")
            for user_id, (kind, message, url) in planned.items()
            if user_id != event.actor_id
        ]
        if notifications:
            db.session.add_all(notifications)
            db.session.flush()
            enqueue_mail(notifications)
        return notifications
    finally:
        _fanning_out.reset(token)


def _recipients_for(event: AuditEvent) -> dict[int, tuple[str, str, str]]:
    """user id → (kind, message, url); one notification per user and event."""
    out: dict[int, tuple[str, str, str]] = {}
    if event.kind == REVISION_KIND:
        message, url = _revision_message(event)
        for user_id in db.session.execute(select(User.id).where(User.active)).scalars():
            out[user_id] = ("revision_issued", message, url)
        return out
    if event.kind == SILENCE_KIND:
        return _silence_recipients(event)
    if event.kind == COMMENT_KIND:
        return _comment_recipients(event)
    if event.kind in CIRCULATION_KINDS:
        return _competing_recipients(event)
    proposal = (db.session.get(Proposal, event.proposal_id)
                if event.kind in OWN_PROPOSAL_KINDS and event.proposal_id else None)
    objecting: list[int] = []
    if event.kind in CLAUSE_CHANGE_KINDS and event.clause_id:
        objecting = list(db.session.execute(
            select(Position.economy_id).where(Position.clause_id == event.clause_id,
                                              Position.stance == Stance.OBJECTION)
        ).scalars())
    stale = _stale_positions(event) if event.kind in NEW_VERSION_KINDS else {}
    economy_ids = set(objecting) | set(stale) | ({proposal.economy_id} if proposal else set())
    if not economy_ids:
        return out
    recipients = db.session.execute(
        select(User.id, User.economy_id).where(User.economy_id.in_(economy_ids),
                                               User.role == Role.DELEGATE, User.active)
    ).all()
    numbers = ClauseNumbers()
    if proposal is not None:
        decision = _decision_message(event, proposal, numbers)
        for user_id, economy_id in recipients:
            if economy_id == proposal.economy_id:
                out[user_id] = decision
    if objecting:
        change = _objection_message(event, numbers)
        for user_id, economy_id in recipients:
            if economy_id in objecting:
                out.setdefault(user_id, change)
    stale_users = [user_id for user_id, economy_id in recipients
                   if economy_id in stale and user_id not in out]
    if stale_users:
        # One notification per user and event: a decision on the economy's proposal or the
        # objection notice already asks them to look. And one request per version to review.
        messages = {economy_id: _stale_message(stale[economy_id], numbers)
                    for economy_id in stale}
        told = set(db.session.execute(
            select(Notification.user_id, Notification.message)
            .where(Notification.kind == "position_stale",
                   Notification.user_id.in_(stale_users))).all())
        for user_id, economy_id in recipients:
            message = messages.get(economy_id)
            if user_id in stale_users and (user_id, message[1]) not in told:
                out[user_id] = message
    return out


def _stale_positions(event: AuditEvent) -> dict[int, Position]:
    """economy id → its position on the event's clause, when given on an older version."""
    clause = db.session.get(Clause, event.clause_id) if event.clause_id else None
    if clause is None or clause.removed:
        return {}
    return {p.economy_id: p for p in db.session.execute(
        select(Position).where(Position.clause_id == clause.id,
                               Position.on_version < clause.version)).scalars()}


def _stale_message(position: Position, numbers: ClauseNumbers) -> tuple[str, str, str]:
    clause = db.session.get(Clause, position.clause_id)
    return ("position_stale",
            f"{numbers.of(clause.id)} changed (now v{clause.version}): your economy's position "
            f"“{position.stance.label}” was given on v{position.on_version}. Review it: until "
            "it is recorded again it does not count as agreement.",
            f"/clauses/{clause.id}#positions")


def _subject(proposal: Proposal, numbers: ClauseNumbers) -> str:
    if proposal.action is ProposalAction.INSERT:
        if proposal.section_id is not None:
            return f"new clause at the start of “{proposal.section.heading}”"
        return f"new clause after {numbers.of(proposal.after_clause_id)}"
    verb = "deletion of" if proposal.action is ProposalAction.DELETE else "amendment to"
    return f"{verb} {numbers.of(proposal.clause_id)}"


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _decision_message(event: AuditEvent, proposal: Proposal, numbers: ClauseNumbers
                      ) -> tuple[str, str, str]:

    data = event_data(event)
    who = f"Your economy's {proposal.name} ({_subject(proposal, numbers)})"
    url = f"/proposals/{proposal.id}"
    if event.kind == "proposal.accepted":
        how = "accepted with modifications" if data.get("modified") else "accepted"
        return "proposal_decided", f"{who} was {how} by the secretariat.", url
    if event.kind == "proposal.rejected":
        reason = f" Reason: {_clip(data['note'])}" if data.get("note") else ""
        return "proposal_decided", f"{who} was rejected by the secretariat.{reason}", url
    if event.kind == "proposal.cosponsored":
        return ("proposal_cosponsored",
                f"{event.economy_code or 'Another economy'} co-sponsored your economy's "
                f"{proposal.name} ({_subject(proposal, numbers)}).", url)
    if event.kind == "proposal.rebased":
        version = f" (now version {data['to_version']})" if data.get("to_version") else ""
        return ("proposal_rebased",
                f"{who} was updated onto the changed text of the clause{version}. Check that "
                "it still says what your economy meant.", url)
    if event.kind == "proposal.conflicted":
        version = f" (now version {data['to_version']})" if data.get("to_version") else ""
        return ("proposal_conflict",
                f"{who} is in conflict: the clause changed under it{version}. Update it "
                "against the current text.", url)
    return ("proposal_superseded",
            f"{who} was superseded: the clause it concerned was deleted.", url)


def _delegates(economy_ids) -> list[User]:
    if not economy_ids:
        return []
    return list(db.session.execute(
        select(User).where(User.economy_id.in_(set(economy_ids)), User.role == Role.DELEGATE,
                           User.active)).scalars())


def _comment_recipients(event: AuditEvent) -> dict[int, tuple[str, str, str]]:
    """A comment: to the delegates of the economy whose proposal it discusses, and to the
    author of the comment it answers (if they may see what the thread is about)."""
    data = event_data(event)
    comment = db.session.get(Comment, data.get("comment_id")) \
        if isinstance(data.get("comment_id"), int) else None
    if comment is None:
        return {}
    proposal = db.session.get(Proposal, comment.proposal_id) if comment.proposal_id else None
    numbers = ClauseNumbers()
    author = db.session.get(User, event.actor_id) if event.actor_id else None
    by = ("The secretariat" if author is not None and author.role is Role.SECRETARIAT
          else event.economy_code or "Someone")
    if proposal is not None:
        place = f"{proposal.name} ({_subject(proposal, numbers)})"
        url = f"/proposals/{proposal.id}#comment-{comment.id}"
    else:
        place = numbers.of(comment.clause_id)
        url = f"/clauses/{comment.clause_id}#comment-{comment.id}"
    excerpt = _clip(comment.body, 160)
    out: dict[int, tuple[str, str, str]] = {}
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    if parent is not None:
        author = db.session.get(User, parent.author_id)
        if author is not None and author.active and (
                proposal is None or can_see_proposal(author, proposal)):
            out[author.id] = ("comment_reply",
                              f"{by} replied to your comment on {place}: “{excerpt}”", url)
    # A comment from the proposal's own delegation is its internal business: not news to it.
    if proposal is not None and proposal.status is not ProposalStatus.DRAFT \
            and comment.economy_id != proposal.economy_id:
        for user in _delegates([proposal.economy_id]):
            out.setdefault(user.id, (
                "proposal_commented",
                f"{by} commented on your economy's {proposal.name} "
                f"({_subject(proposal, numbers)}): “{excerpt}”", url))
    return out


OPEN_STATUSES = (ProposalStatus.OPEN, ProposalStatus.OPTION)


def _competing_recipients(event: AuditEvent) -> dict[int, tuple[str, str, str]]:
    """A proposal on a clause, once other economies may see it: to the delegates of every
    other economy with an open proposal or a position on that clause."""
    proposal = db.session.get(Proposal, event.proposal_id) if event.proposal_id else None
    if proposal is None or proposal.clause_id is None or not is_circulated(proposal):
        return {}  # not circulated: nobody outside its economy may hear of it
    clause_id = proposal.clause_id
    with_proposals = set(db.session.execute(
        select(Proposal.economy_id).where(Proposal.clause_id == clause_id,
                                          Proposal.id != proposal.id,
                                          Proposal.status.in_(OPEN_STATUSES))).scalars())
    with_positions = set(db.session.execute(
        select(Position.economy_id).where(Position.clause_id == clause_id)).scalars())
    concerned = (with_proposals | with_positions) - {proposal.economy_id}
    numbers = ClauseNumbers()
    number = numbers.of(clause_id)
    what = "deletion of" if proposal.action is ProposalAction.DELETE else "an amendment to"
    out = {}
    for user in _delegates(concerned):
        if not can_see_proposal(user, proposal):
            continue
        stake = ("an open proposal" if user.economy_id in with_proposals else "a position")
        out[user.id] = ("competing_proposal",
                        f"{proposal.economy.code} proposed {what} {number} "
                        f"({proposal.name}), where your economy has {stake}.",
                        f"/proposals/{proposal.id}")
    return out


def _silence_recipients(event: AuditEvent) -> dict[int, tuple[str, str, str]]:
    data = event_data(event)
    document = db.session.get(Document, event.document_id) if event.document_id else None
    if document is None:
        return {}
    deadline = data.get("deadline")
    until = ""
    if isinstance(deadline, str):
        try:
            moment = datetime.fromisoformat(deadline)
            until = f" until {local_time(moment, data.get('timezone') or 'UTC')}"
        except ValueError:
            until = ""
    out = {}
    for user_id, role in db.session.execute(
            select(User.id, User.role).where(User.active)).all():
        action = (" Break silence before then if your economy cannot accept the text."
                  if role is Role.DELEGATE else "")
        out[user_id] = ("silence_opened",
                        f"A silence procedure on “{document.title}” is open{until}.{action}",
                        f"/documents/{document.id}/workflow")
    return out


def _objection_message(event: AuditEvent, numbers: ClauseNumbers) -> tuple[str, str, str]:

    data = event_data(event)
    number = numbers.of(event.clause_id)
    if event.kind == "proposal.accepted":
        accepted = db.session.get(Proposal, event.proposal_id) if event.proposal_id else None
        what = f"{accepted.name if accepted else 'a proposal'} was accepted into it"
    elif event.kind == "clause.edited":
        what = "the secretariat edited its text"
    else:
        status = data.get("to_status") or data.get("to") or data.get("status")
        what = f"its status changed to “{_status_label(status)}”" if status else \
            "its status changed"
    return ("objected_clause_changed",
            f"{number}, to which your economy objects, changed: {what}.",
            f"/clauses/{event.clause_id}")


def _status_label(value) -> str:

    try:
        return ClauseStatus(value).label
    except ValueError:
        return str(value)


def _revision_message(event: AuditEvent) -> tuple[str, str]:

    data = event_data(event)
    document = db.session.get(Document, event.document_id) if event.document_id else None
    label = data.get("label")
    if not label and isinstance(data.get("number"), int):
        label = f"Rev.{data['number']}"
    if not label and document is not None:
        latest = db.session.execute(
            select(Revision.number).where(Revision.document_id == document.id)
            .order_by(Revision.number.desc()).limit(1)).scalar()
        label = f"Rev.{latest}" if latest else None
    title = f" of “{document.title}”" if document else ""
    note = f": {_clip(data['note'], 160)}" if data.get("note") else ""
    url = f"/documents/{document.id}" if document else ""
    return f"{label or 'A new revision'}{title} was issued{note}.", url


# --- the inbox -------------------------------------------------------------------------------

@dataclass
class InboxGroup:
    document: Document | None  # None: notifications about no document
    notifications: list[Notification]


@dataclass
class Inbox:
    notifications: list[Notification]
    page: int
    per_page: int
    total: int
    unread: int
    kind: str | None = None
    kinds: list[str] | None = None  # the kinds the user has notifications of, for the filter

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def groups(self) -> list[InboxGroup]:
        """The page's notifications grouped by document, the group with the newest first."""
        groups: dict[int | None, InboxGroup] = {}
        for notification in self.notifications:
            key = notification.document_id
            if key not in groups:
                document = db.session.get(Document, key) if key is not None else None
                groups[key] = InboxGroup(document, [])
            groups[key].notifications.append(notification)
        return list(groups.values())


def inbox(actor, page: int = 1, per_page: int = PAGE_SIZE, now: datetime | None = None,
          unread_only: bool = False, kind: str | None = None,
          with_due_reminders: bool = True) -> Inbox:
    """The actor's notifications, newest first; `kind` keeps one kind only (InvalidInput for
    a kind that does not exist). With `with_due_reminders`, the deadline reminders due and not
    yet stored by the scheduler's tick come first, as unread notifications without an id
    (reminders.due_reminders): reading writes nothing."""
    authorize(actor, Action.VIEW)
    if page < 1:
        raise InvalidInput("page must be 1 or more.", details={"field": "page"})
    if kind is not None and kind not in KIND_CODES:
        raise InvalidInput(f"Unknown kind of notification {kind[:40]!r}.",
                           details={"field": "kind"})
    due = due_reminders(actor, now) if with_due_reminders else []
    pending = [n for n in due if kind is None or n.kind == kind]
    mine = Notification.user_id == actor.id
    query = select(Notification).where(mine)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if kind is not None:
        query = query.where(Notification.kind == kind)
    total = len(pending) + db.session.execute(
        select(func.count()).select_from(query.with_only_columns(Notification.id).subquery())
    ).scalar_one()
    unread = len(due) + db.session.execute(select(func.count(Notification.id)).where(
        mine, Notification.read_at.is_(None))).scalar_one()
    offset = (page - 1) * per_page
    shown_pending = pending[offset:offset + per_page]
    items = shown_pending + list(db.session.execute(
        query.order_by(Notification.created_at.desc(), Notification.seq.desc())
        .limit(per_page - len(shown_pending)).offset(max(0, offset - len(pending)))).scalars())
    kinds = list(dict.fromkeys([n.kind for n in due] + list(db.session.execute(
        select(Notification.kind).where(mine).distinct()).scalars())))
    return Inbox(items, page, per_page, total, unread, kind, kinds)


def get_notification(actor, notification_id) -> Notification:
    """The actor's own notification; anyone else's is NotFound, as if it did not exist."""
    authorize(actor, Action.VIEW)
    key = whole_number(notification_id) or 0  # "１２" is no id
    notification = db.session.get(Notification, key) if 0 < key <= 2**31 - 1 else None
    if notification is None or notification.user_id != actor.id:
        raise NotFound(f"No notification with id {notification_id}.")
    return notification


def mark_read(actor, notification: Notification, now: datetime | None = None) -> Notification:
    if notification.user_id != actor.id:
        raise NotFound(f"No notification with id {notification.id}.")
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()
    return notification


def mark_all_read(actor, now: datetime | None = None) -> int:
    """Mark every unread notification of the actor read; return how many were."""
    authorize(actor, Action.VIEW)
    result = db.session.execute(
        update(Notification).where(Notification.user_id == actor.id,
                                   Notification.read_at.is_(None))
        .values(read_at=now or utcnow()).execution_options(synchronize_session="fetch"))
    db.session.flush()
    return result.rowcount or 0


def subscribe() -> None:
    """Inboxes follow the audit trail (called once by create_app; connecting twice is a no-op)."""
    event_recorded.connect(notify_for_event, weak=False)


__all__ = ["HANDLED_KINDS", "Inbox", "InboxGroup", "get_notification", "inbox", "mark_all_read",
           "mark_read", "notify_for_event", "subscribe"]
