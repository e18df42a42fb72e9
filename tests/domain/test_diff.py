"""Tests for drafting.domain.diff (word-level diff)."""

import ast
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.domain import diff as diff_module
from drafting.domain.diff import (
    Edit,
    Segment,
    apply_edits,
    available_backends,
    default_backend,
    diff_stats,
    new_text,
    old_text,
    token_edits,
    tokenize,
    word_diff,
)
from tests.domain.text_strategies import segment_boundaries

DOMAIN_DIR = Path(diff_module.__file__).resolve().parent

# No example database: test runs leave nothing behind in the working tree.
PROPERTY = settings(max_examples=examples(150))

WORDS = ["economies", "shall", "should", "reduce", "emissions", "by", "2030", "2035",
         "and", "or", "trade", "APEC", "the", "members", "décideurs", "经济体"]
SEPARATORS = [" ", " ", " ", ", ", ". ", "; ", "\n", "(", ")", "  "]
pieces = st.sampled_from(WORDS) | st.sampled_from(SEPARATORS)
vocabulary_texts = st.lists(pieces, max_size=40).map("".join)
any_texts = vocabulary_texts | st.text(max_size=60)

backends = pytest.mark.parametrize("backend", available_backends())


def token_boundaries(text: str) -> set[int]:
    """Character offsets at which tokens of ``text`` start or end."""
    offsets = itertools.accumulate(len(t) for t in tokenize(text))
    return {0, *offsets}





def replay(old_tokens: list[str], edits: list[Edit]) -> list[str]:
    """Apply edits back to front, independently of ``apply_edits``."""
    tokens = list(old_tokens)
    for edit in reversed(edits):
        tokens[edit.start:edit.end] = edit.replacement
    return tokens


# --- tokenize ---------------------------------------------------------------


@given(st.text())
@PROPERTY
def test_tokens_rebuild_any_text(text):
    assert "".join(tokenize(text)) == text


def test_tokenize_splits_words_spaces_and_punctuation():
    assert tokenize("APEC economies, in 2030:  act!") == [
        "APEC", " ", "economies", ",", " ", "in", " ", "2030", ":", "  ", "act", "!",
    ]
    assert tokenize("") == []


# --- word_diff --------------------------------------------------------------


@backends
@given(old=any_texts, new=any_texts)
@PROPERTY
def test_word_diff_rebuilds_both_texts(backend, old, new):
    segments = word_diff(old, new, backend=backend)
    assert old_text(segments) == old
    assert new_text(segments) == new


@backends
@given(old=any_texts, new=any_texts)
@PROPERTY
def test_word_diff_segments_are_well_formed(backend, old, new):
    segments = word_diff(old, new, backend=backend)
    assert all(segment.text for segment in segments)
    for left, right in itertools.pairwise(segments):
        assert left.op != right.op
        assert (left.op, right.op) != ("insert", "delete"), "replacements read delete, insert"


@backends
@given(old=any_texts, new=any_texts)
@PROPERTY
def test_word_diff_never_splits_a_token(backend, old, new):
    segments = word_diff(old, new, backend=backend)
    assert segment_boundaries(segments, "old") <= token_boundaries(old)
    assert segment_boundaries(segments, "new") <= token_boundaries(new)


@backends
@given(text=any_texts)
@PROPERTY
def test_identical_texts_are_one_equal_segment(backend, text):
    expected = [Segment("equal", text)] if text else []
    assert word_diff(text, text, backend=backend) == expected


@backends
def test_word_replacement_reads_as_whole_words(backend):
    segments = word_diff(
        "Economies should reduce emissions by 2030.",
        "Economies shall reduce emissions by 2035.",
        backend=backend,
    )
    assert segments == [
        Segment("equal", "Economies "),
        Segment("delete", "should"),
        Segment("insert", "shall"),
        Segment("equal", " reduce emissions by "),
        Segment("delete", "2030"),
        Segment("insert", "2035"),
        Segment("equal", "."),
    ]


@backends
def test_inserted_word_is_one_segment(backend):
    assert word_diff("a big dog", "a very big dog", backend=backend) == [
        Segment("equal", "a "),
        Segment("insert", "very "),
        Segment("equal", "big dog"),
    ]


@backends
def test_empty_sides(backend):
    assert word_diff("", "", backend=backend) == []
    assert word_diff("", "new text", backend=backend) == [Segment("insert", "new text")]
    assert word_diff("old text", "", backend=backend) == [Segment("delete", "old text")]


@backends
def test_private_use_characters_in_the_text_are_ordinary_tokens(backend):
    old, new = "\ue000 x \U000f0000", "\ue001 x \U000f0000"
    segments = word_diff(old, new, backend=backend)
    assert old_text(segments) == old and new_text(segments) == new
    assert segments[-1] == Segment("equal", " x \U000f0000")


@backends
def test_more_distinct_tokens_than_the_bmp_private_use_area(backend):
    # 7,000 distinct words overflow the 6,400 BMP codes into plane 15.
    old_words = [f"w{i}" for i in range(7000)]
    new_words = list(old_words)
    new_words[6900] = "changed"
    del new_words[10]
    old, new = " ".join(old_words), " ".join(new_words)

    segments = word_diff(old, new, backend=backend)

    assert old_text(segments) == old and new_text(segments) == new
    assert diff_stats(segments) == {
        "inserted_words": 1, "deleted_words": 2, "unchanged_words": 6998,
    }


def test_unknown_backend_is_rejected():
    with pytest.raises(ValueError):
        word_diff("a", "b", backend="nonsense")


def test_default_backend_is_the_first_available():
    assert default_backend() == available_backends()[0]
    assert "python" in available_backends()


def test_diff_stats_counts_only_words():
    segments = word_diff("We note the report.", "We welcome, warmly, the report!")
    assert diff_stats(segments) == {
        "inserted_words": 2, "deleted_words": 1, "unchanged_words": 3,
    }


# --- token_edits ------------------------------------------------------------


@backends
@given(old=any_texts, new=any_texts)
@PROPERTY
def test_token_edits_are_ordered_separated_and_complete(backend, old, new):
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    edits = token_edits(old_tokens, new_tokens, backend=backend)

    for edit in edits:
        assert 0 <= edit.start <= edit.end <= len(old_tokens)
        assert edit.start < edit.end or edit.replacement, "edits change something"
    for earlier, later in itertools.pairwise(edits):
        assert earlier.end < later.start, "an unchanged token separates edits"
    assert replay(old_tokens, edits) == new_tokens
    assert apply_edits(old_tokens, edits) == new_tokens


def test_token_edits_use_old_token_coordinates():
    old = tokenize("reduce emissions by 2030 and")
    new = tokenize("reduce greenhouse emissions by 2035 and")
    assert token_edits(old, new) == [
        Edit(2, 2, ("greenhouse", " ")),
        Edit(6, 7, ("2035",)),
    ]


def test_apply_edits_rejects_overlapping_edits():
    with pytest.raises(ValueError):
        apply_edits(["a", " ", "b"], [Edit(0, 2, ()), Edit(1, 3, ())])


# --- purity -----------------------------------------------------------------


@pytest.mark.parametrize("module", ["diff.py", "segmentation.py", "rebase.py", "overlay.py"])
def test_domain_modules_import_no_web_or_database_code(module):
    tree = ast.parse((DOMAIN_DIR / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    third_party = imported - {"__future__", "re", "collections", "dataclasses", "functools",
                              "itertools", "typing"}
    assert third_party <= {"diff_match_patch", "fast_diff_match_patch", "regex", "icu4py"}
