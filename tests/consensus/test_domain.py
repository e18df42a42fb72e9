"""Pure consensus rules, parsing of stances/statuses/codes, and option labelling."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.domain.consensus import (NO_POSITION, OptionInput, agreement_blockers, assess,
                                       join_codes, label_options, not_chosen_note, options_text,
                                       parse_clause_status, parse_codes, parse_stance,
                                       split_codes)
from drafting.domain.errors import InvalidInput
from drafting.domain.states import ClauseStatus, Stance

S, C, R, O = Stance.SUPPORT, Stance.CAN_ACCEPT, Stance.RESERVATION, Stance.OBJECTION
ECONOMIES = ["AUS", "NZ", "JPN"]


@pytest.mark.parametrize("stances, consensus, blocking, missing", [
    ({"AUS": S, "NZ": S, "JPN": S}, True, (), ()),
    ({"AUS": S, "NZ": C, "JPN": C}, True, (), ()),
    ({"AUS": C, "NZ": C, "JPN": C}, True, (), ()),
    ({"AUS": S, "NZ": S}, False, (), ("JPN",)),  # a missing position: no consensus yet
    ({"AUS": S, "NZ": S, "JPN": None}, False, (), ("JPN",)),
    ({"AUS": S, "NZ": R, "JPN": S}, False, ("NZ",), ()),
    ({"AUS": O, "NZ": S, "JPN": S}, False, ("AUS",), ()),
    ({"AUS": O, "NZ": R}, False, ("AUS", "NZ"), ("JPN",)),
    ({}, False, (), ("AUS", "NZ", "JPN")),
])
def test_consensus_rules_table(stances, consensus, blocking, missing):
    report = assess(ECONOMIES, stances)
    assert report.consensus is consensus
    assert report.blocking == blocking
    assert report.without_position == missing
    assert report.total == len(ECONOMIES)


def test_counts_per_stance_and_unknown_economies_ignored():
    report = assess(ECONOMIES, {"AUS": S, "NZ": R, "USA": O})
    assert report.counts == {"support": 1, "can_accept": 0, "reservation": 1, "objection": 0,
                             NO_POSITION: 1}
    assert report.blocking == ("NZ",)


def test_no_economies_means_no_consensus():
    assert assess([], {}).consensus is False


stance_or_none = st.sampled_from([None, *Stance])


@settings(max_examples=examples(200))
@given(st.lists(stance_or_none, min_size=1, max_size=21))
def test_consensus_iff_everyone_supports_or_can_accept(values):
    codes = [f"E{i}" for i in range(len(values))]
    report = assess(codes, dict(zip(codes, values)))
    assert report.consensus == all(v in (S, C) for v in values)
    assert report.total == len(values)
    assert set(report.blocking) == {c for c, v in zip(codes, values) if v in (R, O)}


def test_agreement_blockers_leave_out_excepted_economies():
    stances = {"AUS": O, "NZ": R, "JPN": S}
    assert agreement_blockers(ECONOMIES, stances) == [("AUS", O), ("NZ", R)]
    assert agreement_blockers(ECONOMIES, stances, ["AUS"]) == [("NZ", R)]
    assert agreement_blockers(ECONOMIES, stances, ["AUS", "NZ"]) == []
    # Missing positions never block an agreement.
    assert agreement_blockers(ECONOMIES, {"AUS": S}) == []


@pytest.mark.parametrize("raw, expected", [
    ("support", S), (" Can_Accept ", C), ("reservation", R), ("objection", O), (O, O)])
def test_parse_stance(raw, expected):
    assert parse_stance(raw) is expected


@pytest.mark.parametrize("raw", ["", None, "agree", 3, "can accept"])
def test_parse_stance_refuses_anything_else(raw):
    with pytest.raises(InvalidInput) as error:
        parse_stance(raw)
    assert error.value.status == 422 and error.value.details == {"field": "stance"}


def test_parse_clause_status():
    assert parse_clause_status("agreed_ad_ref") is ClauseStatus.AGREED_AD_REF
    with pytest.raises(InvalidInput):
        parse_clause_status("agreed except AUS")


def test_parse_codes_normalises_and_deduplicates():
    assert parse_codes("aus, NZ;jpn  aus") == ["AUS", "NZ", "JPN"]
    assert parse_codes(["nz", "AUS", "nz"]) == ["NZ", "AUS"]
    assert parse_codes(None) == [] and parse_codes("") == [] and parse_codes([]) == []
    with pytest.raises(InvalidInput):
        parse_codes([1, 2])
    with pytest.raises(InvalidInput):
        parse_codes(42)
    assert split_codes(join_codes(["AUS", "NZ"])) == ["AUS", "NZ"] and split_codes("") == []


def test_options_are_numbered_after_the_current_text():
    entries = label_options("Current.", [OptionInput(7, "Text A.", ("AUS", "NZ")),
                                         OptionInput(9, "Text B.", ("JPN",), in_conflict=True)])
    assert [(e.number, e.proposal_id) for e in entries] == [(1, None), (2, 7), (3, 9)]
    assert entries[0].is_current_text and entries[2].in_conflict
    assert options_text(entries) == ("Option 1 (current text): Current. / "
                                     "Option 2 [AUS, NZ: Text A.] / Option 3 [JPN: Text B.]")
    assert not_chosen_note(entries[1]) == "Option not chosen: option 2 (AUS, NZ) was chosen"
    assert "option 1" in not_chosen_note(entries[0])
