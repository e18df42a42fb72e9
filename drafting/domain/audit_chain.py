"""The audit trail's hash chain: each event's hash covers its content and its predecessor."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS_HASH = "0" * 64

HASHED_FIELDS = (
    "occurred_at", "kind", "actor_username", "economy_code", "document_id", "clause_id",
    "proposal_id", "data", "remote_addr", "request_id",
)


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def event_hash(fields: Mapping[str, object], prev_hash: str) -> str:
    payload = canonical_json({**{k: fields.get(k) for k in HASHED_FIELDS}, "prev": prev_hash})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def payload_around_prev(fields: Mapping[str, object]) -> tuple[str, str]:
    """The hashed payload of an event split where its previous hash goes: (before, after),
    such that the SHA-256 of `before + prev_hash + after` (UTF-8) is `event_hash(fields,
    prev_hash)` for any prev_hash. So the content is serialised before the chain's head is
    known, and only the concatenation and the digest wait for it (done in the database,
    services/audit.py)."""
    marker = "\x00"  # never in canonical JSON: json.dumps escapes control characters
    payload = canonical_json({**{k: fields.get(k) for k in HASHED_FIELDS}, "prev": marker})
    before, found, after = payload.partition(canonical_json(marker))
    if not found:
        raise ValueError("the payload has no place for the previous hash")
    return before + '"', '"' + after


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(events: Iterable[tuple[int, Mapping[str, object], str, str]]) -> ChainBreak | None:
    """Check events given in id order as (id, fields, prev_hash, hash).

    Returns the first break: an event whose content no longer matches its hash (altered), or
    whose prev_hash is not its predecessor's hash (an event removed or inserted).
    """
    expected_prev = GENESIS_HASH
    for event_id, fields, prev_hash, stored_hash in events:
        if prev_hash != expected_prev:
            return ChainBreak(event_id, "previous hash does not match: an event before it was "
                                        "removed or altered")
        if event_hash(fields, prev_hash) != stored_hash:
            return ChainBreak(event_id, "content does not match its hash: the event was altered")
        expected_prev = stored_hash
    return None
