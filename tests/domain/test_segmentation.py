"""Tests for drafting.domain.segmentation (the tokens the word diff works on), by example.

The properties over random text in many scripts are in test_unicode_properties.py.
"""

import itertools

import pytest
import regex

from drafting.domain.diff import Segment, available_backends, word_diff
from drafting.domain.segmentation import (
    _cluster_tokens,
    _needs_cluster_path,
    grapheme_boundaries,
    is_word,
    tokenize,
)

backends = pytest.mark.parametrize("backend", available_backends())


def test_latin_text_keeps_words_whitespace_runs_and_single_punctuation():
    text = "Économies «libres» — “shall”, in 2030:  act!\r\n\tNext"
    assert tokenize(text) == [
        "Économies", " ", "«", "libres", "»", " ", "—", " ", "“", "shall", "”", ",", " ",
        "in", " ", "2030", ":", "  ", "act", "!", "\r\n\t", "Next",
    ]
    assert _cluster_tokens(text) == tokenize(text), "the fast path changes nothing"


@pytest.mark.parametrize("text, expected", [
    # Thai tone marks and vowel signs stay on their letters; ICU finds the words.
    ("ประเทศไทยสนับสนุนเศรษฐกิจชีวภาพ", ["ประเทศไทย", "สนับสนุน", "เศรษฐกิจ", "ชีวภาพ"]),
    # Devanagari vowel signs and viramas are part of the word.
    ("हिन्दी भाषा", ["हिन्दी", " ", "भाषा"]),
    # Chinese and Japanese words without spaces.
    ("经济体合作", ["经济", "体", "合作"]),
    ("日本語の文章です", ["日本語", "の", "文章", "です"]),
    # Latin letters with combining marks, decomposed Hangul jamo.
    ("Ve\u0301ritable n\u0303", ["Ve\u0301ritable", " ", "n\u0303"]),
    ("\u1112\u1161\u11ab\uae00 \ud55c", ["\u1112\u1161\u11ab\uae00", " ", "\ud55c"]),
    # Emoji: ZWJ family, flags, skin tone each one token.
    ("a👨\u200d👩\u200d👧🇹🇭🇯🇵👍🏽b", ["a", "👨\u200d👩\u200d👧", "🇹🇭", "🇯🇵", "👍🏽", "b"]),
    # Soft hyphen, joiners and the word joiner never split a word; the zero-width space does.
    ("co\u00adoperation zero\u200djoiner mi\u200cxed wo\u2060rd",
     ["co\u00adoperation", " ", "zero\u200djoiner", " ", "mi\u200cxed", " ", "wo\u2060rd"]),
    ("ไทย\u00adจีน ไทย\u200bจีน", ["ไทย\u00adจีน", " ", "ไทย", "\u200b", "จีน"]),
    # A combining mark after a space stays with the space (they are one cluster).
    ("a \u0301b", ["a", " \u0301", "b"]),
])
def test_tokens_are_words_and_whole_clusters(text, expected):
    tokens = tokenize(text)
    assert tokens == expected
    assert {0, *[sum(map(len, tokens[:i + 1])) for i in range(len(tokens))]} <= \
        grapheme_boundaries(text)


def test_marks_alone_are_not_words():
    assert is_word("ประเทศ") and is_word("e\u0301") and is_word("2030")
    assert not is_word(" \u0301") and not is_word("👍🏽") and not is_word("\u00ad")


def test_grapheme_boundaries_follow_uax29():
    assert grapheme_boundaries("") == {0}
    assert grapheme_boundaries("e\u0301🇹🇭") == {0, 2, 4}
    assert grapheme_boundaries("क्षत्रिय") == {0, 3, 7, 8}  # conjuncts (GB9c)
    assert len(regex.findall(r"\X", "👨\u200d👩\u200d👧")) == 1


@backends
def test_one_thai_word_replaced_reads_as_that_word(backend):
    old = "ประเทศไทยสนับสนุนเศรษฐกิจชีวภาพ"
    new = "ประเทศไทยส่งเสริมเศรษฐกิจชีวภาพ"
    assert word_diff(old, new, backend=backend) == [
        Segment("equal", "ประเทศไทย"),
        Segment("delete", "สนับสนุน"),
        Segment("insert", "ส่งเสริม"),
        Segment("equal", "เศรษฐกิจชีวภาพ"),
    ]


@backends
def test_changed_tone_mark_replaces_the_whole_word(backend):
    # ไม้ (wood) -> ไม่ (not): one tone mark differs; the whole word is replaced.
    segments = word_diff("ไม้ ดี", "ไม่ ดี", backend=backend)
    assert segments == [Segment("delete", "ไม้"), Segment("insert", "ไม่"),
                        Segment("equal", " ดี")]


@backends
def test_changed_vowel_sign_replaces_the_whole_word(backend):
    segments = word_diff("विकास की", "विकासी की", backend=backend)
    assert segments == [Segment("delete", "विकास"), Segment("insert", "विकासी"),
                        Segment("equal", " की")]


@backends
def test_skin_tone_change_replaces_the_whole_emoji(backend):
    segments = word_diff("ok 👍🏽 go", "ok 👍🏿 go", backend=backend)
    assert segments == [Segment("equal", "ok "), Segment("delete", "👍🏽"),
                        Segment("insert", "👍🏿"), Segment("equal", " go")]


def test_every_fast_path_character_tokenizes_as_on_the_cluster_path():
    # Exhaustive over the Basic Multilingual Plane: a character the fast path accepts gets
    # the same tokens beside letters, digits, spaces and itself as on the cluster path.
    needs_cluster_path = _needs_cluster_path()
    checked = 0
    for code in itertools.chain(range(0x80, 0xD800), range(0xE000, 0x10000)):
        char = chr(code)
        if needs_cluster_path.search(char):
            continue
        text = f"a{char}b{char}{char} {char}1{char}"
        assert tokenize(text) == _cluster_tokens(text), hex(code)
        checked += 1
    assert checked > 20_000
