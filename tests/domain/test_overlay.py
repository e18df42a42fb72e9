"""Tests for drafting.domain.overlay (many proposals inline on one base)."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.domain.diff import token_edits, tokenize
from drafting.domain.overlay import OverlaySegment, overlay

PROPERTY = settings(max_examples=examples(200))

WORDS = ["economies", "shall", "should", "reduce", "emissions", "by", "2030", "2035",
         "and", "or", "trade", "APEC", "the"]
SEPARATORS = [" ", " ", " ", ", ", ". ", "; ", "\n"]
pieces = st.sampled_from(WORDS) | st.sampled_from(SEPARATORS)
vocabulary_texts = st.lists(pieces, max_size=30).map("".join)
any_texts = vocabulary_texts | st.text(max_size=40)
LABELS = ["AUS", "CAN", "CHL", "JPN", "PER", "USA"]


@st.composite
def proposal_sets(draw):
    """(base, [(label, text), ...]) with distinct labels."""
    base = draw(vocabulary_texts)
    labels = draw(st.lists(st.sampled_from(LABELS), unique=True, max_size=len(LABELS)))
    return base, [(label, draw(vocabulary_texts)) for label in labels]


def base_of(segments):
    return "".join(s.text for s in segments if s.op != "insert")


def view_of(segments, label):
    """The text one proposal reads as: base minus its deletions plus its insertions."""
    return "".join(
        s.text
        for s in segments
        if s.op == "equal"
        or (s.op == "delete" and label not in s.authors)
        or (s.op == "insert" and s.authors == (label,))
    )


# --- properties -------------------------------------------------------------


@given(base=any_texts, proposed=any_texts)
@PROPERTY
def test_single_proposal_rebuilds_base_and_proposal(base, proposed):
    segments = overlay(base, [("AUS", proposed)])
    assert base_of(segments) == base
    assert "".join(s.text for s in segments if s.op != "delete") == proposed


@given(proposal_sets())
@PROPERTY
def test_every_proposal_can_be_read_back(case):
    base, proposals = case
    segments = overlay(base, proposals)
    assert base_of(segments) == base
    for label, proposed in proposals:
        assert view_of(segments, label) == proposed


@given(proposal_sets())
@PROPERTY
def test_segments_are_well_formed(case):
    base, proposals = case
    segments = overlay(base, proposals)
    order = [label for label, _ in proposals]

    for segment in segments:
        assert segment.text
        if segment.op == "equal":
            assert segment.authors == ()
        elif segment.op == "insert":
            assert len(segment.authors) == 1
        else:
            assert segment.authors
            assert list(segment.authors) == sorted(segment.authors, key=order.index)
    for left, right in itertools.pairwise(segments):
        if "insert" not in (left.op, right.op):
            assert (left.op, left.authors) != (right.op, right.authors), "runs are merged"


@given(proposal_sets())
@PROPERTY
def test_one_insert_segment_per_replacement_in_proposal_order(case):
    base, proposals = case
    segments = overlay(base, proposals)
    base_tokens = tokenize(base)
    for label, proposed in proposals:
        expected = [
            "".join(edit.replacement)
            for edit in token_edits(base_tokens, tokenize(proposed))
            if edit.replacement
        ]
        inserted = [s.text for s in segments if s.op == "insert" and s.authors == (label,)]
        assert inserted == expected


@given(base=any_texts)
@PROPERTY
def test_no_proposals_is_the_base(base):
    expected = [OverlaySegment("equal", base, ())] if base else []
    assert overlay(base, []) == expected


# --- examples ---------------------------------------------------------------


def test_three_economies_on_one_clause():
    segments = overlay(
        "Economies should reduce emissions by 2030.",
        [
            ("AUS", "Economies shall reduce emissions by 2035."),
            ("CHL", "Economies should reduce greenhouse emissions by 2035."),
            ("JPN", "Economies must reduce emissions."),
        ],
    )
    assert segments == [
        OverlaySegment("equal", "Economies ", ()),
        OverlaySegment("delete", "should", ("AUS", "JPN")),
        OverlaySegment("insert", "shall", ("AUS",)),
        OverlaySegment("insert", "must", ("JPN",)),
        OverlaySegment("equal", " reduce ", ()),
        OverlaySegment("insert", "greenhouse ", ("CHL",)),
        OverlaySegment("equal", "emissions", ()),
        OverlaySegment("delete", " by ", ("JPN",)),
        OverlaySegment("delete", "2030", ("AUS", "CHL", "JPN")),
        OverlaySegment("insert", "2035", ("AUS",)),
        OverlaySegment("insert", "2035", ("CHL",)),
        OverlaySegment("equal", ".", ()),
    ]


def test_insertions_on_an_empty_base():
    assert overlay("", [("1", "first"), ("2", "second")]) == [
        OverlaySegment("insert", "first", ("1",)),
        OverlaySegment("insert", "second", ("2",)),
    ]


def test_repeated_label_is_listed_once_and_inserts_stay_apart():
    segments = overlay("we note it", [("PER", "we see it"), ("PER", "we read it")])
    assert segments == [
        OverlaySegment("equal", "we ", ()),
        OverlaySegment("delete", "note", ("PER",)),
        OverlaySegment("insert", "see", ("PER",)),
        OverlaySegment("insert", "read", ("PER",)),
        OverlaySegment("equal", " it", ()),
    ]


def test_unchanged_proposal_adds_nothing():
    assert overlay("keep this", [("USA", "keep this")]) == [
        OverlaySegment("equal", "keep this", ()),
    ]
