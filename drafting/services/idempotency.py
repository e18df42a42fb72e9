"""Idempotency keys for API writes (the Idempotency-Key header, as Stripe and the IETF
httpapi draft define it): a retry of a POST with the same key and the same body gets the
first answer back, never a second write.

The record is added to the request's session before the view runs, so it commits with the
write or not at all: a key exists exactly when its write does. The answer is stored after
the view, in a second commit; if that one fails (the database went away after the write
committed), a retry is told the write happened but its answer was not kept (409), so it is
never done twice.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from drafting.domain.errors import Conflict, InvalidInput
from drafting.extensions import db
from drafting.models import IdempotencyRecord
from drafting.models.types import utcnow

# How long a key is remembered. A retry after that is a new request.
WINDOW = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    content_type: str
    location: str | None
    body: str


def checked_key(raw: str) -> str:
    """The key as sent: 1 to 255 visible ASCII characters (a UUID is the usual choice)."""
    if not raw or len(raw) > MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in raw):
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII "
                           "characters (for example a UUID).", code="invalid_idempotency_key")
    return raw


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def begin(user, key: str, method: str, path: str, body: bytes,
          now: datetime | None = None) -> IdempotencyRecord | StoredAnswer:
    """Claim `key` for this request (a new record in the session), or return the answer a
    finished earlier request with the same key and body got.

    Refused: the key used with another method, path or body (422 idempotency_key_reused);
    the earlier request's write committed but its answer was not kept, or it is still
    running (409 idempotency_key_unfinished)."""
    now = now or utcnow()
    fingerprint = request_fingerprint(method, path, body)
    # Keys of this user older than the window are forgotten (a few rows at most).
    db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user.id, IdempotencyRecord.created_at < now - WINDOW))
    earlier = db.session.execute(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key)).scalar_one_or_none()
    if earlier is None:
        record = IdempotencyRecord(user_id=user.id, key=key, method=method, path=path[:2048],
                                   request_sha256=fingerprint, created_at=now)
        db.session.add(record)
        return record
    if earlier.request_sha256 != fingerprint:
        raise InvalidInput("This Idempotency-Key was already used for a different request "
                           f"({earlier.method} {earlier.path}); use a new key for a new "
                           "request.", code="idempotency_key_reused")
    if earlier.status_code is None:
        raise Conflict("The request first sent with this Idempotency-Key was carried out, but "
                       "its answer was not kept: read the resource to see its result; do not "
                       "send it again.", code="idempotency_key_unfinished")
    return StoredAnswer(earlier.status_code, earlier.content_type or "application/json",
                        earlier.location, earlier.response_body or "")


def keep_answer(record: IdempotencyRecord, status_code: int, content_type: str,
                location: str | None, body: str) -> None:
    record.status_code = status_code
    record.content_type = content_type[:200]
    record.location = location[:2048] if location else None
    record.response_body = body


__all__ = ["MAX_KEY_LENGTH", "StoredAnswer", "WINDOW", "begin", "checked_key", "keep_answer",
           "request_fingerprint"]
