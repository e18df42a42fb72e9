"""The kinds of notification, how each user may have them delivered, and when mail is due.

Pure rules, no database: the catalogue of kinds (the inbox filter, the preferences page and
the API all list it), the three ways of delivery, the moment of a user's next daily digest,
and the retry schedule of a message the mail server refused.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Delivery(str, enum.Enum):
    APP = "app"  # in the inbox only
    IMMEDIATE = "immediate"  # in the inbox and by e-mail at once
    DIGEST = "digest"  # in the inbox and in one e-mail a day, at the user's hour

    @property
    def label(self) -> str:
        return {"app": "In the app only", "immediate": "E-mail at once",
                "digest": "Daily digest"}[self.value]


# Nobody is sent e-mail they did not ask for.
DEFAULT_DELIVERY = Delivery.APP
DEFAULT_DIGEST_HOUR = 8


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # what the preferences page, the inbox filter and the e-mail subject say


# In the order the preferences page lists them: what happens to my economy's proposals first,
# then the text, then deadlines.
KINDS: tuple[Kind, ...] = (
    Kind("proposal_cosponsored", "An economy co-sponsors your economy's proposal"),
    Kind("proposal_commented", "A comment on your economy's proposal"),
    Kind("comment_reply", "A reply to your comment"),
    Kind("competing_proposal", "A competing proposal on a clause your economy follows"),
    Kind("proposal_decided", "A decision on your economy's proposal"),
    Kind("proposal_rebased", "Your economy's proposal updated onto a changed clause"),
    Kind("proposal_conflict", "Your economy's proposal in conflict with a changed clause"),
    Kind("proposal_superseded", "Your economy's proposal superseded"),
    Kind("objected_clause_changed", "A change to a clause your economy objects to"),
    Kind("position_stale", "Your economy's position to review after a change"),
    Kind("revision_issued", "A new revision"),
    Kind("silence_opened", "A silence procedure opened"),
    Kind("deadline_round", "A submission round closing within 24 hours"),
    Kind("deadline_silence", "A silence procedure ending within 24 hours"),
)
KIND_CODES = frozenset(kind.code for kind in KINDS)
KIND_LABELS = {kind.code: kind.label for kind in KINDS}


def kind_label(code: str) -> str:
    return KIND_LABELS.get(code, code.replace("_", " ").capitalize())


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def next_digest_at(after: datetime, hour: int, zone: str) -> datetime:
    """The first moment strictly after `after` at `hour`:00 in `zone` (a zone that cannot be
    read counts as UTC), in UTC. Across a change of clocks the hour is taken as the zone
    reads it on that day (a skipped hour falls one hour later)."""
    tz = ZoneInfo(zone) if valid_zone(zone) else timezone.utc
    local = after.astimezone(tz)
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    while candidate.astimezone(timezone.utc) <= after:
        candidate = (candidate + timedelta(days=1)).replace(hour=hour)
    return candidate.astimezone(timezone.utc)


# After the n-th refusal (1-based) a message waits RETRY_DELAYS[n-1] before the next try; after
# the last one it is given up (and stays in the queue, marked failed, for the log).
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed tries (None: give up)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return RETRY_DELAYS[max(attempts, 1) - 1]


__all__ = ["DEFAULT_DELIVERY", "DEFAULT_DIGEST_HOUR", "Delivery", "KINDS", "KIND_CODES",
           "KIND_LABELS", "Kind", "MAX_ATTEMPTS", "kind_label", "next_digest_at",
           "retry_delay", "valid_zone"]
