"""Text fidelity in every script: properties of the tokenizer, the diff, the rebase and the overlay.

Texts are drawn from Thai, Devanagari, Arabic, Hebrew, Chinese, Korean (syllables and decomposed
jamo), emoji sequences (ZWJ families, flags, skin tones), Latin with combining marks, soft
hyphens and zero-width (non-)joiners — as whole words and as loose characters, so combining
marks also land after spaces, punctuation or the start of the text.  Grapheme clusters are
the ``regex`` package's ``\\X`` (UAX #29 extended grapheme clusters).
"""

import html
import itertools

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from drafting.domain.compare import Step, attributed_changes
from drafting.domain.diff import (
    Segment,
    available_backends,
    new_text,
    old_text,
    tokenize,
    word_diff,
)
from drafting.domain.overlay import overlay
from drafting.domain.rebase import rebase
from drafting.domain.render import render_changes, render_overlay
from drafting.domain.segmentation import _cluster_tokens, _icu_cuts, grapheme_boundaries
from tests.domain.text_strategies import edits_of, segment_boundaries
from tests.hypothesis_profiles import examples

PROPERTY = settings(max_examples=examples(60))

WORDS = [
    # Thai (tone marks, vowel signs above and below, SARA AM)
    "ประเทศไทย", "สนับสนุน", "ส่งเสริม", "เศรษฐกิจ", "ชีวภาพ", "ที่", "ยั่งยืน", "น้ำ", "ไม้", "ไม่",
    # Devanagari (viramas, conjuncts, vowel signs, anusvara)
    "हिन्दी", "भाषा", "क्षत्रिय", "विकास", "संवाद",
    # Arabic with harakat, Hebrew with points
    "الاقتصاد", "مُسْتَدَام", "التجارة", "שָׁלוֹם", "כלכלה",
    # Chinese (one supplementary-plane ideograph), Japanese
    "经济", "合作", "亚太", "可持续", "𠀀", "日本語", "です",
    # Korean: syllables and decomposed jamo
    "한국어", "경제", "\u1100\u1161\u11a8", "\u1112\u1161\u11ab",
    # Emoji: ZWJ family, flags, skin tones, emoji with a variation selector
    "👨\u200d👩\u200d👧", "🇹🇭", "🇯🇵", "👍🏽", "👍🏿", "❤\ufe0f",
    # Latin with combining marks, precomposed letters, plain words
    "Ve\u0301ritable", "n\u0303", "a\u0308\u0304", "Côte", "Việt", "economies", "2030",
    # Words with a soft hyphen or joiners inside
    "co\u00adoperation", "ไทย\u00adจีน", "क्\u200dष", "می\u200cخواهم",
]
SEPARATORS = [" ", " ", " ", "  ", ", ", ". ", "。", "、", "\n", "\r\n", "\t", "(", ")", "—"]
LOOSE = [
    "\u0301", "\u0303", "\u0e48", "\u0e49", "\u0e31", "\u0e33", "\u093f", "\u094d", "\u0902",
    "\u064e", "\u05b8", "\u00ad", "\u200d", "\u200c", "\u2060", "\u200b", "\ufe0f",
    "🏽", "🇹", "🇭", "\u1100", "\u1161", "\u11a8", "\u0600", "e", "ก", "क", "한", "中", " ",
]
pieces = st.sampled_from(WORDS) | st.sampled_from(SEPARATORS) | st.sampled_from(LOOSE)
texts = st.lists(pieces, max_size=16).map("".join)
# Clause-like texts: words with separators, long enough for two edits to land apart.
words_and_separators = st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)).map("".join)
clauses = st.lists(words_and_separators, min_size=6, max_size=16).map("".join)
backends = st.sampled_from(available_backends())


edited = edits_of(pieces)


@st.composite
def related(draw):
    """A base text and three edited versions of it (sometimes an unrelated text)."""
    base = draw(clauses | texts)
    versions = [draw(texts) if draw(st.integers(0, 5)) == 0 else draw(edited(base))
                for _ in range(3)]
    return base, versions


def token_boundaries(tokens):
    return {0, *itertools.accumulate(map(len, tokens))}





def joined_positions(text):
    """Offsets that lie inside a word joined by soft hyphens or (zero-width) joiners.

    A run of U+00AD, U+200C, U+200D or U+2060 between two word characters (the one before
    it starting its grapheme cluster with a word character) must not be cut on either side.
    """
    starts = {}
    for match in regex.finditer(r"\X", text):
        for index in range(match.start(), match.end()):
            starts[index] = match.start()
    positions = set()
    for run in regex.finditer(r"[\u00ad\u200c\u200d\u2060]+", text):
        before, after = run.start() - 1, run.end()
        if before < 0 or after >= len(text):
            continue
        if (regex.match(r"\w", text[before]) and regex.match(r"\w", text[starts[before]])
                and regex.match(r"\w", text[after])):
            positions.update(range(run.start(), run.end() + 1))
    return positions


# --- tokenize ----------------------------------------------------------------------------


@given(texts)
@PROPERTY
def test_tokens_rebuild_the_text_and_never_split_a_cluster_or_a_joined_word(text):
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert all(tokens)
    boundaries = token_boundaries(tokens)
    assert boundaries <= grapheme_boundaries(text)
    assert not boundaries & joined_positions(text)


@given(st.text(max_size=40))
@PROPERTY
def test_any_text_is_cut_only_between_clusters(text):
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert token_boundaries(tokens) <= grapheme_boundaries(text)
    assert tokenize(text) == tokens, "same text, same tokens"


@given(st.text(st.characters(max_codepoint=0x2FFF), max_size=40))
@PROPERTY
def test_the_fast_path_gives_the_same_tokens_as_the_cluster_path(text):
    assert tokenize(text) == _cluster_tokens(text)


@given(st.lists(st.lists(st.sampled_from(WORDS[:10] + WORDS[20:27] + ["BCG", "2030", "e\u0301"]),
                         min_size=1, max_size=6).map("".join), max_size=8))
@PROPERTY
def test_one_icu_pass_splits_each_run_as_if_it_were_alone(runs):
    assert _icu_cuts(runs) == [_icu_cuts([run])[0] for run in runs]


# --- word_diff ---------------------------------------------------------------------------


@given(related(), backends)
@PROPERTY
def test_diff_sides_rebuild_both_texts_and_ops_never_split_a_cluster(case, backend):
    base, versions = case
    for new in versions:
        segments = word_diff(base, new, backend=backend)
        assert old_text(segments).encode() == base.encode()
        assert new_text(segments).encode() == new.encode()
        assert segment_boundaries(segments, "old") <= grapheme_boundaries(base)
        assert segment_boundaries(segments, "new") <= grapheme_boundaries(new)
        assert not segment_boundaries(segments, "old") & joined_positions(base)
        assert not segment_boundaries(segments, "new") & joined_positions(new)


@given(texts, backends)
@PROPERTY
def test_identical_texts_diff_to_one_equal_segment(text, backend):
    segments = word_diff(text, text, backend=backend)
    assert [s.op for s in segments] == (["equal"] if text else [])
    assert old_text(segments) == new_text(segments) == text


# --- rebase ------------------------------------------------------------------------------


@given(related())
@PROPERTY
def test_rebase_identities_hold_in_every_script(case):
    base, (proposed, new_base, _) = case
    assert rebase(base, base, new_base).text == new_base
    assert rebase(base, proposed, base).text == proposed
    assert rebase(base, proposed, proposed).text == proposed
    assert rebase(base, base, base).text == base


@given(related())
@PROPERTY
def test_clean_rebase_changes_never_split_a_cluster(case):
    base, (proposed, new_base, _) = case
    result = rebase(base, proposed, new_base)
    if not result.clean:
        assert result.text is None and result.conflicts
        return
    merged = result.text
    # The rebased text is joined from whole tokens of the three texts: every joint is a
    # cluster boundary of the result, so no cluster is made of two texts' characters.
    for reference in (new_base, proposed):
        segments = word_diff(reference, merged)
        assert new_text(segments) == merged and old_text(segments) == reference
        assert segment_boundaries(segments, "new") <= grapheme_boundaries(merged)
        assert segment_boundaries(segments, "old") <= grapheme_boundaries(reference)
    # Whatever the proposal inserted is in the result, cluster for cluster.
    for segment in word_diff(base, proposed):
        if segment.op == "insert" and segment.text in merged:
            start = merged.index(segment.text)
            assert {start, start + len(segment.text)} <= grapheme_boundaries(merged)


# --- overlay -----------------------------------------------------------------------------


@given(related())
@PROPERTY
def test_overlay_rebuilds_base_and_proposals_and_never_splits_a_cluster(case):
    base, versions = case
    proposals = list(zip(["THA", "IND", "KOR"], versions, strict=True))
    segments = overlay(base, proposals)

    assert "".join(s.text for s in segments if s.op != "insert").encode() == base.encode()
    assert segment_boundaries(segments, "old") <= grapheme_boundaries(base)
    for label, proposed in proposals:
        view = [s.text for s in segments
                if s.op == "equal" or (s.op == "delete" and label not in s.authors)
                or (s.op == "insert" and s.authors == (label,))]
        assert "".join(view).encode() == proposed.encode()
        assert token_boundaries(view) <= grapheme_boundaries(proposed)
    single = overlay(base, proposals[:1])
    assert "".join(s.text for s in single if s.op != "delete") == proposals[0][1]
    assert segment_boundaries(single, "new") <= grapheme_boundaries(proposals[0][1])


# --- attributed comparison (redlines) and HTML rendering ---------------------------------


@given(related())
@PROPERTY
def test_attributed_changes_never_give_one_cluster_two_authors(case):
    base, versions = case
    steps = [Step(text, (author,)) for text, author in zip(versions, ["THA", "IND", "KOR"],
                                                             strict=True)]
    segments = attributed_changes(base, steps)
    assert old_text(segments).encode() == base.encode()
    assert new_text(segments).encode() == versions[-1].encode()
    assert segment_boundaries(segments, "old") <= grapheme_boundaries(base)
    assert segment_boundaries(segments, "new") <= grapheme_boundaries(versions[-1])


def rendered_runs(html_text):
    """(op, text) runs of rendered HTML: <ins>/<del> contents and the text between them."""
    html_text = regex.sub(r"<sup\b[^>]*>.*?</sup>", "", html_text, flags=regex.DOTALL)
    runs = []
    for match in regex.finditer(r"<(ins|del)\b[^>]*>(.*?)</\1>|([^<]+)", html_text,
                                flags=regex.DOTALL):
        tag, inner, plain = match.groups()
        op = {"ins": "insert", "del": "delete"}.get(tag, "equal")
        runs.append(Segment(op, html.unescape(inner if tag else plain)))
    return runs


@given(related())
@PROPERTY
def test_rendered_changes_start_and_end_on_cluster_boundaries(case):
    base, versions = case
    one = rendered_runs(render_changes(word_diff(base, versions[0]), author="THA"))
    many = rendered_runs(render_overlay(overlay(base, [("THA", versions[0])])))
    for runs in (one, many):
        assert old_text(runs) == base and new_text(runs) == versions[0]
        assert segment_boundaries(runs, "old") <= grapheme_boundaries(base)
        assert segment_boundaries(runs, "new") <= grapheme_boundaries(versions[0])
