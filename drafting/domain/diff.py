"""Word-level diffing of clause texts.

Texts are split into tokens (words, whitespace runs, single punctuation
marks; see :mod:`segmentation` for the rule: every token is whole grapheme
clusters, and Thai, Chinese, Japanese... are split into words by ICU).  Each
distinct token is encoded as one character from the Unicode Private Use Area,
so a character diff of the encoded strings is a token diff of the originals: a
word, or a letter with its combining marks, can never be cut in half, and
diff-match-patch's semantic clean-up works on whole tokens instead of producing
character soup.

Two diff engines are supported and give valid (not necessarily identical)
diffs: the C++ ``fast_diff_match_patch`` when it is installed, and the
pure-Python ``diff_match_patch`` otherwise.  Both run without a time limit so
that the same inputs always yield the same diff.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

try:
    import fast_diff_match_patch as _fast_dmp
except ImportError:  # the C++ engine is optional
    _fast_dmp = None

from .segmentation import is_word, tokenize

Op = Literal["equal", "insert", "delete"]
Backend = Literal["fast", "python"]

__all__ = [
    "Backend",
    "Edit",
    "Op",
    "Segment",
    "apply_edits",
    "available_backends",
    "default_backend",
    "diff_stats",
    "is_word",
    "new_text",
    "old_text",
    "token_edits",
    "tokenize",
    "word_diff",
]


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text that is unchanged, inserted or deleted."""

    op: Op
    text: str


@dataclass(frozen=True, slots=True)
class Edit:
    """One change expressed in token coordinates of the OLD text.

    Old tokens ``start`` (inclusive) to ``end`` (exclusive) are replaced by
    ``replacement``.  ``start == end`` is a pure insertion before old token
    ``start``; an empty ``replacement`` is a pure deletion.
    """

    start: int
    end: int
    replacement: tuple[str, ...]


# ---------------------------------------------------------------------------
# Encoding tokens as Private Use Area characters

# Private Use Area blocks, in the order codes are handed out.  The BMP block
# comes first because it keeps encoded strings narrow (and UTF-16 safe) for
# every realistic clause; the supplementary planes only serve huge inputs.
_PUA_BLOCKS: tuple[tuple[int, int], ...] = (
    (0xE000, 0xF8FF),
    (0xF0000, 0xFFFFD),
    (0x100000, 0x10FFFD),
)
_BMP_PUA_SIZE = _PUA_BLOCKS[0][1] - _PUA_BLOCKS[0][0] + 1
_PUA_CAPACITY = sum(last - first + 1 for first, last in _PUA_BLOCKS)


def _pua_char(index: int) -> str:
    """The ``index``-th Private Use Area character (0-based)."""
    for first, last in _PUA_BLOCKS:
        size = last - first + 1
        if index < size:
            return chr(first + index)
        index -= size
    raise ValueError(
        f"too many distinct tokens to diff (the Private Use Area holds {_PUA_CAPACITY})"
    )


def _encode(old_tokens: Sequence[str], new_tokens: Sequence[str]) -> tuple[str, str, int]:
    """Encode both token lists with one shared token->character table.

    Returns the two encoded strings and the number of distinct tokens.
    """
    codes: dict[str, str] = {}

    def encode(tokens: Sequence[str]) -> str:
        chars = []
        for token in tokens:
            char = codes.get(token)
            if char is None:
                size = len(codes)
                char = codes[token] = (chr(0xE000 + size) if size < _BMP_PUA_SIZE
                                       else _pua_char(size))
            chars.append(char)
        return "".join(chars)

    encoded_old = encode(old_tokens)
    encoded_new = encode(new_tokens)
    return encoded_old, encoded_new, len(codes)


# ---------------------------------------------------------------------------
# Diff engines.  Each returns (op, length) pairs over the encoded strings,
# where op is "=", "-" or "+", and length counts characters == tokens.

_OpRun = tuple[str, int]

_python_dmp = diff_match_patch()
_python_dmp.Diff_Timeout = 0  # no time limit: results must be deterministic


def _python_engine(a: str, b: str) -> list[_OpRun]:
    diffs = _python_dmp.diff_main(a, b, False)
    _python_dmp.diff_cleanupSemantic(diffs)
    symbol = {diff_match_patch.DIFF_EQUAL: "=", diff_match_patch.DIFF_DELETE: "-",
              diff_match_patch.DIFF_INSERT: "+"}
    return [(symbol[op], len(text)) for op, text in diffs]


def _fast_engine(a: str, b: str) -> list[_OpRun]:
    # Every keyword is spelled out because the package defaults differ from
    # the pure-Python call (checklines=True, counts_only=True) and it
    # silently treats an unknown ``cleanup`` name as no clean-up at all.
    return _fast_dmp.diff(a, b, timelimit=0, checklines=False,
                          cleanup="Semantic", counts_only=True)


def available_backends() -> tuple[Backend, ...]:
    """Names of the diff engines usable in this process, preferred first."""
    return ("fast", "python") if _fast_dmp is not None else ("python",)


def default_backend() -> Backend:
    """The engine used when none is requested: the fastest available."""
    return available_backends()[0]


def _engine_for(backend: Backend | None, distinct_tokens: int):
    name = backend or default_backend()
    if name == "python":
        return _python_engine
    if name != "fast":
        raise ValueError(f"unknown diff backend {name!r}")
    if _fast_dmp is None:
        raise ValueError("the 'fast' backend needs the fast_diff_match_patch package")
    # A build with 16-bit wide characters would see supplementary-plane codes
    # as surrogate pairs and could split a token; use the Python engine then.
    if distinct_tokens > _BMP_PUA_SIZE and getattr(_fast_dmp, "CHAR_WIDTH", 4) < 4:
        return _python_engine
    return _fast_engine


# ---------------------------------------------------------------------------
# Token-level diff


def _token_runs(
    old_tokens: Sequence[str], new_tokens: Sequence[str], backend: Backend | None
) -> list[tuple[Op, list[str]]]:
    """Diff two token lists into runs of (op, tokens).

    Runs are non-empty, consecutive runs never share an op, and between two
    equal runs all deletions come before all insertions.
    """
    encoded_old, encoded_new, distinct = _encode(old_tokens, new_tokens)
    if encoded_old == encoded_new:
        return [("equal", list(old_tokens))] if old_tokens else []
    engine = _engine_for(backend, distinct)

    runs: list[tuple[Op, list[str]]] = []
    pending_delete: list[str] = []
    pending_insert: list[str] = []
    old_pos = new_pos = 0

    def flush_changes() -> None:
        if pending_delete:
            runs.append(("delete", pending_delete.copy()))
            pending_delete.clear()
        if pending_insert:
            runs.append(("insert", pending_insert.copy()))
            pending_insert.clear()

    for symbol, length in engine(encoded_old, encoded_new):
        if length == 0:
            continue
        if symbol == "=":
            flush_changes()
            tokens = list(old_tokens[old_pos:old_pos + length])
            if runs and runs[-1][0] == "equal":
                runs[-1][1].extend(tokens)
            else:
                runs.append(("equal", tokens))
            old_pos += length
            new_pos += length
        elif symbol == "-":
            pending_delete.extend(old_tokens[old_pos:old_pos + length])
            old_pos += length
        else:
            pending_insert.extend(new_tokens[new_pos:new_pos + length])
            new_pos += length
    flush_changes()

    if old_pos != len(old_tokens) or new_pos != len(new_tokens):
        raise AssertionError("diff engine returned a diff that does not cover both texts")
    return runs


def word_diff(old: str, new: str, *, backend: Backend | None = None) -> list[Segment]:
    """Diff two texts word by word.

    Promises: ``old_text(result) == old`` and ``new_text(result) == new``;
    segments are non-empty and no two neighbours share an op; a replacement
    is given as a delete followed by an insert; every token (word, grapheme
    cluster) lies whole inside one segment, so no segment starts or ends inside
    a grapheme cluster.  The result is deterministic for a backend.
    """
    return [
        Segment(op, "".join(tokens))
        for op, tokens in _token_runs(tokenize(old), tokenize(new), backend)
    ]


def token_edits(
    old_tokens: Sequence[str], new_tokens: Sequence[str], *, backend: Backend | None = None
) -> list[Edit]:
    """The changes turning ``old_tokens`` into ``new_tokens``.

    Promises: edits are sorted, never overlap, and are separated by at least
    one unchanged token; ``apply_edits(old_tokens, edits) == new_tokens``.
    """
    edits: list[Edit] = []
    old_pos = 0
    start: int | None = None  # old index where the current change began
    replacement: list[str] = []

    for op, tokens in _token_runs(old_tokens, new_tokens, backend):
        if op == "equal":
            if start is not None:
                edits.append(Edit(start, old_pos, tuple(replacement)))
                start, replacement = None, []
            old_pos += len(tokens)
            continue
        if start is None:
            start = old_pos
        if op == "delete":
            old_pos += len(tokens)
        else:
            replacement.extend(tokens)
    if start is not None:
        edits.append(Edit(start, old_pos, tuple(replacement)))
    return edits


def apply_edits(old_tokens: Sequence[str], edits: Iterable[Edit]) -> list[str]:
    """Apply sorted, non-overlapping ``edits`` to ``old_tokens``.

    Raises ``ValueError`` if the edits are out of order, overlap or fall
    outside the token list.
    """
    result: list[str] = []
    pos = 0
    for edit in edits:
        if not pos <= edit.start <= edit.end <= len(old_tokens):
            raise ValueError(f"edit {edit!r} is out of order or out of range")
        result.extend(old_tokens[pos:edit.start])
        result.extend(edit.replacement)
        pos = edit.end
    result.extend(old_tokens[pos:])
    return result


# ---------------------------------------------------------------------------
# Reading a diff


def new_text(segments: Iterable[Segment]) -> str:
    """The text after the change: equal and inserted segments."""
    return "".join(s.text for s in segments if s.op != "delete")


def old_text(segments: Iterable[Segment]) -> str:
    """The text before the change: equal and deleted segments."""
    return "".join(s.text for s in segments if s.op != "insert")


def _count_words(text: str) -> int:
    return sum(1 for token in tokenize(text) if is_word(token))


def diff_stats(segments: Iterable[Segment]) -> dict[str, int]:
    """Word counts of a diff.

    Returns ``{"inserted_words": ..., "deleted_words": ...,
    "unchanged_words": ...}``; only word tokens are counted, never
    whitespace or punctuation.
    """
    stats = {"inserted_words": 0, "deleted_words": 0, "unchanged_words": 0}
    key = {"insert": "inserted_words", "delete": "deleted_words", "equal": "unchanged_words"}
    for segment in segments:
        stats[key[segment.op]] += _count_words(segment.text)
    return stats
