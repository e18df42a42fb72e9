"""Tests for drafting.domain.rebase (three-way rebase of a proposal)."""

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.domain.diff import Edit, token_edits, tokenize, word_diff
from drafting.domain.rebase import RebaseResult, edits_conflict, rebase
from tests.domain.text_strategies import edits_of

PROPERTY = settings(max_examples=examples(300))

WORDS = ["economies", "shall", "should", "reduce", "emissions", "by", "2030", "2035",
         "and", "or", "trade", "APEC", "the"]
SEPARATORS = [" ", " ", " ", " ", ", ", ". ", "; ", "\n"]
pieces = st.sampled_from(WORDS) | st.sampled_from(SEPARATORS)
words_and_separators = st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)).map("".join)
# Clause-like texts (words with separators between) plus free mixes that
# can fuse words and stack punctuation.
texts = (
    st.lists(words_and_separators, max_size=25).map("".join)
    | st.lists(pieces, max_size=25).map("".join)
)
# Long enough that two independent edits usually land apart.
clauses = st.lists(words_and_separators, min_size=8, max_size=30).map("".join)


edited = edits_of(pieces)


@st.composite
def triples(draw):
    """(base, proposed, new_base): mostly two edits of one base, sometimes three unrelated texts."""
    kind = draw(st.sampled_from(["clause", "short", "unrelated"]))
    if kind == "unrelated":
        return draw(texts), draw(texts), draw(texts)
    base = draw(clauses if kind == "clause" else texts)
    return base, draw(edited(base)), draw(edited(base))


WORD = re.compile(r"\w")


def no_word_between(tokens, left: Edit, right: Edit) -> bool:
    """Oracle for adjacency: no word token lies in either gap between the ranges."""
    gaps = (tokens[left.end:right.start], tokens[right.end:left.start])
    return not any(WORD.search(token) for gap in gaps for token in gap)


def changes(base, text):
    return token_edits(tokenize(base), tokenize(text))


def replay(tokens, edits):
    """Apply edits back to front, independently of the module under test."""
    tokens = list(tokens)
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        tokens[edit.start:edit.end] = edit.replacement
    return tokens


def word_counts(text_pieces):
    return Counter(t for piece in text_pieces for t in tokenize(piece) if WORD.search(t))


# --- properties -------------------------------------------------------------


@given(triples())
@PROPERTY
def test_rebase_is_a_conflict_exactly_when_edits_touch(triple):
    base, proposed, new_base = triple
    base_tokens = tokenize(base)
    proposal, accepted = changes(base, proposed), changes(base, new_base)
    shared = set(proposal) & set(accepted)
    touching = any(
        no_word_between(base_tokens, p, a)
        for p in proposal if p not in shared
        for a in accepted if a not in shared
    )

    result = rebase(base, proposed, new_base)

    assert result.clean is not touching
    if result.clean:
        assert result.text is not None and result.conflicts == ()
    else:
        assert result.text is None and result.conflicts
        assert list(result.conflicts) == sorted(result.conflicts)
        for start, end in result.conflicts:
            assert 0 <= start <= end <= len(base_tokens)


@given(triples())
@PROPERTY
def test_clean_rebase_applies_both_edit_sets(triple):
    base, proposed, new_base = triple
    result = rebase(base, proposed, new_base)
    if not result.clean:
        return
    proposal, accepted = changes(base, proposed), changes(base, new_base)
    merged = replay(tokenize(base), set(proposal) | set(accepted))

    assert result.text == "".join(merged)
    assert tokenize(result.text) == merged, "no word fuses with a neighbouring edit"
    for edit in proposal:
        assert "".join(edit.replacement) in result.text


@given(triples())
@PROPERTY
def test_clean_rebase_is_new_base_plus_exactly_the_proposal(triple):
    base, proposed, new_base = triple
    result = rebase(base, proposed, new_base)
    if not result.clean:
        return
    proposal, accepted = changes(base, proposed), changes(base, new_base)
    pending = [p for p in proposal if p not in set(accepted)]

    # Move each pending edit into new_base coordinates by the net growth of
    # the accepted edits before it, then apply it to new_base.
    moved = []
    for p in pending:
        shift = sum(len(a.replacement) - (a.end - a.start) for a in accepted if a.end <= p.start)
        moved.append(Edit(p.start + shift, p.end + shift, p.replacement))
    assert "".join(replay(tokenize(new_base), moved)) == result.text

    # Whatever alignment the diff picks, new_base -> result adds and removes
    # the same words as the proposal's own edits do.
    segments = word_diff(new_base, result.text)
    base_tokens = tokenize(base)
    diff_net = word_counts(s.text for s in segments if s.op == "insert")
    diff_net.subtract(word_counts(s.text for s in segments if s.op == "delete"))
    proposal_net = word_counts("".join(p.replacement) for p in pending)
    proposal_net.subtract(word_counts("".join(base_tokens[p.start:p.end]) for p in pending))
    assert +diff_net == +proposal_net and -diff_net == -proposal_net


@given(triples())
@PROPERTY
def test_rebase_is_symmetric(triple):
    base, proposed, new_base = triple
    forward = rebase(base, proposed, new_base)
    backward = rebase(base, new_base, proposed)
    assert forward.clean == backward.clean
    assert forward.text == backward.text


@given(base=texts, data=st.data())
@PROPERTY
def test_unchanged_sides(base, data):
    other = data.draw(edited(base))
    assert rebase(base, other, base) == RebaseResult(True, other, ())
    assert rebase(base, base, other) == RebaseResult(True, other, ())
    assert rebase(base, other, other) == RebaseResult(True, other, ())


# --- examples ---------------------------------------------------------------

BASE = "Economies will reduce emissions by 2030 and report on progress."


def test_neighbouring_word_edits_conflict():
    result = rebase(
        BASE,
        "Economies will reduce emissions by 2035 and report on progress.",
        "Economies will reduce emissions by 2030 or report on progress.",
    )
    assert not result.clean and result.text is None
    tokens = tokenize(BASE)
    (start, end), = result.conflicts
    assert "".join(tokens[start:end]) == "2030 and"


def test_edits_separated_only_by_punctuation_conflict():
    result = rebase("by 2030, and more", "by 2035, and more", "by 2030, or more")
    assert not result.clean


def test_edits_separated_by_a_word_merge():
    result = rebase("by 2030 and then more", "by 2035 and then more", "by 2030 and then less")
    assert result == RebaseResult(True, "by 2035 and then less", ())


def test_edits_in_different_sentences_merge_exactly():
    base = "Economies should reduce emissions by 2030. We welcome the report."
    proposed = "Economies shall reduce emissions by 2030. We welcome the report."
    new_base = "Economies should reduce emissions by 2030. We warmly welcome the final report."
    assert rebase(base, proposed, new_base) == RebaseResult(
        True, "Economies shall reduce emissions by 2030. We warmly welcome the final report.", ()
    )


def test_same_change_on_both_sides_is_clean():
    proposed = "Economies will reduce emissions by 2035 and report on progress."
    changed_elsewhere = "Economies will cut emissions by 2035 and report on progress."
    assert rebase(BASE, proposed, proposed).text == proposed
    assert rebase(BASE, proposed, changed_elsewhere) == RebaseResult(True, changed_elsewhere, ())


def test_insertions_at_the_same_point_conflict():
    result = rebase("reduce emissions", "reduce greenhouse emissions", "reduce carbon emissions")
    assert not result.clean


def test_insertion_at_the_edge_of_a_replacement_conflicts():
    result = rebase("we note the report", "we note the annual report", "we note the study")
    assert not result.clean


def test_edits_conflict_rules():
    tokens = tokenize("a b, c d")  # a ␣ b , ␣ c ␣ d
    replace_b = Edit(2, 3, ("x",))
    assert edits_conflict(tokens, replace_b, Edit(2, 3, ("y",)))  # same range
    assert edits_conflict(tokens, replace_b, Edit(3, 3, ("!",)))  # insertion at its end
    assert edits_conflict(tokens, replace_b, Edit(2, 2, ("z ",)))  # insertion at its start
    assert edits_conflict(tokens, replace_b, Edit(5, 6, ("y",)))  # only ", " between
    assert not edits_conflict(tokens, replace_b, Edit(7, 8, ("y",)))  # "c" between
    assert not edits_conflict(tokens, Edit(0, 1, ("y",)), Edit(5, 6, ("z",)))
