"""Display numbers of clauses: PP1, PP2 … and OP1, OP2 …, with "bis", "ter" … after a revision.

Two regimes:

* **Draft numbering** — until the secretariat issues a renumbering revision, numbers are simply
  derived from the clauses' order: preambular and operative paragraphs are counted separately
  and continuously across sections, as in APEC statements. A removed clause uses no number.
* **Issued numbering** — once a renumbering revision exists, a clause keeps the number it was
  issued (`issued_number`), so delegations can keep referring to "OP7" while the text moves on.
  A clause inserted since takes the number of the closest preceding clause of its kind that
  holds an issued number, with a Latin suffix: OP3bis, OP3ter, OP3quater … OP3decies, then
  OP3undecies … OP3vicies, and beyond that OP3-21, OP3-22 … (always unique and ordered).
  A clause inserted before the first numbered clause of its kind is numbered from a virtual
  "0": PP0bis, PP0ter … .
  A deleted clause keeps its number reserved until the next renumbering: the clauses around it
  keep theirs, and a clause that follows it is numbered after it (OP3 deleted, then OP3bis).
  A deleted clause that was itself inserted (OP3bis) still holds its suffix, so the clause
  after it stays OP3ter rather than sliding to OP3bis. Only the next renumbering revision
  closes the gaps. A clause already deleted when a renumbering was issued is *retired*: it
  holds no number and takes no place in the numbering any more.
  A kind with no issued number at all (say, the first operative paragraph added after a
  preamble-only revision) keeps draft numbering.

A clause's identity (its id) never depends on its number.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drafting.domain.states import SectionKind

PREFIX = {SectionKind.PREAMBLE: "PP", SectionKind.OPERATIVE: "OP"}

# Latin multiplicative adverbs: the 2nd clause at a place is "bis", the 3rd "ter" …
LATIN_SUFFIXES = (
    "bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "novies", "decies",
    "undecies", "duodecies", "terdecies", "quaterdecies", "quindecies", "sexdecies",
    "septdecies", "octodecies", "novodecies", "vicies",
)


@dataclass(frozen=True)
class NumberingInput:
    clause_id: int
    kind: SectionKind
    removed: bool = False
    issued_number: str | None = None
    # Deleted before the last renumbering: out of the numbering altogether.
    retired: bool = False


def suffixed(anchor: str, index: int) -> str:
    """The number of the `index`-th clause (1-based) inserted after the clause numbered `anchor`.

    >>> suffixed("OP3", 1), suffixed("OP3", 2), suffixed("OP3", 9)
    ('OP3bis', 'OP3ter', 'OP3decies')

    Past the Latin list the fallback "OP3-21" names the 21st clause at that place; it cannot
    be confused with an issued number, which never contains a hyphen.
    """
    if index < 1:
        raise ValueError("index counts inserted clauses from 1")
    if index <= len(LATIN_SUFFIXES):
        return f"{anchor}{LATIN_SUFFIXES[index - 1]}"
    return f"{anchor}-{index + 1}"


def sequential_numbers(clauses: Sequence[NumberingInput]) -> dict[int, str]:
    """Fresh numbers for the live clauses (what a renumbering revision issues)."""
    counters = {kind: 0 for kind in SectionKind}
    numbers: dict[int, str] = {}
    for clause in clauses:
        if clause.removed:
            continue
        counters[clause.kind] += 1
        numbers[clause.clause_id] = f"{PREFIX[clause.kind]}{counters[clause.kind]}"
    return numbers


def number_clauses(clauses: Sequence[NumberingInput], *,
                   include_removed: bool = False) -> dict[int, str]:
    """Map clause id → display number for clauses given in document order.

    Without any issued number this is draft numbering (removed clauses get no number and do
    not use one up). With issued numbers, see the module notes. `include_removed` also returns
    the numbers that deleted clauses hold in reserve (issued regime only; in draft numbering
    a deleted clause has no number).
    """
    issued_kinds = {c.kind for c in clauses if c.issued_number}
    draft = sequential_numbers([c for c in clauses if c.kind not in issued_kinds])
    numbers: dict[int, str] = {}
    anchors = {kind: f"{PREFIX[kind]}0" for kind in issued_kinds}
    inserted_since = {kind: 0 for kind in issued_kinds}
    for clause in clauses:
        if clause.retired and clause.removed:
            continue
        if clause.kind not in issued_kinds:
            if clause.clause_id in draft:
                numbers[clause.clause_id] = draft[clause.clause_id]
            continue
        if clause.issued_number:
            number = clause.issued_number
            anchors[clause.kind] = number
            inserted_since[clause.kind] = 0
        else:
            inserted_since[clause.kind] += 1
            number = suffixed(anchors[clause.kind], inserted_since[clause.kind])
        if include_removed or not clause.removed:
            numbers[clause.clause_id] = number
    return numbers
