"""Many proposals shown inline on one base text.

Every proposal is diffed against the same base.  The base text is then
walked token by token: tokens some proposal removes become delete segments
naming every proposal that removes them, and each proposal's new wording
becomes an insert segment naming that proposal alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .diff import Op, token_edits, tokenize

__all__ = ["OverlaySegment", "overlay"]


@dataclass(frozen=True, slots=True)
class OverlaySegment:
    """A run of base text or proposed text with the proposals behind it.

    ``authors`` holds the labels of the proposals responsible for an insert
    or delete, in the order the proposals were given; it is ``()`` for equal
    segments.
    """

    op: Op
    text: str
    authors: tuple[str, ...] = ()


def overlay(base: str, proposals: Sequence[tuple[str, str]]) -> list[OverlaySegment]:
    """Lay ``(label, proposed_text)`` proposals over ``base``.

    Promises:

    * equal and delete segments, concatenated, give ``base`` exactly;
    * with one proposal, equal and insert segments give its text exactly;
    * a base token removed or replaced by any proposal is in a delete
      segment attributed to all of them (labels deduplicated, in proposal
      order); neighbouring tokens with the same attribution share a segment;
    * each proposal's replacement text is one insert segment attributed to
      that proposal, right after the base range it replaces (a pure insertion
      sits before the base token it precedes); insertions at the same spot
      follow the order of ``proposals`` and are never merged together;
    * words are never split; no segment is empty; with no proposals the
      result is a single equal segment, or nothing for an empty base.
    """
    base_tokens = tokenize(base)
    removers: list[list[str]] = [[] for _ in base_tokens]
    # Insertions keyed by the base index they precede (len(base_tokens) for
    # the end of the text); lists keep the order of ``proposals``.
    inserts_before: dict[int, list[tuple[str, str]]] = {}

    for label, proposed in proposals:
        for edit in token_edits(base_tokens, tokenize(proposed)):
            for index in range(edit.start, edit.end):
                if label not in removers[index]:
                    removers[index].append(label)
            if edit.replacement:
                inserts_before.setdefault(edit.end, []).append(
                    (label, "".join(edit.replacement))
                )

    # Runs of (op, authors, text pieces); pieces are joined once at the end.
    runs: list[tuple[Op, tuple[str, ...], list[str]]] = []

    for index in range(len(base_tokens) + 1):
        for label, text in inserts_before.get(index, ()):
            runs.append(("insert", (label,), [text]))
        if index == len(base_tokens):
            break
        authors = tuple(removers[index])
        op: Op = "delete" if authors else "equal"
        if runs and runs[-1][0] == op and runs[-1][1] == authors:
            runs[-1][2].append(base_tokens[index])
        else:
            runs.append((op, authors, [base_tokens[index]]))

    return [OverlaySegment(op, "".join(pieces), authors) for op, authors, pieces in runs]
