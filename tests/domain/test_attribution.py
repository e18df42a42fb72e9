"""Tests for drafting.domain.attribution (whose each change of a modified acceptance is)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from drafting.domain.attribution import attributed_modification
from drafting.domain.diff import tokenize

PROPERTY = settings(max_examples=200, deadline=None, database=None)
WORDS = ["economies", "shall", "should", "reduce", "emissions", "by", "2030", "2035", "and"]
pieces = st.sampled_from(WORDS) | st.sampled_from([" ", " ", ", ", ". "])
texts = st.lists(pieces, max_size=25).map("".join)

BASE = "We will reduce emissions by 2030."


def changes(segments):
    return [(s.op, s.text, s.authors) for s in segments if s.op != "equal"]


def test_unmodified_proposal_is_all_the_economys():
    proposed = "We will halve emissions by 2030."
    segments = attributed_modification(BASE, proposed, proposed, economy="AUS")
    assert changes(segments) == [("delete", "reduce", ("AUS",)), ("insert", "halve", ("AUS",))]


def test_secretariat_words_are_told_apart_from_the_economys():
    proposed = "We will halve emissions by 2030."
    final = "We will halve emissions by 2035 at the latest."
    segments = attributed_modification(BASE, proposed, final, economy="AUS")
    assert ("insert", "halve", ("AUS",)) in changes(segments)
    assert ("delete", "reduce", ("AUS",)) in changes(segments)
    assert all(author == ("Secretariat",) for op, text, author in changes(segments)
               if "2035" in text or "2030" in text or "latest" in text)


def test_economy_deletion_undone_by_the_secretariat_is_no_change():
    proposed = "We will emissions by 2030."
    segments = attributed_modification(BASE, proposed, BASE, economy="AUS")
    assert changes(segments) == []


@PROPERTY
@given(texts, texts, texts)
def test_segments_rebuild_both_texts_with_one_author_each(base, proposed, final):
    segments = attributed_modification(base, proposed, final, economy="AUS")
    assert "".join(s.text for s in segments if s.op != "insert") == base
    assert "".join(s.text for s in segments if s.op != "delete") == final
    for s in segments:
        assert s.text
        assert len(s.authors) == (0 if s.op == "equal" else 1)
    # Tokens are never split across segments.
    for s in segments:
        assert "".join(tokenize(s.text)) == s.text


@PROPERTY
@given(texts, texts)
def test_applying_the_proposal_as_is_credits_only_the_economy(base, proposed):
    segments = attributed_modification(base, proposed, proposed, economy="AUS")
    assert {a for s in segments for a in s.authors} <= {"AUS"}
