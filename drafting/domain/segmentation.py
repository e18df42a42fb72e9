"""Splitting clause texts into the tokens the word diff works on.

A token is a word, a run of whitespace, or a single punctuation mark or symbol, and every token
is a whole number of grapheme clusters (Unicode UAX #29 extended grapheme clusters, as the
``regex`` package's ``\\X`` finds them): a letter keeps its combining marks, an emoji ZWJ
sequence, a flag or a skin-tone modifier stays with its emoji, a Hangul syllable (also written
as decomposed jamo) stays whole.  Inside a word, format characters such as the soft hyphen
(U+00AD) and the word joiner (U+2060), and the zero-width (non-)joiners, never end the word.

Thai, Lao, Khmer, Burmese, Chinese and Japanese write words without spaces between them, so a
word-character run in those scripts is split into words by ICU's word break iterator (the
dictionary-based segmentation, through ``icu4py``, which ships its own pinned copy of ICU and
its dictionaries, so every machine gets the same tokens).  An ICU boundary is kept only where
it falls between two grapheme clusters and not beside a joiner or soft hyphen.

Text made only of characters that can neither join a neighbouring character into one cluster
nor need a dictionary (plain Latin text, with or without accented letters, curly quotes and
dashes) takes a fast path through the standard ``re`` module that gives exactly the same
tokens: words (``\\w+``), whitespace runs and single punctuation marks.
"""

from __future__ import annotations

import functools
import itertools
import re


__all__ = ["grapheme_boundaries", "is_word", "tokenize"]

# A character whose Grapheme_Cluster_Break is not "Other" can join its neighbour into one
# cluster (marks, joiners, prepended signs, Hangul jamo, regional indicators) or is a control.
_JOINS_NEIGHBOUR = r"\P{GCB=Other}"

# Word-character runs in these scripts need a dictionary to find their words.
_NEEDS_DICTIONARY = r"[\p{Line_Break=Complex_Context}\p{Han}\p{Hiragana}\p{Katakana}]"

# Cluster-aware tokens.  Each alternative first tries a run of characters that form one
# cluster each and cannot join what follows (the run backs off by one character when the
# next one could join it), and otherwise takes one whole cluster (\X), so a token always
# ends on a cluster boundary.  Format characters (soft hyphen, word joiner; not the
# zero-width space, which separates words) continue a word, as UAX #29 rule WB4 has it.
_CLUSTER_TOKEN_PATTERN = r"""
      (?: [\w&&\p{GCB=Other}]+ (?!\P{GCB=Other}) | (?=[\w\p{GCB=Prepend}]) \X )
      (?: [\w&&\p{GCB=Other}]+ (?!\P{GCB=Other}) | (?=[[\w\p{Cf}]--\u200B]) \X )*
    | (?: [\s&&\p{GCB=Other}]+ (?!\P{GCB=Other}) | (?=\s) \X )+
    | [^\w\s\P{GCB=Other}] (?!\P{GCB=Other})
    | \X
    """


class _ClusterPatterns:
    """The ``regex`` patterns of the cluster path, compiled on first use: compiling their
    Unicode property classes cost every process start-up (``flask --help`` too) a tenth
    of a second or more,
    and plain Latin text never needs them."""

    def __init__(self):
        import regex

        self.token = regex.compile(_CLUSTER_TOKEN_PATTERN, regex.V1 | regex.VERBOSE)
        self.dictionary_script = regex.compile(_NEEDS_DICTIONARY, regex.V1)
        self.cluster = regex.compile(r"\X", regex.V1)


@functools.cache
def _cluster_patterns() -> _ClusterPatterns:
    return _ClusterPatterns()


_FAST_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WORD_CHARACTER = re.compile(r"\w")

# Never split a word beside these: soft hyphen, zero-width non-joiner and joiner, word joiner.
_JOINERS = frozenset("\u00ad\u200c\u200d\u2060")

# Whitespace controls: each is a cluster of its own (CR LF one cluster, but both paths keep it
# inside one whitespace run), so they need no cluster path.
_PLAIN_CONTROLS = "\t\n\r\x0b\x0c"


def _ranges(pattern: str, text: str, module, flags: int = 0) -> set[int]:
    """Code points of ``text`` that ``pattern`` (a character class with ``+``) matches."""
    points: set[int] = set()
    for match in module.finditer(pattern, text, flags):
        points.update(map(ord, match.group()))
    return points


@functools.cache
def _needs_cluster_path() -> re.Pattern[str]:
    """A ``re`` character class of every character the fast path cannot handle.

    Derived once from the ``regex`` package's Unicode data rather than written by hand:
    characters that join a neighbour, characters of dictionary scripts, characters on which
    ``re`` and ``regex`` disagree about ``\\w`` or ``\\s``, and everything outside the Basic
    Multilingual Plane.
    """
    import regex

    bmp = "".join(map(chr, itertools.chain(range(0xD800), range(0xE000, 0x10000))))
    special = _ranges(rf"[{_JOINS_NEIGHBOUR}{_NEEDS_DICTIONARY[1:-1]}]+", bmp, regex, regex.V1)
    special -= {ord(c) for c in _PLAIN_CONTROLS}
    for cls in (r"\w+", r"\s+"):
        special |= _ranges(cls, bmp, re) ^ _ranges(cls, bmp, regex, regex.V1)
    ranges: list[list[int]] = []
    for point in sorted(special):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    parts = [f"\\U{first:08x}-\\U{last:08x}" for first, last in ranges]
    return re.compile("[" + "".join(parts) + "\\U00010000-\\U0010ffff]")


def grapheme_boundaries(text: str) -> set[int]:
    """Code point offsets of the grapheme cluster boundaries of ``text``, 0 and the end included."""
    return {0, *itertools.accumulate(len(cluster) for cluster in _cluster_patterns().cluster.findall(text))}


# Word runs already split by ICU, and what they split into.  A pure memo: cleared when full.
_DICTIONARY_CACHE: dict[str, tuple[str, ...]] = {}
_DICTIONARY_CACHE_SIZE = 16_384


def _icu_cuts(runs: list[str]) -> list[list[int]]:
    """ICU's word boundaries inside each run (offsets within the run, ends excluded).

    One break iterator serves all the runs, joined by line feeds: a line feed is a hard word
    break (UAX #29 WB3a/b), so each run is segmented as if alone, and the iterator's costly
    set-up is paid once per text rather than once per phrase.
    """
    from icu4py.breakers import WordBreaker  # ICU and its dictionaries: only when needed

    boundaries = list(itertools.accumulate(map(len, WordBreaker("\n".join(runs), "root"))))
    cuts: list[list[int]] = []
    index = offset = 0
    for run in runs:
        end = offset + len(run)
        inner = []
        while index < len(boundaries) and boundaries[index] <= end:
            if boundaries[index] > offset and boundaries[index] < end:
                inner.append(boundaries[index] - offset)
            index += 1
        cuts.append(inner)
        offset = end + 1
    return cuts


def _words_at(run: str, cuts: list[int]) -> tuple[str, ...]:
    """Cut ``run`` at those of ``cuts`` that fall between clusters and beside no joiner."""
    clusters = grapheme_boundaries(run)
    words: list[str] = []
    start = 0
    for cut in cuts:
        if cut in clusters and run[cut - 1] not in _JOINERS and run[cut] not in _JOINERS:
            words.append(run[start:cut])
            start = cut
    words.append(run[start:])
    return tuple(words)


def _dictionary_words(runs: list[str]) -> dict[str, tuple[str, ...]]:
    """Split word-character runs of dictionary scripts into words, on cluster boundaries."""
    found: dict[str, tuple[str, ...]] = {}
    missing: list[str] = []
    for run in set(runs):
        words = _DICTIONARY_CACHE.get(run)
        if words is None:
            missing.append(run)
        else:
            found[run] = words
    if missing:
        missing.sort()
        for run, cuts in zip(missing, _icu_cuts(missing), strict=True):
            found[run] = _words_at(run, cuts)
        # Another thread may clear or fill the memo meanwhile; the result never reads it back.
        if len(_DICTIONARY_CACHE) + len(missing) > _DICTIONARY_CACHE_SIZE:
            _DICTIONARY_CACHE.clear()
        _DICTIONARY_CACHE.update((run, found[run]) for run in missing)
    return found


def tokenize(text: str) -> list[str]:
    """Split ``text`` into word, whitespace-run and punctuation tokens.

    Every character belongs to exactly one token, so ``"".join(tokenize(text)) == text``;
    every token boundary is a grapheme cluster boundary of ``text``; the result depends only
    on ``text`` (and the pinned library versions).
    """
    if text.isascii() or not _needs_cluster_path().search(text):
        return _FAST_TOKEN.findall(text)
    return _cluster_tokens(text)


def _cluster_tokens(text: str) -> list[str]:
    """:func:`tokenize` for any text, without the fast path."""
    patterns = _cluster_patterns()
    tokens = patterns.token.findall(text)
    runs = [token for token in tokens
            if patterns.dictionary_script.search(token) and is_word(token)]
    if not runs:
        return tokens
    words = _dictionary_words(runs)
    return [word for token in tokens for word in words.get(token, (token,))]


def is_word(token: str) -> bool:
    """True if ``token`` contains a letter, a digit or an underscore (not only marks)."""
    return _WORD_CHARACTER.search(token) is not None
