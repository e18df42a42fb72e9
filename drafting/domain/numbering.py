"""Display numbers of clauses, derived from their place: PP1, PP2 … and OP1, OP2 …"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drafting.domain.states import SectionKind

PREFIX = {SectionKind.PREAMBLE: "PP", SectionKind.OPERATIVE: "OP"}


@dataclass(frozen=True)
class NumberingInput:
    clause_id: int
    kind: SectionKind
    removed: bool = False


def number_clauses(clauses: Sequence[NumberingInput]) -> dict[int, str]:
    """Map clause id → display number for clauses given in document order.

    Preambular and operative paragraphs are counted separately and continuously across
    sections, as in APEC statements. Removed clauses get no number and do not use one up.
    """
    counters = {kind: 0 for kind in SectionKind}
    numbers: dict[int, str] = {}
    for clause in clauses:
        if clause.removed:
            continue
        counters[clause.kind] += 1
        numbers[clause.clause_id] = f"{PREFIX[clause.kind]}{counters[clause.kind]}"
    return numbers
