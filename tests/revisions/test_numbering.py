"""Display numbers: draft numbering, issued numbers, bis/ter for clauses inserted since."""
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.domain.numbering import (LATIN_SUFFIXES, NumberingInput, number_clauses,
                                       sequential_numbers, suffixed)
from drafting.domain.states import SectionKind

PP, OP = SectionKind.PREAMBLE, SectionKind.OPERATIVE
PROPERTY = settings(max_examples=examples(200))


def test_draft_numbering_counts_each_kind_across_sections_and_skips_removed():
    numbers = number_clauses([NumberingInput(1, PP), NumberingInput(2, OP),
                              NumberingInput(3, OP, removed=True), NumberingInput(4, OP),
                              NumberingInput(5, PP)])
    assert numbers == {1: "PP1", 2: "OP1", 4: "OP2", 5: "PP2"}


def test_issued_numbers_are_kept_and_inserted_clauses_get_latin_suffixes():
    numbers = number_clauses([
        NumberingInput(1, PP, issued_number="PP1"),
        NumberingInput(2, OP, issued_number="OP1"),
        NumberingInput(3, OP, issued_number="OP2"),
        NumberingInput(10, OP),  # inserted after OP2
        NumberingInput(11, OP),  # and another after that
        NumberingInput(4, OP, issued_number="OP3"),
        NumberingInput(12, OP),
    ])
    assert numbers == {1: "PP1", 2: "OP1", 3: "OP2", 10: "OP2bis", 11: "OP2ter", 4: "OP3",
                       12: "OP3bis"}


def test_suffix_sequence_up_to_decies_then_a_safe_fallback():
    assert [suffixed("OP3", i) for i in range(1, 10)] == [
        "OP3bis", "OP3ter", "OP3quater", "OP3quinquies", "OP3sexies", "OP3septies",
        "OP3octies", "OP3novies", "OP3decies"]
    assert suffixed("OP3", 10) == "OP3undecies"
    beyond = suffixed("OP3", len(LATIN_SUFFIXES) + 1)
    assert beyond == f"OP3-{len(LATIN_SUFFIXES) + 2}"


def test_clause_before_the_first_issued_one_is_numbered_from_zero():
    numbers = number_clauses([NumberingInput(9, PP), NumberingInput(1, PP, issued_number="PP1"),
                              NumberingInput(2, OP, issued_number="OP1")])
    assert numbers[9] == "PP0bis" and numbers[1] == "PP1"


def test_deleted_clauses_keep_their_number_reserved_until_the_next_renumbering():
    clauses = [NumberingInput(1, OP, issued_number="OP1"),
               NumberingInput(2, OP, removed=True, issued_number="OP2"),
               NumberingInput(3, OP, issued_number="OP3"),
               NumberingInput(7, OP),  # inserted after OP3, then OP3 ...
               ]
    numbers = number_clauses(clauses)
    assert numbers == {1: "OP1", 3: "OP3", 7: "OP3bis"}  # OP2 is not reused
    assert number_clauses(clauses, include_removed=True)[2] == "OP2"


def test_deleting_a_clause_does_not_renumber_the_clauses_after_it():
    before = [NumberingInput(3, OP, issued_number="OP3"), NumberingInput(7, OP),
              NumberingInput(8, OP)]
    after = [NumberingInput(3, OP, removed=True, issued_number="OP3"),
             NumberingInput(7, OP, removed=True), NumberingInput(8, OP)]
    assert number_clauses(before)[8] == "OP3ter" == number_clauses(after)[8]


def test_retired_clauses_take_no_place_in_the_numbering():
    numbers = number_clauses([NumberingInput(1, OP, issued_number="OP1"),
                              NumberingInput(2, OP, removed=True, retired=True),
                              NumberingInput(3, OP)])
    assert numbers == {1: "OP1", 3: "OP1bis"}


def test_a_kind_without_issued_numbers_keeps_draft_numbering():
    numbers = number_clauses([NumberingInput(1, PP, issued_number="PP1"),
                              NumberingInput(2, OP), NumberingInput(3, OP)])
    assert numbers == {1: "PP1", 2: "OP1", 3: "OP2"}


# --- properties -------------------------------------------------------------------------------

kinds = st.sampled_from([PP, OP])


@st.composite
def numbered_documents(draw):
    """A document renumbered once, then edited: insertions (no number) and deletions."""
    original = draw(st.lists(st.tuples(kinds, st.booleans()), max_size=15))
    clauses = [NumberingInput(i, kind) for i, (kind, _) in enumerate(original)]
    issued = sequential_numbers(clauses)
    result = [NumberingInput(c.clause_id, c.kind, removed=deleted,
                             issued_number=issued[c.clause_id])
              for c, (_, deleted) in zip(clauses, original)]
    extra = draw(st.lists(st.tuples(st.integers(0, len(result)), kinds, st.booleans()),
                          max_size=25))
    next_id = 1000
    for place, kind, deleted in extra:
        result.insert(min(place, len(result)), NumberingInput(next_id, kind, removed=deleted))
        next_id += 1
    return result


@given(numbered_documents())
@PROPERTY
def test_numbers_are_unique_and_issued_ones_never_move(clauses):
    numbers = number_clauses(clauses, include_removed=True)
    assert len(set(numbers.values())) == len(numbers)
    for clause in clauses:
        if clause.issued_number:
            assert numbers[clause.clause_id] == clause.issued_number
    live = number_clauses(clauses)
    assert set(live) == {c.clause_id for c in clauses if not c.removed}


@given(numbered_documents(), st.data())
@PROPERTY
def test_deleting_any_clause_changes_no_other_number(clauses, data):
    """Once numbers are issued for a kind (draft numbering closes gaps, by design)."""
    issued_kinds = {c.kind for c in clauses if c.issued_number}
    live = [i for i, c in enumerate(clauses) if not c.removed and c.kind in issued_kinds]
    if not live:
        return
    index = data.draw(st.sampled_from(live))
    before = number_clauses(clauses)
    changed = list(clauses)
    c = changed[index]
    changed[index] = NumberingInput(c.clause_id, c.kind, True, c.issued_number)
    after = number_clauses(changed)
    del before[c.clause_id]
    kind_of = {x.clause_id: x.kind for x in clauses}
    assert {k: v for k, v in after.items() if kind_of[k] in issued_kinds} == \
        {k: v for k, v in before.items() if kind_of[k] in issued_kinds}


@given(st.lists(kinds, max_size=30))
@PROPERTY
def test_renumbering_gives_consecutive_numbers_per_kind(kind_list):
    clauses = [NumberingInput(i, k) for i, k in enumerate(kind_list)]
    numbers = sequential_numbers(clauses)
    for kind, prefix in ((PP, "PP"), (OP, "OP")):
        ours = [numbers[c.clause_id] for c in clauses if c.kind is kind]
        assert ours == [f"{prefix}{n}" for n in range(1, len(ours) + 1)]
