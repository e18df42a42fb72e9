"""Helpers shared by the diff, rebase and Unicode property tests."""
from __future__ import annotations

from hypothesis import strategies as st

from drafting.domain.diff import tokenize


def edits_of(pieces):
    """A strategy factory: `edited(text)` is `text` with one to three of its token ranges
    replaced by up to three draws from `pieces`."""

    @st.composite
    def edited(draw, text):
        tokens = tokenize(text)
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.integers(0, len(tokens)))
            end = draw(st.integers(start, min(len(tokens), start + 3)))
            tokens[start:end] = draw(st.lists(pieces, max_size=3))
        return "".join(tokens)

    return edited


def segment_boundaries(segments, side: str) -> set[int]:
    """Character offsets of segment edges in the old (``side="old"``) or new text."""
    hidden = "insert" if side == "old" else "delete"
    offsets, position = {0}, 0
    for segment in segments:
        if segment.op != hidden:
            position += len(segment.text)
            offsets.add(position)
    return offsets
