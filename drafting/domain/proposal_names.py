"""What people call a proposal.

Row ids are random (models/hidden_order.py) and mean nothing to a delegate, so pages, messages
and notices name a proposal by its public number in its document ("proposal #12"), given at
the moment everyone may first see it: circulated, or entered into the text
(services/proposal_numbers.py). Numbers count only what everyone sees, so they reveal
nothing about drafts or uncirculated proposals.

Before that moment only its own economy and the secretariat see it, and it has no number: it
is named by its economy and the time it was first saved ("AUS draft of 7 Dec 14:05 UTC"),
which everyone who sees it also sees on its page.
"""
from __future__ import annotations

from datetime import datetime


# What a proposal without a number is: its economy's draft, submitted and waiting for
# circulation, or closed (withdrawn, rejected, superseded) before it was ever circulated.
DRAFT, WAITING, CLOSED = "draft", "waiting", "closed"


def proposal_name(number: int | None, economy_code: str, state: str,
                  created_at: datetime | None) -> str:
    """A noun phrase for a sentence: "proposal #12", or without a number "AUS draft of 7 Dec
    14:05 UTC", "AUS proposal of 7 Dec 14:05 UTC (not yet circulated)", "AUS proposal of 7 Dec
    14:05 UTC (never circulated)". The time is when it was first saved, as its page says."""
    if number is not None:
        return f"proposal #{number}"
    kind = "draft" if state == DRAFT else "proposal"
    tail = {DRAFT: "", WAITING: " (not yet circulated)", CLOSED: " (never circulated)"}[state]
    return f"{economy_code} {kind}{_of(created_at)}{tail}"


def proposal_short_name(number: int | None, state: str, created_at: datetime | None) -> str:
    """For a place that shows the economy and the state already (a card's header, a table
    row): "#12", "Draft of 7 Dec 14:05 UTC", "Proposal of 7 Dec 14:05 UTC"."""
    if number is not None:
        return f"#{number}"
    return ("Draft" if state == DRAFT else "Proposal") + _of(created_at)


def _of(moment: datetime | None) -> str:
    return f" of {moment.day} {moment:%b %H:%M} UTC" if moment is not None else ""


def capitalised(phrase: str) -> str:
    """`phrase` opening a sentence: its first letter upper-case, the rest as it is."""
    return phrase[:1].upper() + phrase[1:]
