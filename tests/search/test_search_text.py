"""The pure part of search: parsing a query, finding the words to highlight, cutting a
snippet (drafting/domain/search_text.py)."""
from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from drafting.domain.errors import InvalidInput
from drafting.domain.search_text import (MAX_QUERY_CHARS, highlight_spans, highlighted_snippet,
                                         marked_parts, parse_query, snippet)
from tests.hypothesis_profiles import examples


def test_terms_words_phrases_and_scripts_without_spaces():
    query = parse_query('  "clean   energy" 2030. ลดการ co-operate energy ')
    assert [(t.text, t.words, t.substring) for t in query.terms] == [
        ("clean energy", ("clean", "energy"), False),
        ("2030.", ("2030",), False),
        ("ลดการ", ("ลดการ",), True),
        ("co-operate", ("co", "operate"), False),
        ("energy", ("energy",), False),
    ]
    assert parse_query("energy energy").terms == parse_query("energy").terms
    assert [t.substring for t in parse_query("清洁 경제 ことば économie").terms] == [
        True, True, True, False]


def test_an_unclosed_quote_is_a_phrase_to_the_end():
    assert [t.text for t in parse_query('a "clean energy').terms] == ["a", "clean energy"]


@pytest.mark.parametrize("value", [None, "", "  ", '""', "-- !? ...", "x" * (MAX_QUERY_CHARS + 1),
                                   "a b c d e f g h i", "bad\x00", 12])
def test_refused_queries(value):
    with pytest.raises(InvalidInput):
        parse_query(value)


def test_spans_are_whole_words_in_any_case_and_phrases_across_punctuation():
    text = "Energy, energetic ENERGY; clean-energy and clean — energy."
    query = parse_query('energy "clean energy"')
    assert [text[s:e] for s, e in highlight_spans(text, query)] == [
        "Energy", "ENERGY", "clean-energy", "clean — energy"]


def test_substring_terms_match_inside_words():
    text = "เราจะลดการปล่อยก๊าซ"
    assert [text[s:e] for s, e in highlight_spans(text, parse_query("ลดการ"))] == ["ลดการ"]


def test_overlapping_spans_merge():
    text = "clean energy transition"
    spans = highlight_spans(text, parse_query('"clean energy" "energy transition"'))
    assert spans == [(0, len(text))]


def test_snippet_cuts_at_spaces_and_shifts_spans():
    text = " ".join(f"w{i}" for i in range(200)) + " needle " + " ".join("t" for _ in range(200))
    spans = highlight_spans(text, parse_query("needle"))
    cut, inside = snippet(text, spans, width=60)
    assert cut.startswith("…") and cut.endswith("…")
    assert [cut[s:e] for s, e in inside] == ["needle"]
    assert " w" in cut and not cut[1:].startswith(" ")


def test_marked_parts_cover_the_text():
    text = "a needle in a needle stack"
    spans = highlight_spans(text, parse_query("needle"))
    parts = marked_parts(text, spans)
    assert "".join(p for p, _ in parts) == text
    assert [p for p, matched in parts if matched] == ["needle", "needle"]


@given(st.text(max_size=400), st.text(alphabet=st.characters(categories=("L", "N")),
                                      min_size=1, max_size=8))
def test_snippet_spans_always_point_at_the_words(text, word):
    query = parse_query(word)
    cut, inside = highlighted_snippet(text, query)
    for start, end in inside:
        assert 0 <= start < end <= len(cut)
        assert regex.fullmatch(regex.escape(query.terms[0].text), cut[start:end],
                               regex.IGNORECASE | regex.V1)


def test_line_breaks_do_not_shift_the_highlights():
    cut, inside = highlighted_snippet("First line\n\n  second   needle here", parse_query("needle"))
    assert cut == "First line second needle here"
    assert [cut[s:e] for s, e in inside] == ["needle"]


@given(st.text(max_size=60))
@settings(max_examples=examples(200))
def test_any_query_is_parsed_or_refused_with_invalid_input(value):
    try:
        query = parse_query(value)
    except InvalidInput:
        return
    assert query.terms and all(term.words for term in query.terms)
