"""The words of the "since your last visit" digest. Pure: counts in, sentence parts out."""
from __future__ import annotations

from datetime import datetime, timezone


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def since_label(moment: datetime) -> str:
    """"Tuesday 1 December, 17:05 UTC": absolute, so the same page reads the same tomorrow."""
    moment = moment.astimezone(timezone.utc)
    return f"{moment:%A} {moment.day} {moment:%B}, {moment:%H:%M} UTC"


def digest_parts(*, text_changes: int, status_changes: int, proposals: int, comments: int,
                 decisions_on_yours: int, other_decisions: int) -> list[str]:
    """["3 paragraphs changed", "5 new proposals", "2 decisions on your proposals"]: only the
    kinds that happened, in the order a delegate reads them."""
    parts = []
    if text_changes:
        parts.append(_count(text_changes, "paragraph") + " changed")
    if status_changes:
        parts.append(_count(status_changes, "status change"))
    if proposals:
        parts.append(_count(proposals, "new proposal"))
    if comments:
        parts.append(_count(comments, "new comment"))
    if decisions_on_yours:
        parts.append(_count(decisions_on_yours, "decision") + " on your proposals")
    if other_decisions:
        parts.append(_count(other_decisions, "other decision" if decisions_on_yours
                            else "decision"))
    return parts
