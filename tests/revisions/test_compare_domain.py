"""Attributing each change to the step that introduced it (drafting.domain.compare)."""
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.domain.compare import Step, attributed_changes
from drafting.domain.diff import tokenize, word_diff

PROPERTY = settings(max_examples=examples(200))
WORDS = ["we", "will", "shall", "reduce", "halve", "emissions", "by", "2030", "and", "trade",
         "APEC", "the", "é", "経済"]
SEPARATORS = [" ", " ", " ", ", ", ". ", "; "]
texts = st.lists(st.sampled_from(WORDS) | st.sampled_from(SEPARATORS), max_size=25).map("".join)
AUTHORS = [("AUS",), ("NZ", "JPN"), ("Secretariat",), ("USA",)]


def base_of(segments):
    return "".join(s.text for s in segments if s.op != "insert")


def final_of(segments):
    return "".join(s.text for s in segments if s.op != "delete")


def test_each_change_names_the_step_that_made_it():
    segments = attributed_changes("We will reduce emissions by 2030.", [
        Step("We will halve emissions by 2030.", ("AUS", "NZ"), 11),
        Step("We will halve emissions.", ("Secretariat",)),
    ])
    changes = [(s.op, s.text, s.authors, s.ref) for s in segments if s.op != "equal"]
    assert changes == [("delete", "reduce", ("AUS", "NZ"), 11),
                       ("insert", "halve", ("AUS", "NZ"), 11),
                       ("delete", " by 2030", ("Secretariat",), None)]


def test_words_added_then_removed_between_the_two_points_leave_no_trace():
    segments = attributed_changes("We act.", [Step("We act now.", ("AUS",)),
                                              Step("We act.", ("NZ",))])
    assert [(s.op, s.text) for s in segments] == [("equal", "We act.")]


def test_a_later_step_rewording_an_insertion_takes_over_that_wording():
    segments = attributed_changes("We act.", [Step("We act swiftly.", ("AUS",)),
                                              Step("We act very swiftly.", ("NZ",))])
    assert final_of(segments) == "We act very swiftly." and base_of(segments) == "We act."
    inserted_by = {s.text.strip(): s.authors for s in segments if s.op == "insert"}
    assert inserted_by.get("swiftly") == ("AUS",) and inserted_by.get("very") == ("NZ",)


def test_no_steps_is_all_unchanged_and_empty_base_is_all_inserted():
    assert [(s.op, s.text) for s in attributed_changes("Text here.", [])] == [
        ("equal", "Text here.")]
    segments = attributed_changes("", [Step("New clause.", ("AUS",), 5)])
    assert [(s.op, s.text, s.authors, s.ref) for s in segments] == [
        ("insert", "New clause.", ("AUS",), 5)]


@given(texts, st.lists(st.tuples(texts, st.sampled_from(AUTHORS)), max_size=5))
@PROPERTY
def test_replay_rebuilds_both_ends(base, steps):
    segments = attributed_changes(base, [Step(t, a, i) for i, (t, a) in enumerate(steps)])
    assert base_of(segments) == base
    assert final_of(segments) == (steps[-1][0] if steps else base)
    assert all(s.text for s in segments)
    for left, right in zip(segments, segments[1:]):
        assert (left.op, left.authors, left.ref) != (right.op, right.authors, right.ref)
    for s in segments:
        assert (s.op == "equal") == (s.authors == ())


@given(texts, texts)
@PROPERTY
def test_one_step_is_the_word_diff(base, new):
    segments = attributed_changes(base, [Step(new, ("AUS",))])
    assert [(s.op, s.text) for s in segments] == [(s.op, s.text) for s in word_diff(base, new)]


@given(texts, st.lists(st.tuples(texts, st.sampled_from(AUTHORS)), min_size=1, max_size=4))
@PROPERTY
def test_inserted_text_is_credited_to_a_step_that_actually_contains_it(base, steps):
    segments = attributed_changes(base, [Step(t, a, i) for i, (t, a) in enumerate(steps)])
    for s in segments:
        if s.op == "insert":
            # Every inserted word came from that step (a later step may have removed words in
            # between, so the run need not be a substring of the step's text).
            step_tokens = tokenize(steps[s.ref][0])
            assert all(token in step_tokens for token in tokenize(s.text))
