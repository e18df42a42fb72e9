"""The outgoing e-mail queue: taking what is due, and recording what became of it.

Rows are written by services/notification_preferences.enqueue_mail, in the transaction of
their notification. A sender (drafting/mailer.py, run by `flask send-mail`) takes one batch at a
time — one immediate message, or one user's due digest — sends it, records the outcome and
commits, so a message is marked sent in the database before the next is taken.

Two senders at once never take the same row:
- PostgreSQL: the batch's rows (and, for a digest, the user's settings row, which makes one
  sender the only one assembling that user's digest) are locked with
  SELECT … FOR UPDATE SKIP LOCKED: a second sender skips them and takes the next batch;
- SQLite has no row locks: taking a batch starts with an UPDATE of its rows, which takes the
  database's write lock, and the rows are then read again, so a second sender waits for the
  first one's commit and finds them done. That UPDATE also moves the rows' due time LEASE
  ahead, and the sender commits it before talking to the mail server: the database's single
  write lock is not held while a slow server answers (the lease keeps other senders off the
  rows meanwhile; a sender that dies leaves them to be taken again when it runs out).
A sender that dies between the mail server's acceptance and its commit leaves the batch to be
sent again (the Message-ID is the same both times, so mail clients can tell): at least once,
never twice while the database is up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from drafting.domain.notification_kinds import Delivery, retry_delay
from drafting.extensions import db
from drafting.models import Notification, NotificationSetting, OutgoingMail, User
from drafting.services.notification_preferences import delivery_of


@dataclass
class Batch:
    """What one e-mail carries: one notification, or a user's digest."""

    user: User
    email: str
    digest: bool
    rows: list[OutgoingMail]
    notifications: list[Notification] = field(default_factory=list)
    skipped: list[OutgoingMail] = field(default_factory=list)  # no longer to be sent

    @property
    def key(self) -> str:
        """Stable across retries: the Message-ID is built from it."""
        return ("digest-" if self.digest else "mail-") + "-".join(
            str(row.id) for row in self.rows[:1]) + f"-u{self.user.id}"


def _pending(now: datetime):
    return (OutgoingMail.outcome.is_(None), OutgoingMail.due_at <= now)


LEASE = timedelta(minutes=10)


def holds_rows_while_sending() -> bool:
    """Whether a taken batch stays locked until its outcome is committed (PostgreSQL's row
    locks); else (SQLite) the sender commits the taking first, under LEASE."""
    return db.session.get_bind().dialect.name == "postgresql"


def _take(ids: list[int], now: datetime) -> list[OutgoingMail]:
    """Count an attempt on these rows, then read back those this sender took (see the
    module's note on SQLite)."""
    if holds_rows_while_sending():
        values, taken = {}, OutgoingMail.due_at <= now  # locked by us since the SELECT
    else:
        values, taken = {"due_at": now + LEASE}, OutgoingMail.due_at == now + LEASE
    db.session.execute(
        update(OutgoingMail).where(OutgoingMail.id.in_(ids), *_pending(now))
        .values(attempts=OutgoingMail.attempts + 1, **values)
        .execution_options(synchronize_session=False))
    return list(db.session.execute(
        select(OutgoingMail).where(OutgoingMail.id.in_(ids), OutgoingMail.outcome.is_(None),
                                   taken)
        .order_by(OutgoingMail.id).execution_options(populate_existing=True)).scalars())


def next_immediate(now: datetime, passed: set[int]) -> Batch | None:
    """Take the oldest due immediate message not in `passed` (None: nothing left)."""
    while True:
        row_id = db.session.execute(
            select(OutgoingMail.id).where(~OutgoingMail.digest, *_pending(now),
                                          OutgoingMail.id.not_in(passed or {0}))
            .order_by(OutgoingMail.due_at, OutgoingMail.id).limit(1)
            .with_for_update(skip_locked=True)).scalar()
        if row_id is None:
            return None
        passed.add(row_id)
        rows = _take([row_id], now)
        if rows:
            return _batch(rows[0].user_id, rows, digest=False)
        db.session.rollback()  # another sender had it


def next_digest(now: datetime, passed: set[int]) -> Batch | None:
    """Take the due digest items of one user not in `passed` (None: nothing left)."""
    while True:
        user_id = db.session.execute(
            select(OutgoingMail.user_id).where(OutgoingMail.digest, *_pending(now),
                                               OutgoingMail.user_id.not_in(passed or {0}))
            .order_by(OutgoingMail.due_at, OutgoingMail.id).limit(1)).scalar()
        if user_id is None:
            return None
        passed.add(user_id)
        settings = db.session.execute(
            select(NotificationSetting.user_id).where(NotificationSetting.user_id == user_id)
            .with_for_update(skip_locked=True)).scalar()
        ids = list(db.session.execute(
            select(OutgoingMail.id).where(OutgoingMail.user_id == user_id,
                                          OutgoingMail.digest, *_pending(now))
            .with_for_update(skip_locked=True)).scalars()) if settings is not None else []
        rows = _take(ids, now) if ids else []
        if rows:
            return _batch(user_id, rows, digest=True)
        db.session.rollback()  # another sender is assembling this digest


def _batch(user_id: int, rows: list[OutgoingMail], *, digest: bool) -> Batch:
    user = db.session.get(User, user_id)
    setting = db.session.get(NotificationSetting, user_id)
    batch = Batch(user=user, email=setting.email if setting else "", digest=digest, rows=[])
    for row in rows:
        notification = row.notification
        # Sent only while still wanted: not after an unsubscribe, nor to a deactivated account.
        if (not user.active or not batch.email
                or delivery_of(user.id, notification.kind) is Delivery.APP):
            batch.skipped.append(row)
        else:
            batch.rows.append(row)
            batch.notifications.append(notification)
    return batch


def record_skipped(batch: Batch, now: datetime) -> None:
    for row in batch.skipped:
        row.outcome, row.done_at = "skipped", now
    db.session.flush()


def record_sent(batch: Batch, now: datetime) -> None:
    for row in batch.rows:
        row.outcome, row.done_at, row.last_error = "sent", now, ""
    record_skipped(batch, now)


def record_failure(batch: Batch, error: str, now: datetime) -> bool:
    """Note the refusal; the rows wait for their next try, or are given up. Returns whether
    they will be tried again."""
    again = True
    for row in batch.rows:
        delay = retry_delay(row.attempts)
        row.last_error = error[:1000]
        if delay is None:
            row.outcome, row.done_at, again = "failed", now, False
        else:
            row.due_at = now + delay
    record_skipped(batch, now)
    return again


__all__ = ["Batch", "next_digest", "next_immediate", "record_failure", "record_sent",
           "record_skipped"]
