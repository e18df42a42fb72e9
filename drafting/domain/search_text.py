"""Search queries and highlighted snippets: pure functions, the same on every database.

A query is a list of terms, all of which must match (AND):

- a bare word (``energy``), or a run of words joined by punctuation (``co-operate``,
  ``2030.``), which the database's full-text index matches as whole words (case-insensitive);
- a phrase in double quotes (``"clean energy"``): its words next to each other, in order;
- a term holding letters of a script written without spaces between words (Thai, Lao, Khmer,
  Burmese, Chinese, Japanese) or of Korean (whose written words carry their particles):
  word indexes cannot find a word inside such a run of letters, so the term matches as a
  substring (case-insensitive) instead. ``"ลดการปล่อย"`` finds the Thai clause that holds it.

Highlighting is computed here, not by the database (PostgreSQL's ts_headline and SQLite's
highlight() differ and return markup): `highlight_spans` finds each term in a text the way
the index matched it, and `snippet` cuts a window around the first match. Snippets are plain
text; the matches are given as [start, end) offsets counted in Unicode code points (not UTF-16
units), so the API never returns HTML and the page marks them up with autoescaped templates.
"""
from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import regex

from drafting.domain.errors import InvalidInput
from drafting.domain.input_rules import forbidden_character, refusal_message

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
SNIPPET_CHARS = 200

# Scripts whose words the indexes cannot split out of a run of letters (see the docstring).
_UNSPACED = regex.compile(
    r"[\p{Line_Break=Complex_Context}\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]", regex.V1)
# A word as the indexes see one: letters and digits, with their combining marks.
_WORD = regex.compile(r"[\p{L}\p{N}\p{M}]+", regex.V1)
_TERM = regex.compile(r'"([^"]*)"?|(\S+)', regex.V1)


@dataclass(frozen=True)
class Term:
    text: str  # as written (without quotes), given to the database's own query parser
    words: tuple[str, ...]  # its words, for highlighting
    substring: bool  # matched as a substring (scripts without spaces) rather than by the index

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class SearchQuery:
    text: str
    terms: tuple[Term, ...]

    @property
    def index_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.substring)

    @property
    def substring_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.substring)


def parse_query(value: object, field: str = "q") -> SearchQuery:
    """The query `value` names, or InvalidInput (422) when it is missing, too long, holds a
    control character, or has no word to look for."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"{field} must not be empty: give a word or a \"quoted phrase\".",
                           details={"field": field})
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text.", details={"field": field})
    bad = forbidden_character(value)
    if bad is not None:
        raise InvalidInput(refusal_message(field, bad), details={"field": field})
    text = unicodedata.normalize("NFC", " ".join(value.split()))
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"{field} is too long: {len(text):,} characters, at most "
                           f"{MAX_QUERY_CHARS}.",
                           details={"field": field, "max_chars": MAX_QUERY_CHARS})
    terms: list[Term] = []
    for match in _TERM.finditer(text):
        raw = " ".join((match.group(1) if match.group(1) is not None else match.group(2)).split())
        words = tuple(_WORD.findall(raw))
        if not words:
            continue  # punctuation alone finds nothing in a word index
        term = Term(raw, words, bool(_UNSPACED.search(raw)))
        if term not in terms:
            terms.append(term)
    if not terms:
        raise InvalidInput(f"{field} has no word to look for.", details={"field": field})
    if len(terms) > MAX_TERMS:
        raise InvalidInput(f"{field} has too many terms: {len(terms)}, at most {MAX_TERMS}.",
                           details={"field": field, "max_terms": MAX_TERMS})
    return SearchQuery(text, tuple(terms))


@functools.lru_cache(maxsize=256)
def _pattern(term: Term) -> regex.Pattern:
    if term.substring:
        return regex.compile(regex.escape(term.text), regex.IGNORECASE | regex.V1)
    # Whole words, in order, separated by anything that is not a word character.
    body = r"[^\p{L}\p{N}\p{M}]+".join(regex.escape(w) for w in term.words)
    return regex.compile(rf"(?<![\p{{L}}\p{{N}}\p{{M}}]){body}(?![\p{{L}}\p{{N}}\p{{M}}])",
                         regex.IGNORECASE | regex.V1)


def highlight_spans(text: str, query: SearchQuery) -> list[tuple[int, int]]:
    """Sorted, non-overlapping [start, end) spans of `text` where a term of `query` occurs."""
    spans = sorted((m.start(), m.end()) for term in query.terms
                   for m in _pattern(term).finditer(text) if m.end() > m.start())
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS
            ) -> tuple[str, list[tuple[int, int]]]:
    """A window of about `width` characters of `text` around its first span, cut at spaces
    where it can be, with "…" where text was left out; and the spans inside it, shifted."""
    if len(text) <= width:
        start, end = 0, len(text)
    else:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - width // 4, len(text) - width))
        end = min(len(text), start + width)
        if start > 0:
            space = text.find(" ", start, first if spans else start + width // 4)
            start = space + 1 if space != -1 else start
        if end < len(text):
            space = text.rfind(" ", max(start, end - width // 4), end)
            end = space if space != -1 and space > start else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    # Only whole matches: a match cut by the window's edge is not marked at all.
    inside = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return prefix + text[start:end] + suffix, inside


def highlighted_snippet(text: str, query: SearchQuery, width: int = SNIPPET_CHARS
                        ) -> tuple[str, list[tuple[int, int]]]:
    """The snippet of `text` for `query` and its highlights: the text read as one paragraph
    (line breaks and runs of spaces as one space) before the matches are found, so the offsets
    count in the text returned."""
    flat = " ".join(text.split())
    return snippet(flat, highlight_spans(flat, query), width)


def marked_parts(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_match) parts, for templates to mark up with autoescaping."""
    parts: list[tuple[str, bool]] = []
    at = 0
    for start, end in spans:
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts


__all__ = ["MAX_QUERY_CHARS", "MAX_TERMS", "SNIPPET_CHARS", "SearchQuery", "Term",
           "highlight_spans", "highlighted_snippet", "marked_parts", "parse_query", "snippet"]
