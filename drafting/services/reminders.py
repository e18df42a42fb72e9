"""Deadline reminders and the unread count shown in every page's header.

A submission round or silence procedure closing within 24 hours is a notification for every
delegate and secretariat member who has not had it yet. Reminders are stored by `flask tick`
(`remind_everyone`, which make serve's scheduler runs every minute), once per user and deadline
(a unique `dedupe_key`). Reads never write: until the tick has stored them, the inbox page
shows the reminders due (`due_reminders`, objects never added to the session) and the unread
count counts them, so the header's number does not change when the tick stores them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import String, bindparam, cast, exists, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from drafting.domain.states import Role, SilenceStatus
from drafting.extensions import db
from drafting.models import Document, Notification, SilenceProcedure, SubmissionRound, User
from drafting.models.types import utcnow
from drafting.services.notification_preferences import enqueue_mail

REMINDER_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class _Due:
    key: str
    kind: str
    message: str
    url: str
    document_id: int


def _reminded(kind: str, id_column, user_id):
    """SQL: a reminder of this deadline was already stored for the user (`user_id` a value or
    a bound parameter)."""
    key = literal(f"deadline:{kind}:") + cast(id_column, String) + literal(":") \
        + cast(user_id, String)
    return exists().where(Notification.dedupe_key == key)


def _takes_part(user) -> bool:
    return user is not None and getattr(user, "is_active", False) and \
        user.role in (Role.DELEGATE, Role.SECRETARIAT)


def _due_rounds(user_id, now, horizon):
    """Newest rounds closing in (now, horizon] not yet reminded to the user (values or bound
    parameters)."""
    newer = aliased(SubmissionRound)
    latest = select(func.max(newer.id)).where(
        newer.document_id == SubmissionRound.document_id).scalar_subquery()
    return select(SubmissionRound).where(
        SubmissionRound.deadline > now, SubmissionRound.deadline <= horizon,
        SubmissionRound.id == latest,
        ~_reminded("round", SubmissionRound.id, user_id))


def _due_silences(user_id, now, horizon):
    return select(SilenceProcedure).where(
        SilenceProcedure.status == SilenceStatus.RUNNING,
        SilenceProcedure.deadline > now, SilenceProcedure.deadline <= horizon,
        ~_reminded("silence", SilenceProcedure.id, user_id))


def local_time(moment: datetime, zone: str) -> str:
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError):
        local, zone = moment, "UTC"
    return f"{local:%d %B %Y, %H:%M} ({zone})"


def due_reminders(user, now: datetime | None = None) -> list[Notification]:
    """The reminders of deadlines closing within 24 hours that `user` has not had yet, as
    notifications not stored (never added to the session: reading them writes nothing).

    Delegates and the secretariat are reminded (they are the ones who act on deadlines)."""
    if not _takes_part(user):
        return []
    now = now or utcnow()
    due: list[_Due] = []
    for round_ in db.session.execute(_due_rounds(user.id, now, now + REMINDER_WINDOW)).scalars():
        document = db.session.get(Document, round_.document_id)
        due.append(_Due(
            f"deadline:round:{round_.id}:{user.id}", "deadline_round",
            f"The submission round on “{document.title}” closes within 24 hours, on "
            f"{local_time(round_.deadline, round_.timezone)}: proposals are refused after that.",
            f"/documents/{document.id}", document.id))
    for procedure in db.session.execute(
            _due_silences(user.id, now, now + REMINDER_WINDOW)).scalars():
        document = db.session.get(Document, procedure.document_id)
        action = " Break silence before then if your economy cannot accept the text." \
            if user.role is Role.DELEGATE else ""
        due.append(_Due(
            f"deadline:silence:{procedure.id}:{user.id}", "deadline_silence",
            f"The silence procedure on “{document.title}” ends within 24 hours, on "
            f"{local_time(procedure.deadline, procedure.timezone)}.{action}",
            f"/documents/{document.id}", document.id))
    return [Notification(user_id=user.id, kind=item.kind, message=item.message, url=item.url,
                         document_id=item.document_id, dedupe_key=item.key, created_at=now)
            for item in due]


def remind_deadlines(user, now: datetime | None = None) -> list[Notification]:
    """Store `due_reminders(user)`. Each is stored once per user and deadline: `dedupe_key`
    is "deadline:{round|silence}:{id}:{user_id}", unique in the table, so a process racing
    this one cannot store it twice either."""
    stored = []
    for notification in due_reminders(user, now):
        try:
            with db.session.begin_nested():
                db.session.add(notification)
                db.session.flush()
        except IntegrityError:
            continue  # another request stored this very reminder a moment ago
        stored.append(notification)
    enqueue_mail(stored)
    return stored


def remind_everyone(now: datetime | None = None) -> list[Notification]:
    """`remind_deadlines` for every active delegate and secretariat member who has a deadline
    due and not yet reminded (the `flask tick` command: so that a reminder, and its e-mail,
    does not wait for the user to open their inbox). Costs two queries when nothing is due."""
    now = now or utcnow()
    horizon = now + REMINDER_WINDOW
    if not (db.session.execute(select(
            _due_rounds(-1, now, horizon).exists() | _due_silences(-1, now, horizon).exists()
    )).scalar()):
        return []
    stored = []
    for user in db.session.execute(
            select(User).where(User.active, User.role.in_((Role.DELEGATE, Role.SECRETARIAT)))
            .order_by(User.id)).scalars():
        stored += remind_deadlines(user, now)
    return stored


# The header shows the unread count on every page, so its statement is built once per
# process with bound parameters: building it (subqueries, aliases) cost more CPU than running it.
_UNREAD_STATEMENTS: dict[bool, object] = {}


def _unread_statement(with_reminders: bool):
    statement = _UNREAD_STATEMENTS.get(with_reminders)
    if statement is None:
        user_id = bindparam("unread_user_id")
        total = select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery()
        if with_reminders:
            now, horizon = bindparam("unread_now"), bindparam("unread_horizon")
            for query in (_due_rounds(user_id, now, horizon),
                          _due_silences(user_id, now, horizon)):
                total = total + select(func.count()).select_from(query.subquery()) \
                    .scalar_subquery()
        statement = _UNREAD_STATEMENTS.setdefault(with_reminders, select(total))
    return statement


def unread_count_query(user, now: datetime | None = None) -> tuple[object, dict]:
    """(statement, parameters) of `unread_count` for an authenticated user: the statement is
    built once per process and selects one column, so a caller may fold it, as a scalar
    subquery, into a statement of its own (one round trip for several small look-ups)."""
    params = {"unread_user_id": user.id}
    with_reminders = _takes_part(user)
    if with_reminders:
        now = now or utcnow()
        params.update(unread_now=now, unread_horizon=now + REMINDER_WINDOW)
    return _unread_statement(with_reminders), params


def unread_count(user, now: datetime | None = None) -> int:
    """Unread notifications, reminders about to be made included. One query, writes nothing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    statement, params = unread_count_query(user, now)
    return db.session.execute(statement, params).scalar_one()
