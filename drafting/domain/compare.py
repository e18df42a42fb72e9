"""Comparing two states of a clause when several changes lie between them.

`attributed_changes(base, steps)` replays the successive texts of a clause, word by word, and
returns one tracked-changes view from `base` to the last text in which every inserted or
deleted run names the step that introduced it (say the AUS proposal that added "halve", and the
Secretariat edit that removed "by 2030").

Replaying keeps each token's origin:

* a token of `base` still present at the end is unchanged;
* a token of `base` removed by a step is shown deleted, attributed to that step (a later step
  cannot bring it back: re-adding the same word is a new insertion by the later step);
* a token added by a step and still present at the end is shown inserted by that step;
* a token added by one step and removed by a later one never reached either end of the
  comparison, and is not shown at all.

Promises (property-tested): the unchanged and deleted runs give `base` back exactly; the
unchanged and inserted runs give the last text exactly; no run is empty; neighbouring runs
differ in op or authors; with one step the runs are `diff.word_diff(base, text)` attributed to
that step.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from drafting.domain.diff import Op, token_edits, tokenize

__all__ = ["AttributedSegment", "Step", "attributed_changes"]


@dataclass(frozen=True, slots=True)
class Step:
    """One change: the clause's text after it, and who made it.

    `authors` are the labels shown with the change (economy codes of a proposal's sponsors, or
    "Secretariat"); `ref` is any extra identity the caller wants back (a proposal id).
    """

    text: str
    authors: tuple[str, ...]
    ref: Hashable = None


@dataclass(frozen=True, slots=True)
class AttributedSegment:
    op: Op
    text: str
    authors: tuple[str, ...] = ()
    ref: Hashable = None


@dataclass(slots=True)
class _Token:
    text: str
    op: Op  # equal (from base, still there) | delete (from base, gone) | insert (added, there)
    step: int | None = None  # index of the step that deleted or inserted it


def attributed_changes(base: str, steps: Sequence[Step]) -> list[AttributedSegment]:
    """Tracked changes from `base` to `steps[-1].text`, each change attributed to its step."""
    tokens = [_Token(t, "equal") for t in tokenize(base)]
    for index, step in enumerate(steps):
        tokens = _apply_step(tokens, tokenize(step.text), index)
    segments: list[AttributedSegment] = []
    for token in tokens:
        step = steps[token.step] if token.step is not None else None
        authors = step.authors if step else ()
        ref = step.ref if step else None
        last = segments[-1] if segments else None
        if last and last.op == token.op and last.authors == authors and last.ref == ref:
            segments[-1] = AttributedSegment(last.op, last.text + token.text, authors, ref)
        else:
            segments.append(AttributedSegment(token.op, token.text, authors, ref))
    return segments


def _apply_step(tokens: list[_Token], new_tokens: list[str], step: int) -> list[_Token]:
    """Move the visible text (tokens not deleted) to `new_tokens`, keeping deleted ghosts."""
    visible = [t.text for t in tokens if t.op != "delete"]
    deleted: set[int] = set()
    inserts_before: dict[int, list[str]] = {}
    for edit in token_edits(visible, new_tokens):
        deleted.update(range(edit.start, edit.end))
        if edit.replacement:
            # After the run it replaces, so a replacement reads "deleted, then inserted".
            inserts_before.setdefault(edit.end, []).extend(edit.replacement)

    result: list[_Token] = []
    k = 0  # index among visible tokens
    for token in tokens:
        if token.op == "delete":
            result.append(token)
            continue
        for text in inserts_before.get(k, ()):
            result.append(_Token(text, "insert", step))
        if k in deleted:
            if token.op == "equal":
                result.append(_Token(token.text, "delete", step))
            # an insertion of an earlier step removed again: it leaves no trace
        else:
            result.append(token)
        k += 1
    for text in inserts_before.get(k, ()):
        result.append(_Token(text, "insert", step))
    return result
