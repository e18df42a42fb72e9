"""E-mail: SMTP from the environment, the messages, the sending job and the scheduler.

- Settings (environment, read in drafting/config.py): MAIL_SERVER (none: nothing is sent and
  the queue waits), MAIL_PORT (25), MAIL_USE_TLS (1: STARTTLS), MAIL_USE_SSL (1: TLS from the
  start, port 465), MAIL_USERNAME and MAIL_PASSWORD (login when set), MAIL_DEFAULT_SENDER
  (the From address), PUBLIC_URL (the site's address, for the links in a message).
- `send_due_mail` is `flask send-mail`: it takes one batch at a time from the queue
  (services/mail_queue.py: one immediate notification, or one user's due digest), builds the
  message, hands it to the mail server and commits the outcome before taking the next one.
  A refusal is retried later (1 min, 5 min, 30 min, 2 h), then given up and logged.
- `tick` is `flask tick`: the time-driven work — silence procedures past their deadline are
  settled, and reminders of deadlines within 24 hours are stored (and their e-mail queued).
- `run_scheduler` is `flask scheduler`: tick and send-mail every SCHEDULER_INTERVAL seconds
  (60), until its parent process ends (how `make serve` runs it beside gunicorn).

A message says exactly what the notification in the inbox says, with a link to the place, and
one unsubscribe link per kind: a signed token (the app's secret key) naming the user and the
kinds, which sets them to "in the app only" without logging in (web/mail.py).

This module commits (each batch, each tick): it is a job, like the CLI commands, not a service.
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, make_msgid
from typing import Callable

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from drafting.domain.notification_kinds import KIND_CODES, kind_label
from drafting.extensions import db
from drafting.models import Document
from drafting.models.types import utcnow
from drafting.services import mail_queue

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "drafting.unsubscribe"


# --- settings and the SMTP connection ----------------------------------------------------------

@dataclass(frozen=True)
class SmtpSettings:
    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str
    password: str
    sender: str
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        return cls(server=config.get("MAIL_SERVER") or "",
                   port=int(config.get("MAIL_PORT") or 25),
                   use_tls=bool(config.get("MAIL_USE_TLS")),
                   use_ssl=bool(config.get("MAIL_USE_SSL")),
                   username=config.get("MAIL_USERNAME") or "",
                   password=config.get("MAIL_PASSWORD") or "",
                   sender=config.get("MAIL_DEFAULT_SENDER") or "drafting@localhost",
                   timeout=float(config.get("MAIL_TIMEOUT") or 30))


class SmtpTransport:
    """One SMTP connection for a run of the job, opened for the first message."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.use_ssl:
            smtp = smtplib.SMTP_SSL(s.server, s.port, timeout=s.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
            if s.use_tls:
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password)
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException):
            self.close()  # the next message opens a fresh connection
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None


# --- unsubscribe tokens ------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kinds) -> str:
    return _serializer().dumps({"u": user_id, "k": sorted(set(kinds))})


def read_unsubscribe_token(token: str) -> tuple[int, list[str]] | None:
    """(user id, kinds) of a genuine token; None for anything else."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) \
            or not isinstance(data.get("k"), list):
        return None
    kinds = [k for k in data["k"] if isinstance(k, str) and k in KIND_CODES]
    return (data["u"], kinds) if kinds else None


# --- the messages --------------------------------------------------------------------------------

def _public_url() -> str:
    return (current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")


def compose(batch: mail_queue.Batch, settings: SmtpSettings, now: datetime) -> EmailMessage:
    """The e-mail of a batch: plain text and HTML, grouped by document in a digest."""
    base = _public_url()
    groups: dict[int | None, list] = {}
    for notification in batch.notifications:
        groups.setdefault(notification.document_id, []).append(notification)
    sections = []
    for document_id, notifications in groups.items():
        document = db.session.get(Document, document_id) if document_id else None
        sections.append({
            "title": document.title if document else "General",
            "items": [{"kind": kind_label(n.kind), "message": n.message,
                       "url": base + n.url if n.url else base + "/notifications",
                       "at": n.created_at} for n in notifications]})
    kinds = sorted({n.kind for n in batch.notifications})
    def unsubscribe_url(chosen) -> str:
        return f"{base}/notifications/unsubscribe/{unsubscribe_token(batch.user.id, chosen)}"

    unsubscribe = [{"kind": kind_label(kind), "url": unsubscribe_url([kind])} for kind in kinds]
    all_kinds_url = unsubscribe_url(kinds)
    if batch.digest:
        count = len(batch.notifications)
        subject = f"Your daily digest: {count} notification{'' if count == 1 else 's'}"
    else:
        first = batch.notifications[0]
        subject = f"{kind_label(first.kind)} — {sections[0]['title']}"
    context = {"user": batch.user, "digest": batch.digest, "sections": sections,
               "unsubscribe": unsubscribe, "preferences_url": f"{base}/account/notifications",
               "inbox_url": f"{base}/notifications", "subject": subject}
    env = current_app.jinja_env
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = formataddr((batch.user.display_name, batch.email))
    message["Date"] = format_datetime(now)
    domain = settings.sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{batch.key}@{domain}>" if domain else make_msgid()
    message["Auto-Submitted"] = "auto-generated"
    # RFC 8058: a mail client's own "Unsubscribe" button POSTs here, in one click.
    message["List-Unsubscribe"] = f"<{all_kinds_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(env.get_template("mail/notifications.txt").render(context))
    message.add_alternative(env.get_template("mail/notifications.html").render(context),
                            subtype="html")
    return message


# --- the job ----------------------------------------------------------------------------------

# Refusals of one message; any other error (no connection, a login refused, a dropped line)
# ends the run, since the next message would meet it too.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                  smtplib.SMTPDataError)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (f"{self.sent} sent, {self.retrying} to retry, {self.failed} given up, "
                f"{self.skipped} no longer wanted")


def send_due_mail(deliver: Callable[[EmailMessage], None] | None = None,
                  now: datetime | None = None, limit: int = 500) -> SendReport:
    """Send every due message (at most `limit` batches), committing after each."""
    settings = SmtpSettings.from_config(current_app.config)
    report = SendReport()
    transport = None
    if deliver is None:
        if not settings.server:
            return report
        transport = SmtpTransport(settings)
        deliver = transport.send
    now = now or utcnow()
    passed_mail: set[int] = set()
    passed_users: set[int] = set()
    try:
        for _ in range(limit):
            batch = (mail_queue.next_immediate(now, passed_mail)
                     or mail_queue.next_digest(now, passed_users))
            if batch is None:
                break
            report.skipped += len(batch.skipped)
            if not batch.rows:
                mail_queue.record_skipped(batch, now)
                db.session.commit()
                continue
            if not mail_queue.holds_rows_while_sending():
                db.session.commit()  # SQLite: the lease is taken, the write lock released
            try:
                deliver(compose(batch, settings, now))
            except OSError as error:  # smtplib's errors are OSErrors too
                again = mail_queue.record_failure(batch, f"{type(error).__name__}: {error}", now)
                db.session.commit()
                if again:
                    report.retrying += 1
                else:
                    report.failed += 1
                    log.error("mail given up", extra={"batch": batch.key, "error": str(error)})
                if not isinstance(error, MESSAGE_ERRORS):
                    break  # the server is unreachable or unwell: the next run tries again
                continue
            mail_queue.record_sent(batch, now)
            db.session.commit()
            report.sent += 1
    finally:
        db.session.rollback()
        if transport is not None:
            transport.close()
    return report


def tick(now: datetime | None = None) -> dict[str, int]:
    """The time-driven work: settle expired silence procedures, store due deadline reminders
    (queueing their e-mail). One commit."""
    from drafting.services import reminders, settling

    now = now or utcnow()
    settled = settling.settle_expired_silences(now)
    reminded = reminders.remind_everyone(now)
    db.session.commit()
    return {"silences_settled": len(settled), "reminders": len(reminded)}


def run_scheduler(interval: float, *, cycles: int | None = None,
                  sleep: Callable[[float], None] = time.sleep,
                  parent_pid: int | None = None) -> int:
    """Tick and send mail every `interval` seconds, for `cycles` rounds (None: until the
    parent process, `parent_pid`, is gone: checked every second, so the scheduler ends with
    the server that started it). A round that fails is logged and the next one runs.
    Returns the number of rounds run."""
    parent_pid = os.getppid() if parent_pid is None else parent_pid

    def parent_gone() -> bool:
        return parent_pid > 1 and os.getppid() != parent_pid

    rounds = 0
    while cycles is None or rounds < cycles:
        if parent_gone():
            break
        try:
            ticked = tick()
            report = send_due_mail()
            if report.sent or report.failed or report.retrying or any(ticked.values()):
                log.info("scheduler round", extra={"tick": ticked, "mail": str(report)})
        except Exception:  # noqa: BLE001 - one bad round must not stop the scheduler
            db.session.rollback()
            log.exception("scheduler round failed")
        finally:
            db.session.remove()  # no connection held while it sleeps
        rounds += 1
        if cycles is not None and rounds >= cycles:
            break
        waited = 0.0
        while waited < interval and not parent_gone():
            step = min(1.0, interval - waited)
            sleep(step)
            waited += step
    if parent_gone():
        log.info("scheduler stopping: the process that started it ended")
    return rounds


__all__ = ["SendReport", "SmtpSettings", "SmtpTransport", "compose", "read_unsubscribe_token",
           "run_scheduler", "send_due_mail", "tick", "unsubscribe_token"]
