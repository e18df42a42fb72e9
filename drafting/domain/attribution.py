"""Who wrote each change of an acceptance with modifications: the economy or the secretariat.

An acceptance with modifications goes from the current clause (`base`) to the wording the
secretariat applies (`final`), by way of the economy's proposal (`proposed`). The redline shown
is the word diff from `base` to `final` (the same diff every other redline uses); this module
only says whose each change is:

* a base word that is removed was removed by the economy when its proposal already removed
  it, otherwise by the secretariat;
* an added word is the economy's when it comes from the proposal's own new words (the diff
  from the proposal to `final` keeps it, and the diff from `base` to the proposal added it),
  otherwise the secretariat's.
"""
from __future__ import annotations

from collections.abc import Sequence

from .diff import Edit, token_edits, tokenize
from .overlay import OverlaySegment

__all__ = ["attributed_modification"]


def _kept_old(old_len: int, edits: Sequence[Edit]) -> list[bool]:
    """For each old token: does the new text keep it (outside every edit)?"""
    kept = [True] * old_len
    for edit in edits:
        for index in range(edit.start, edit.end):
            kept[index] = False
    return kept


def _new_origin(old_len: int, edits: Sequence[Edit]) -> list[int | None]:
    """For each new token: the old token it is kept from, or None when the edits added it."""
    origin: list[int | None] = []
    old_pos = 0
    for edit in edits:
        origin.extend(range(old_pos, edit.start))
        origin.extend([None] * len(edit.replacement))
        old_pos = edit.end
    origin.extend(range(old_pos, old_len))
    return origin


def attributed_modification(base: str, proposed: str, final: str, *, economy: str,
                            secretariat: str = "Secretariat") -> list[OverlaySegment]:
    """The changes from `base` to `final`, each attributed to `economy` or `secretariat`.

    Promises: equal and delete segments, concatenated, give `base`; equal and insert segments
    give `final`; every insert or delete segment names exactly one author; words are never
    split; neighbouring tokens with the same operation and author share a segment. When
    `final == proposed` every change is the economy's.
    """
    base_tokens, proposed_tokens, final_tokens = tokenize(base), tokenize(proposed), tokenize(final)
    economy_edits = token_edits(base_tokens, proposed_tokens)
    economy_kept = _kept_old(len(base_tokens), economy_edits)
    economy_added = [origin is None for origin in _new_origin(len(base_tokens), economy_edits)]
    final_origin = _new_origin(len(proposed_tokens),
                               token_edits(proposed_tokens, final_tokens))

    def added_by(final_index: int) -> str:
        source = final_origin[final_index]
        return economy if source is not None and economy_added[source] else secretariat

    runs: list[tuple[str, str, list[str]]] = []

    def push(op: str, author: str, token: str) -> None:
        if runs and runs[-1][0] == op and runs[-1][1] == author:
            runs[-1][2].append(token)
        else:
            runs.append((op, author, [token]))

    base_pos = final_pos = 0
    for edit in token_edits(base_tokens, final_tokens):
        for index in range(base_pos, edit.start):
            push("equal", "", base_tokens[index])
        final_pos += edit.start - base_pos
        for index in range(edit.start, edit.end):
            push("delete", economy if not economy_kept[index] else secretariat,
                 base_tokens[index])
        for token in edit.replacement:
            push("insert", added_by(final_pos), token)
            final_pos += 1
        base_pos = edit.end
    for index in range(base_pos, len(base_tokens)):
        push("equal", "", base_tokens[index])
    return [OverlaySegment(op, "".join(tokens), (author,) if author else ())  # type: ignore[arg-type]
            for op, author, tokens in runs]
