"""What people call a proposal.

Row ids are random (models/hidden_order.py) and mean nothing to a delegate, so pages, messages
and notices name a proposal by its public number in its document ("proposal #12"), given at
the moment everyone may first see it: circulated, or entered into the text
(services/proposal_numbers.py). Numbers count only what everyone sees, so they reveal
nothing about drafts or uncirculated proposals.

Before that moment only its own economy and the secretariat see it, and it has no number: it
is named by its economy and the time it was saved or submitted ("AUS draft of 7 Dec 14:05
UTC"), which everyone who sees it also sees on its page.
"""
from __future__ import annotations

from datetime import datetime


def proposal_name(number: int | None, economy_code: str, is_draft: bool,
                  at: datetime | None) -> str:
    """A noun phrase for a sentence: "proposal #12", "AUS draft of 7 Dec 14:05 UTC", "AUS
    proposal of 7 Dec 14:05 UTC (not yet circulated)"."""
    if number is not None:
        return f"proposal #{number}"
    return _unnumbered(economy_code, is_draft, at)


def _unnumbered(economy_code: str, is_draft: bool, at: datetime | None) -> str:
    kind = "draft" if is_draft else "proposal"
    when = f" of {at.day} {at:%b %H:%M} UTC" if at is not None else ""
    tail = "" if is_draft else " (not yet circulated)"
    return f"{economy_code} {kind}{when}{tail}"


def capitalised(phrase: str) -> str:
    """`phrase` opening a sentence: its first letter upper-case, the rest as it is."""
    return phrase[:1].upper() + phrase[1:]


def proposal_short_name(number: int | None, is_draft: bool, at: datetime | None) -> str:
    """For a place that shows the economy already (a card's header, a table row): "#12",
    "Draft of 7 Dec 14:05 UTC", "Submitted 7 Dec 14:05 UTC"."""
    if number is not None:
        return f"#{number}"
    when = f" {at.day} {at:%b %H:%M} UTC" if at is not None else ""
    return f"Draft of{when}" if is_draft else f"Submitted{when}"
