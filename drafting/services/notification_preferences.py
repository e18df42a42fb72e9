"""How each user wants each kind of notification: in the app only, by e-mail at once, or in a
daily digest — and the e-mail queue filled from those choices.

`enqueue_mail` is called by services/notifications.py for every notification it stores (from
an audit event or a deadline reminder), in the same transaction: an e-mail is queued exactly
when its notification exists, and never for a notification the inbox would not show. The
notification's text is what the e-mail says, so an e-mail tells nothing the inbox does not.

A user's own choices are their bookkeeping, not a change of the negotiation: not audited.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from drafting.domain.errors import InvalidInput
from drafting.domain.notification_kinds import (DEFAULT_DELIVERY, DEFAULT_DIGEST_HOUR, KINDS,
                                                KIND_CODES, Delivery, next_digest_at,
                                                valid_zone)
from drafting.domain.text_rules import clean_text
from drafting.extensions import db
from drafting.models import (Notification, NotificationPreference, NotificationSetting,
                             OutgoingMail)
from drafting.models.types import utcnow
from drafting.services.policy import Action, authorize

# Deliberately plain: one "@", no spaces or angle brackets, a dot in the domain. The mail
# server is the judge of the rest; this catches typing slips and header injection.
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")


@dataclass
class Preferences:
    email: str
    digest_hour: int
    timezone: str
    deliveries: dict[str, Delivery]  # every kind code → its delivery


def preferences_of(user) -> Preferences:
    """The user's choices, defaults filled in (no e-mail, everything in the app only)."""
    setting = db.session.get(NotificationSetting, user.id)
    chosen = dict(db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.delivery)
        .where(NotificationPreference.user_id == user.id)).all())
    deliveries = {}
    for kind in KINDS:
        try:
            deliveries[kind.code] = Delivery(chosen.get(kind.code, DEFAULT_DELIVERY.value))
        except ValueError:
            deliveries[kind.code] = DEFAULT_DELIVERY
    return Preferences(email=setting.email if setting else "",
                       digest_hour=setting.digest_hour if setting else DEFAULT_DIGEST_HOUR,
                       timezone=setting.timezone if setting else "UTC", deliveries=deliveries)


def _checked_email(value) -> str:
    email = clean_text(value if isinstance(value, str) else "", field="email", max_chars=254,
                       required=False).strip()
    if email and not _EMAIL.fullmatch(email):
        raise InvalidInput("Enter an e-mail address such as name@example.org, or leave it "
                           "empty.", details={"field": "email"})
    return email


def _checked_hour(value) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 <= value <= 23:
        raise InvalidInput("The digest hour must be a whole hour from 0 to 23.",
                           details={"field": "digest_hour"})
    return value


def _checked_zone(value) -> str:
    zone = value.strip() if isinstance(value, str) else ""
    if not zone or len(zone) > 64 or not valid_zone(zone):
        raise InvalidInput("The time zone must be an IANA name such as Asia/Bangkok or UTC.",
                           details={"field": "timezone"})
    return zone


def _checked_deliveries(values) -> dict[str, Delivery]:
    if not isinstance(values, dict):
        raise InvalidInput("deliveries must map kinds of notification to app, immediate or "
                           "digest.", details={"field": "deliveries"})
    out = {}
    for kind, value in values.items():
        if kind not in KIND_CODES:
            raise InvalidInput(f"Unknown kind of notification {str(kind)[:40]!r}.",
                               details={"field": "deliveries"})
        try:
            out[kind] = Delivery(value)
        except ValueError:
            raise InvalidInput(f"The delivery of {kind} must be app, immediate or digest.",
                               details={"field": f"delivery-{kind}"}) from None
    return out


def save_preferences(actor, *, email=None, digest_hour=None, timezone=None,
                     deliveries: dict | None = None, now: datetime | None = None
                     ) -> Preferences:
    """Change the actor's own choices (fields left None are kept). Everything is checked
    before anything changes: bad input raises InvalidInput and changes nothing. Pending digest
    e-mail moves to the new hour."""
    authorize(actor, Action.VIEW)
    current = preferences_of(actor)
    new_email = current.email if email is None else _checked_email(email)
    new_hour = current.digest_hour if digest_hour is None else _checked_hour(digest_hour)
    new_zone = current.timezone if timezone is None else _checked_zone(timezone)
    new_deliveries = {} if deliveries is None else _checked_deliveries(deliveries)

    setting = db.session.get(NotificationSetting, actor.id)
    if setting is None:
        setting = NotificationSetting(user_id=actor.id)
        db.session.add(setting)
    moved = (new_hour, new_zone) != (current.digest_hour, current.timezone)
    setting.email, setting.digest_hour, setting.timezone = new_email, new_hour, new_zone
    for kind, delivery in new_deliveries.items():
        _set_delivery(actor.id, kind, delivery)
    db.session.flush()
    if moved:
        _move_pending_digests(actor.id, new_hour, new_zone, now or utcnow())
    return preferences_of(actor)


def _set_delivery(user_id: int, kind: str, delivery: Delivery) -> None:
    row = db.session.get(NotificationPreference, (user_id, kind))
    if delivery is DEFAULT_DELIVERY:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(NotificationPreference(user_id=user_id, kind=kind,
                                              delivery=delivery.value))
    else:
        row.delivery = delivery.value


def _move_pending_digests(user_id: int, hour: int, zone: str, now: datetime) -> None:
    db.session.execute(
        update(OutgoingMail).where(OutgoingMail.user_id == user_id, OutgoingMail.digest,
                                   OutgoingMail.outcome.is_(None))
        .values(due_at=next_digest_at(now, hour, zone))
        .execution_options(synchronize_session=False))


def stop_mail(user_id: int, kinds) -> list[str]:
    """Set these kinds to "in the app only" for the user (an unsubscribe link; the link's
    signature is the authority, checked by the web layer). Returns the kinds changed."""
    changed = []
    for kind in kinds:
        if kind in KIND_CODES and db.session.get(NotificationPreference, (user_id, kind)):
            changed.append(kind)
    if changed:
        db.session.execute(delete(NotificationPreference).where(
            NotificationPreference.user_id == user_id,
            NotificationPreference.kind.in_(changed)))
        db.session.flush()
    return changed


def delivery_of(user_id: int, kind: str) -> Delivery:
    row = db.session.get(NotificationPreference, (user_id, kind))
    try:
        return Delivery(row.delivery) if row else DEFAULT_DELIVERY
    except ValueError:
        return DEFAULT_DELIVERY


# --- the queue -------------------------------------------------------------------------------

def enqueue_mail(notifications: list[Notification]) -> list[OutgoingMail]:
    """Queue the e-mail the recipients of `notifications` asked for (one query when nobody
    did), in the caller's transaction."""
    if not notifications:
        return []
    user_ids = {n.user_id for n in notifications}
    kinds = {n.kind for n in notifications}
    wanted = {(user_id, kind): delivery for user_id, kind, delivery, _email in db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind,
               NotificationPreference.delivery, NotificationSetting.email)
        .join(NotificationSetting,
              NotificationSetting.user_id == NotificationPreference.user_id)
        .where(NotificationPreference.user_id.in_(user_ids),
               NotificationPreference.kind.in_(kinds),
               NotificationPreference.delivery != Delivery.APP.value,
               NotificationSetting.email != "")).all()}
    if not wanted:
        return []
    settings = {s.user_id: s for s in db.session.execute(
        select(NotificationSetting).where(
            NotificationSetting.user_id.in_({u for u, _ in wanted}))).scalars()}
    queued = []
    for notification in notifications:
        delivery = wanted.get((notification.user_id, notification.kind))
        if delivery is None:
            continue
        created = notification.created_at or utcnow()
        if delivery == Delivery.DIGEST.value:
            setting = settings[notification.user_id]
            due, digest = next_digest_at(created, setting.digest_hour, setting.timezone), True
        else:
            due, digest = created, False
        queued.append(OutgoingMail(user_id=notification.user_id,
                                   notification_id=notification.id, digest=digest,
                                   created_at=created, due_at=due, attempts=0,
                                   last_error=""))
    if queued:
        db.session.add_all(queued)
        db.session.flush()
    return queued


__all__ = ["Preferences", "delivery_of", "enqueue_mail", "preferences_of", "save_preferences",
           "stop_mail"]
