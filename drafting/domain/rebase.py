"""Three-way rebase of a proposal onto a newer clause text.

A proposal was written against ``base``; meanwhile an accepted change moved
the clause from ``base`` to ``new_base``.  Both changes are expressed as
token edits in ``base`` coordinates.  If no proposal edit overlaps or is
adjacent to an accepted edit, both edit lists are applied to ``base`` to
give the rebased proposal; otherwise the rebase is a conflict and a person
has to redo the proposal.

The merge is deliberately strict and exact: no fuzzy patching, so two
changes that touch the same phrase are never silently combined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .diff import Edit, apply_edits, is_word, token_edits, tokenize

__all__ = ["RebaseResult", "edits_conflict", "rebase"]


@dataclass(frozen=True, slots=True)
class RebaseResult:
    """Outcome of :func:`rebase`.

    ``text`` is the rebased proposal when ``clean``, else ``None``.
    ``conflicts`` lists, when not clean, the ``(start, end)`` token ranges of
    ``base`` (as produced by ``tokenize``) where the two changes collide,
    sorted and merged; it is empty when clean.
    """

    clean: bool
    text: str | None
    conflicts: tuple[tuple[int, int], ...] = ()


def edits_conflict(base_tokens: Sequence[str], a: Edit, b: Edit) -> bool:
    """True if edits ``a`` and ``b`` (on the same base) overlap or are adjacent.

    Adjacent means no word token lies between the two ranges: they touch,
    or only whitespace and punctuation separate them.  Hence two insertions
    at the same point conflict, as does an insertion at either boundary of
    (or inside) a replaced range.
    """
    return _touching(_words_before(base_tokens), a, b)


def _words_before(tokens: Sequence[str]) -> list[int]:
    """``counts[i]`` is the number of word tokens in ``tokens[:i]``."""
    counts = [0]
    for token in tokens:
        counts.append(counts[-1] + is_word(token))
    return counts


def _touching(words_before: Sequence[int], a: Edit, b: Edit) -> bool:
    """:func:`edits_conflict` given the word prefix counts of the base tokens.

    Constant time, so checking every pair of edits stays cheap on long texts.
    """
    first, second = (a, b) if (a.start, a.end) <= (b.start, b.end) else (b, a)
    if second.start < first.end:
        return True  # the ranges share at least one base token
    return words_before[second.start] == words_before[first.end]


def _merge_ranges(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort ranges and merge those that overlap or touch."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def rebase(base: str, proposed: str, new_base: str) -> RebaseResult:
    """Carry the change ``base -> proposed`` over onto ``new_base``.

    Promises:

    * ``proposed == base`` gives ``new_base``; ``new_base == base`` gives
      ``proposed``; ``proposed == new_base`` gives that text.
    * An edit made identically on both sides counts once and takes no part
      in conflict detection: the proposal's change is already in.
    * Otherwise the result is clean iff no other proposal edit overlaps or
      is adjacent to another accepted edit (see :func:`edits_conflict`); the
      clean text is ``base`` with both edit lists applied, i.e. ``new_base``
      carrying exactly the proposal's other changes.
    * Conflicts report, in base token coordinates, the span covered by each
      colliding pair of edits.
    """
    if proposed == base or proposed == new_base:
        return RebaseResult(clean=True, text=new_base)
    if new_base == base:
        return RebaseResult(clean=True, text=proposed)

    base_tokens = tokenize(base)
    proposal_edits = token_edits(base_tokens, tokenize(proposed))
    accepted_edits = token_edits(base_tokens, tokenize(new_base))

    # An edit both sides made identically is already in new_base.  It is
    # left out of the conflict check on both sides: around it the proposal
    # already reads exactly as the accepted text does.
    shared = set(proposal_edits) & set(accepted_edits)
    pending = [edit for edit in proposal_edits if edit not in shared]
    competing = [edit for edit in accepted_edits if edit not in shared]

    words_before = _words_before(base_tokens)
    collisions = [
        (min(p.start, a.start), max(p.end, a.end))
        for p in pending
        for a in competing
        if _touching(words_before, p, a)
    ]
    if collisions:
        return RebaseResult(clean=False, text=None, conflicts=_merge_ranges(collisions))

    # No conflicts means a word token separates every pending edit from every
    # competing one, and edits from one diff never touch, so the combined
    # list is strictly ordered and can be applied in one pass.
    merged = sorted(pending + accepted_edits, key=lambda edit: (edit.start, edit.end))
    return RebaseResult(clean=True, text="".join(apply_edits(base_tokens, merged)))
