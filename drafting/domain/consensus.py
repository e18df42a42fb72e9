"""Consensus on a clause, "agreed except …", and the labelling of a clause's options.

Pure rules: no Flask, no database. Economies are named by their codes; stances are
`Stance` members or None (no position recorded).

Consensus on a clause means that no economy stands at reservation or objection AND every
economy has said "support" or "can accept". A clause with a missing position therefore has
no consensus yet, although nothing blocks it; agreement by the secretariat (see
`agreement_blockers`) only requires that nobody blocks.

Positions follow the text. A position given on an older version of the clause is *stale*:
- a stale "support" or "can accept" is not agreement — the economy agreed to other words —
  so it keeps the clause from consensus until the economy records its position again;
- a stale reservation or objection still blocks: an objection stands until it is withdrawn
  (the new words may or may not meet it; only the economy can say).

The verdict (`Verdict`) names why a clause lacks consensus, in this order: blocked (someone
stands at reservation or objection, stale or not), not yet canvassed (some economy has
recorded nothing), positions to review (everyone has answered, but some on an older text).
docs/consensus.md writes the same rule for people.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from drafting.domain.errors import InvalidInput
from drafting.domain.states import ClauseStatus, Stance

# The statuses that say "this text is agreed": they need nobody standing against the text.
AGREED_STATUSES = frozenset({ClauseStatus.AGREED, ClauseStatus.AGREED_AD_REF})

# The key used in counts for economies without a recorded position.
NO_POSITION = "none"


class Verdict(str, Enum):
    """Where a clause stands, for the matrix's verdict column."""

    CONSENSUS = "consensus"  # every economy supports or can accept the current text
    BLOCKED = "blocked"  # at least one reservation or objection (stale ones included)
    NOT_CANVASSED = "not_canvassed"  # nobody blocks, but some economy has recorded nothing
    TO_REVIEW = "to_review"  # everyone answered, nobody blocks, some answered an older text

    @property
    def label(self) -> str:
        return {"consensus": "Consensus", "blocked": "Blocked",
                "not_canvassed": "Not yet canvassed",
                "to_review": "Positions to review"}[self.value]


@dataclass(frozen=True)
class ConsensusReport:
    """How the economies stand on one clause."""

    counts: dict[str, int]  # stance value (and "none") → number of economies
    without_position: tuple[str, ...]  # codes, in the order the economies were given
    blocking: tuple[str, ...]  # codes at reservation or objection, in that order
    consensus: bool
    # Codes whose position was given on an older version of the clause (any stance), in order.
    stale: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def verdict(self) -> Verdict:
        if self.consensus:
            return Verdict.CONSENSUS
        if self.blocking:
            return Verdict.BLOCKED
        if self.without_position:
            return Verdict.NOT_CANVASSED
        return Verdict.TO_REVIEW


def empty_counts() -> dict[str, int]:
    return {**{s.value: 0 for s in Stance}, NO_POSITION: 0}


def is_stale(on_version: int | None, current_version: int) -> bool:
    """A position given on `on_version` no longer answers a clause now at `current_version`."""
    return on_version is not None and on_version < current_version


def assess(economies: Sequence[str], stances: Mapping[str, Stance | None],
           stale: Iterable[str] = ()) -> ConsensusReport:
    """The consensus report for one clause.

    `economies` are every member's code (the columns of the matrix); `stances` maps a code to
    its stance, missing or None when the economy has recorded none; `stale` holds the codes
    whose position was given on an older version of the clause. Stances of codes that are
    not in `economies` are ignored. With no economies at all there is nobody to agree, so no
    consensus; a stale agreement is no agreement (module docstring).
    """
    counts = empty_counts()
    without: list[str] = []
    blocking: list[str] = []
    older = set(stale)
    stale_codes: list[str] = []
    for code in economies:
        stance = stances.get(code)
        if stance is None:
            counts[NO_POSITION] += 1
            without.append(code)
            continue
        stance = Stance(stance)
        counts[stance.value] += 1
        if stance.blocks_consensus:
            blocking.append(code)
        if code in older:
            stale_codes.append(code)
    consensus = bool(economies) and not blocking and not without and not stale_codes
    return ConsensusReport(counts=counts, without_position=tuple(without),
                           blocking=tuple(blocking), consensus=consensus,
                           stale=tuple(stale_codes))


def agreement_blockers(economies: Sequence[str], stances: Mapping[str, Stance | None],
                       excepted: Iterable[str] = ()) -> list[tuple[str, Stance]]:
    """(code, stance) of every economy that stands against agreement and is not excepted."""
    left_out = set(excepted)
    return [(code, Stance(stances[code])) for code in assess(economies, stances).blocking
            if code not in left_out]


def parse_stance(value: object) -> Stance:
    """A Stance from its value ("support", "can_accept" …); InvalidInput for anything else."""
    if isinstance(value, Stance):
        return value
    choices = ", ".join(s.value for s in Stance)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"stance is required: one of {choices}.", details={"field": "stance"})
    try:
        return Stance(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"Unknown stance {value!r}: use one of {choices}.",
                           details={"field": "stance"}) from None


def parse_clause_status(value: object) -> ClauseStatus:
    if isinstance(value, ClauseStatus):
        return value
    choices = ", ".join(s.value for s in ClauseStatus)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"status is required: one of {choices}.", details={"field": "status"})
    try:
        return ClauseStatus(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"Unknown status {value!r}: use one of {choices}.",
                           details={"field": "status"}) from None


_CODE_SPLIT = re.compile(r"[\s,;]+")


def parse_codes(value: object, field_name: str = "excepted") -> list[str]:
    """Economy codes from "AUS, nz" or ["AUS", "NZ"]: upper-cased, duplicates dropped, in the
    order given. Whether the codes exist is for the caller to check."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = _CODE_SPLIT.split(value)
    elif isinstance(value, (list, tuple, set, frozenset)):
        parts = []
        for item in value:
            if not isinstance(item, str):
                raise InvalidInput(f"{field_name} must list economy codes as strings.",
                                   details={"field": field_name})
            parts.extend(_CODE_SPLIT.split(item))
    else:
        raise InvalidInput(f"{field_name} must be a list of economy codes.",
                           details={"field": field_name})
    codes: list[str] = []
    for part in parts:
        code = part.strip().upper()
        if code and code not in codes:
            codes.append(code)
    return codes


def join_codes(codes: Iterable[str]) -> str:
    """The stored form of a list of codes ("AUS,NZ")."""
    return ",".join(codes)


def split_codes(stored: str | None) -> list[str]:
    return [c for c in (stored or "").split(",") if c]


# --- options -----------------------------------------------------------------------------

@dataclass(frozen=True)
class OptionEntry:
    """One alternative wording of a clause: option 1 is always the current text."""

    number: int
    text: str
    sponsors: tuple[str, ...] = ()  # economy codes backing it (proposer first)
    proposal_id: int | None = None  # None for option 1, the current text
    in_conflict: bool = False

    @property
    def is_current_text(self) -> bool:
        return self.proposal_id is None

    @property
    def label(self) -> str:
        return f"Option {self.number}"

    @property
    def attribution(self) -> str:
        """How a negotiating text writes the option: "Option 2 [AUS, NZ: text]"."""
        if self.is_current_text:
            return f"{self.label} (current text): {self.text}"
        return f"{self.label} [{', '.join(self.sponsors)}: {self.text}]"


@dataclass(frozen=True)
class OptionInput:
    proposal_id: int
    text: str
    sponsors: tuple[str, ...] = field(default_factory=tuple)
    in_conflict: bool = False


def label_options(current_text: str, options: Sequence[OptionInput]) -> list[OptionEntry]:
    """Number a clause's alternatives: the current text first, then the kept options in the
    order given (the caller orders them by proposal, so numbers are stable between views)."""
    entries = [OptionEntry(number=1, text=current_text)]
    for index, option in enumerate(options, start=2):
        entries.append(OptionEntry(number=index, text=option.text, sponsors=tuple(option.sponsors),
                                   proposal_id=option.proposal_id,
                                   in_conflict=option.in_conflict))
    return entries


def options_text(entries: Sequence[OptionEntry]) -> str:
    """The clause as a negotiating text shows it: "Option 1 (current text): … / Option 2 […]"."""
    return " / ".join(entry.attribution for entry in entries)


def not_chosen_note(chosen: OptionEntry) -> str:
    """The reason recorded on every option that was not chosen."""
    if chosen.is_current_text:
        return "Option not chosen: option 1 (the current text) was kept"
    return f"Option not chosen: option {chosen.number} ({', '.join(chosen.sponsors)}) was chosen"
