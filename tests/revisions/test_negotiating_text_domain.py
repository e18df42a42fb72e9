"""Negotiating-text conventions and counts (drafting.domain.negotiating_text)."""
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.domain.negotiating_text import (ClauseInput, ProposalInput, negotiating_clause,
                                              pieces_html, pieces_text, totals)

BASE = "We will reduce emissions by 2030 and promote clean energy."
PROPERTY = settings(max_examples=examples(150))


def amend(pid, text, *economies, status="open", on_current_text=True):
    return ProposalInput(pid, "amend", text, tuple(economies), status, on_current_text)


def test_open_clause_without_proposals_carries_no_brackets():
    clause = negotiating_clause(ClauseInput(1, "OP1", BASE))
    assert clause.plain == BASE and not clause.bracketed
    assert clause.bracket_count == 0 and clause.option_count == 0


def test_bracketed_clause_is_in_square_brackets():
    clause = negotiating_clause(ClauseInput(1, "OP1", BASE, status="bracketed"))
    assert clause.plain == f"[{BASE}]" and clause.bracket_count == 1


def test_open_amendments_appear_inline_with_their_sponsors():
    clause = negotiating_clause(ClauseInput(1, "OP1", BASE, proposals=(
        amend(5, BASE.replace("reduce", "halve"), "AUS", "NZ"),
        amend(6, BASE.replace(" by 2030", ""), "JPN"),
    )))
    assert clause.plain == ("[We will [reduce] [AUS, NZ: halve] emissions [by 2030] [JPN: delete] "
                            "and promote clean energy.]")
    assert clause.bracketed and clause.bracket_count == 5
    assert clause.economies == ("AUS", "NZ", "JPN")


def test_competing_wordings_of_the_same_words_sit_side_by_side():
    clause = negotiating_clause(ClauseInput(1, "OP1", BASE, status="bracketed", proposals=(
        amend(5, BASE.replace("reduce", "halve"), "AUS"),
        amend(6, BASE.replace("reduce", "substantially reduce"), "NZ"),
    )))
    assert "[reduce] [AUS: halve] [NZ: substantially reduce]" in clause.plain


def test_pure_insertion_is_bracketed_with_its_author():
    clause = negotiating_clause(ClauseInput(1, "OP1", "We act.", proposals=(
        amend(5, "We act now.", "USA"),)))
    assert clause.plain == "[We act [USA: now].]"


def test_kept_options_are_listed_with_their_backers():
    clause = negotiating_clause(ClauseInput(1, "OP1", BASE, status="bracketed", proposals=(
        amend(7, "We shall halve emissions.", "AUS", "NZ", status="option"),
        ProposalInput(8, "delete", "", ("USA",), "option"),
    )))
    assert clause.lines and [pieces_text(line) for line in clause.lines] == [
        f"Option 1: [{BASE}]",
        "Option 2: [AUS, NZ: We shall halve emissions.]",
        "Option 3: [USA: delete paragraph]",
    ]
    assert clause.option_count == 3 and clause.bracket_count == 3


def test_deletion_and_outdated_proposals_follow_the_clause():
    clause = negotiating_clause(ClauseInput(1, "OP1", "We act.", proposals=(
        ProposalInput(5, "delete", "", ("AUS",)),
        amend(6, "We acted.", "NZ", on_current_text=False),
    )))
    assert clause.plain == "[We act.] [AUS: delete paragraph] [NZ (on an earlier text): We acted.]"
    assert clause.bracket_count == 3


def test_proposed_new_paragraphs_are_listed_after_the_clause():
    clause = negotiating_clause(ClauseInput(1, "OP1", "We act.", inserts_after=(
        ProposalInput(9, "insert", "We also cooperate.", ("JPN",)),)))
    assert [pieces_text(p) for p in clause.insertions] == ["[JPN: We also cooperate.]"]
    assert not clause.bracketed and clause.bracket_count == 0
    assert totals([clause]).brackets == 1 and totals([clause]).proposed_insertions == 1


def test_agreed_statuses_are_stated_and_not_bracketed():
    agreed = negotiating_clause(ClauseInput(1, "OP1", BASE, status="agreed",
                                            excepted=("AUS", "NZ")))
    assert agreed.status_label == "Agreed except AUS, NZ"
    assert agreed.plain == BASE and agreed.bracket_count == 0
    ad_ref = negotiating_clause(ClauseInput(2, "OP2", BASE, status="agreed_ad_ref"))
    assert ad_ref.status_label == "Agreed ad ref" and not ad_ref.bracketed


def test_totals_add_up_clauses():
    clauses = [
        negotiating_clause(ClauseInput(1, "PP1", "A.", status="bracketed")),
        negotiating_clause(ClauseInput(2, "OP1", "B.", proposals=(
            amend(3, "C.", "AUS", status="option"),))),
        negotiating_clause(ClauseInput(3, "OP2", "D.", status="agreed")),
    ]
    t = totals(clauses)
    assert (t.clauses, t.bracketed_clauses, t.brackets, t.options, t.clauses_with_options) == \
        (3, 2, 3, 2, 1)


def test_html_is_escaped_and_attributed():
    clause = negotiating_clause(ClauseInput(1, "OP1", "<b>We</b> act.", status="bracketed",
                                            proposals=(amend(5, "<b>We</b> act <now>.", "AUS"),)))
    html = pieces_html(clause.lines[0], {"AUS": "Australia"})
    assert "<b>" not in html and "&lt;b&gt;" in html and "&lt;now&gt;" in html
    assert 'title="Proposed by Australia"' in html and "econ-aus" in html


words = st.lists(st.sampled_from(["we", "will", "reduce", "emissions", "by", "2030", "and"]),
                 min_size=1, max_size=10).map(" ".join)


@given(words, st.lists(words, max_size=3), st.sampled_from(["open", "bracketed", "agreed"]))
@PROPERTY
def test_brackets_always_balance_and_are_counted(base, proposed, status):
    proposals = tuple(amend(i + 1, t, "AUS") for i, t in enumerate(proposed) if t != base)
    clause = negotiating_clause(ClauseInput(1, "OP1", base, status=status, proposals=proposals))
    text = clause.plain
    depth = 0
    for ch in text:
        depth += {"[": 1, "]": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert text.count("[") == clause.bracket_count
    assert clause.bracketed == (status == "bracketed" or (status == "open" and bool(proposals)))


def test_brackets_never_stick_to_words():
    base = "measures taken for environmental purposes should be transparent, science-based and"
    clause = negotiating_clause(ClauseInput(1, "OP8", base, proposals=(
        amend(5, base.replace("purposes", "purposes, including unilateral measures,"), "PRC"),
        amend(6, base.replace(", science-based", ""), "USA"),
    )))
    assert "purposes [PRC: , including unilateral measures,] should" in clause.plain
    assert "transparent [, science-based] [USA: delete] and" in clause.plain
