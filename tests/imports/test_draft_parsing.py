"""The pure rules: numbers, section kinds, Markdown, splitting, and mapping tracked changes."""
import pytest

from drafting.domain.draft_parsing import (DraftClause, ParsedDraft, SourceParagraph,
                                           build_draft, number_key, opens_like_preamble,
                                           section_kind, split_number)
from drafting.domain.markdown_draft import markdown_paragraphs, parse_markdown
from drafting.domain.tracked_import import (CurrentClause, TrackedParagraph, describe_change,
                                            map_tracked_paragraphs)
from drafting.domain.states import SectionKind


@pytest.mark.parametrize("text, number, rest", [
    ("PP1. Recognising the risks;", "PP1.", "Recognising the risks;"),
    ("PP 1 Recognising the risks;", "PP 1", "Recognising the risks;"),
    ("OP3. We will act.", "OP3.", "We will act."),
    ("OP3bis.\tWe will act.", "OP3bis.", "We will act."),
    ("OP 3 bis: We will act.", "OP 3 bis:", "We will act."),
    ("OP3quater We will act.", "OP3quater", "We will act."),
    ("op12) We will act.", "op12)", "We will act."),
    ("1. We will act.", "1.", "We will act."),
    ("1) We will act.", "1)", "We will act."),
    ("12\tWe will act.", "12", "We will act."),
    ("2.1. We will act.", "2.1.", "We will act."),
    ("(a) early warning;", "(a)", "early warning;"),
    ("a) early warning;", "a)", "early warning;"),
    ("(iv) early warning;", "(iv)", "early warning;"),
    ("i. early warning;", "i.", "early warning;"),
    ("• We will act.", None, "We will act."),
    # Not numbers
    ("2030 is the target year.", None, "2030 is the target year."),
    ("1.5 degrees is the limit.", None, "1.5 degrees is the limit."),
    ("e.g. this one.", None, "e.g. this one."),
    ("I will not be stripped.", None, "I will not be stripped."),
    ("PP1Recognising", None, "PP1Recognising"),
    ("Opportunities for all.", None, "Opportunities for all."),
    ("  We, the Leaders, met in Bangkok.  ", None, "We, the Leaders, met in Bangkok."),
])
def test_split_number(text, number, rest):
    assert split_number(text) == (number, rest)


@pytest.mark.parametrize("label, key", [
    ("OP 3 bis.", "OP3BIS"), ("pp1", "PP1"), ("OP3bis", "OP3BIS"), ("(a)", "(A)"),
    (None, None), ("", None),
])
def test_number_key(label, key):
    assert number_key(label) == key


@pytest.mark.parametrize("text, expected", [
    ("Recognising that climate change poses risks;", True),
    ("Further recognising the role of MSMEs;", True),
    ("Bearing in mind the Putrajaya Vision;", True),
    ("Taking note of the work of the EPWG;", True),
    ("Concerned by biodiversity loss;", True),
    ("We will reduce emissions.", False),
    ("During the pandemic, trade fell.", False),
    ("Noteworthy progress was made.", False),
])
def test_preambular_openers(text, expected):
    assert opens_like_preamble(text) is expected


def clauses(*texts, numbers=None):
    numbers = numbers or [None] * len(texts)
    return [DraftClause(t, n) for t, n in zip(texts, numbers)]


@pytest.mark.parametrize("heading, body, kind", [
    ("Preamble", clauses("We will act."), SectionKind.PREAMBLE),
    ("Preambular paragraphs", clauses("We will act."), SectionKind.PREAMBLE),
    ("PREAMBLE", clauses("We will act."), SectionKind.PREAMBLE),
    ("Operative part", clauses("Recognising x;"), SectionKind.OPERATIVE),
    ("Context", clauses("Recalling x;", "Noting y;", "We will z."), SectionKind.PREAMBLE),
    ("Context", clauses("Recalling x;", "We will y.", "We will z."), SectionKind.OPERATIVE),
    ("Context", clauses("Our text.", "More text.", numbers=["PP1", "PP2"]), SectionKind.PREAMBLE),
    ("Context", clauses("Recalling x;", "Noting y;", numbers=["OP1", "OP2"]),
     SectionKind.OPERATIVE),
    ("Goal 1: Climate", clauses("We will act."), SectionKind.OPERATIVE),
])
def test_section_kind(heading, body, kind):
    assert section_kind(heading, body)[0] is kind


def shape(draft: ParsedDraft):
    return [(s.heading, s.kind.value, [(c.number, c.text) for c in s.clauses])
            for s in draft.sections]


def test_build_draft_headings_numbers_title_and_front_matter():
    draft = build_draft([
        SourceParagraph("APEC RESTRICTED"),
        SourceParagraph("Bangkok Goals", 0),
        SourceParagraph("Preamble", 1),
        SourceParagraph("PP1.\tRecognising the risks;"),
        SourceParagraph("   "),
        SourceParagraph("PP2 Recalling the vision;"),
        SourceParagraph("Goal 1", 1),
        SourceParagraph("Sub-heading with nothing under it", 2),
        SourceParagraph("Goal 1 continued", 2),
        SourceParagraph("1\tWe will act."),
        SourceParagraph("(a) on  climate;"),
        SourceParagraph("OP9."),
    ])
    assert draft.title == "Bangkok Goals"
    assert shape(draft) == [
        ("Preamble", "preamble", [("PP1.", "Recognising the risks;"),
                                  ("PP2", "Recalling the vision;")]),
        ("Goal 1 continued", "operative", [("1", "We will act."), ("(a)", "on climate;")]),
    ]
    assert draft.clause_count == 4 and draft.problems == []
    joined = " ".join(draft.notes)
    assert "APEC RESTRICTED" in joined  # above the title: reported, not imported
    assert "Goal 1" in joined and "Sub-heading with nothing under it" in joined
    assert "OP9." in joined  # a number alone is reported


def test_paragraphs_before_any_heading_are_split_into_preamble_and_operative():
    draft = build_draft([SourceParagraph(t) for t in (
        "Recognising the risks;", "PP2. Our second preambular paragraph;",
        "We will act.", "Noting that this one follows an operative paragraph;")])
    assert shape(draft) == [
        ("Preamble", "preamble", [(None, "Recognising the risks;"),
                                  ("PP2.", "Our second preambular paragraph;")]),
        ("Operative paragraphs", "operative", [
            (None, "We will act."),
            (None, "Noting that this one follows an operative paragraph;")]),
    ]


def test_an_empty_first_heading_becomes_the_title():
    draft = parse_markdown("# Bangkok Goals\n\n## Preamble\n\nRecognising x;\n")
    assert draft.title == "Bangkok Goals"
    assert shape(draft) == [("Preamble", "preamble", [(None, "Recognising x;")])]


@pytest.mark.parametrize("source", ["", "   \n\n", "# Only a heading\n\n## And another\n",
                                    "PP1.\nOP2.\n"])
def test_a_draft_without_clauses_has_a_problem(source):
    draft = parse_markdown(source)
    assert draft.clause_count == 0
    assert draft.problems and "no clause" in draft.problems[0]


def test_an_overlong_clause_is_a_problem_that_says_where():
    draft = parse_markdown("## Goal 1\n\n" + "We will " + "act " * 2000)
    assert len(draft.problems) == 1
    assert "Paragraph 1" in draft.problems[0] and "Goal 1" in draft.problems[0]
    assert "too long" in draft.problems[0]


MARKDOWN = """\
# Preamble

1. Recognising that climate change poses **serious** risks;
2. Recalling the Putrajaya Vision 2040;

## Goal 1: Climate

- OP1. We will reduce emissions by 2030 and
  promote clean energy.
- We will cooperate on marine debris.

We encourage economies to share practices
across the region.
We will report in 2023.

---

Goal 2
======

> (a) keep markets open;
"""


def test_markdown_headings_lists_and_paragraphs():
    paragraphs = markdown_paragraphs(MARKDOWN)
    assert [(p.text, p.heading_level) for p in paragraphs] == [
        ("Preamble", 1),
        ("1. Recognising that climate change poses serious risks;", None),
        ("2. Recalling the Putrajaya Vision 2040;", None),
        ("Goal 1: Climate", 2),
        ("OP1. We will reduce emissions by 2030 and promote clean energy.", None),
        ("We will cooperate on marine debris.", None),
        ("We encourage economies to share practices across the region.", None),
        ("We will report in 2023.", None),
        ("Goal 2", 1),
        ("(a) keep markets open;", None),
    ]
    draft = parse_markdown(MARKDOWN)
    assert shape(draft) == [
        ("Preamble", "preamble", [
            ("1.", "Recognising that climate change poses serious risks;"),
            ("2.", "Recalling the Putrajaya Vision 2040;")]),
        ("Goal 1: Climate", "operative", [
            ("OP1.", "We will reduce emissions by 2030 and promote clean energy."),
            (None, "We will cooperate on marine debris."),
            (None, "We encourage economies to share practices across the region."),
            (None, "We will report in 2023.")]),
        ("Goal 2", "operative", [("(a)", "keep markets open;")]),
    ]


def test_text_pasted_from_word_one_clause_per_line():
    draft = parse_markdown("Preamble\nRecognising x;\nRecalling y;\nGoal 1: Climate (new)\n"
                           "We will z.\nWe will w:\n(a) act;\n")
    # Headings lose their style when pasted: a short line with no final punctuation is one.
    assert shape(draft) == [
        ("Preamble", "preamble", [(None, "Recognising x;"), (None, "Recalling y;")]),
        ("Goal 1: Climate (new)", "operative", [(None, "We will z."), (None, "We will w:"),
                                                ("(a)", "act;")]),
    ]


def test_parsed_draft_round_trips_through_a_dict():
    draft = parse_markdown(MARKDOWN)
    again = ParsedDraft.from_dict(draft.to_dict())
    assert shape(again) == shape(draft) and again.notes == draft.notes
    assert [s.kind_reason for s in again.sections] == [s.kind_reason for s in draft.sections]


# --- mapping tracked changes -----------------------------------------------------------

CURRENT = [
    CurrentClause(11, "PP1", "Recognising that climate change poses serious risks;", 1),
    CurrentClause(12, "PP2", "Recalling the Putrajaya Vision 2040;", 1),
    CurrentClause(13, "OP1", "We will reduce emissions by 2030 and promote clean energy.", 2),
    CurrentClause(14, "OP2", "We encourage economies to cooperate on marine debris.", 1),
]


def para(index, *runs, mark=None, heading=False, location="body", comments=()):
    return TrackedParagraph(index, tuple(runs), mark, heading, location, tuple(comments))


def eq(text):
    return ("equal", text)


def ins(text):
    return ("insert", text)


def dele(text):
    return ("delete", text)


def test_amend_insert_delete_and_comment_rationale():
    planned, unmapped = map_tracked_paragraphs([
        para(1, eq("Preamble"), heading=True),
        para(2, eq("PP1\t"), eq("Recognising that climate change poses serious risks;")),
        para(3, dele("PP2\t"), dele("Recalling the Putrajaya Vision 2040;"), mark="delete",
             comments=["Outdated reference"]),
        para(4, eq("OP1\tWe will "), dele("reduce"), ins("halve"),
             eq(" emissions by 2030 and promote clean energy."), comments=["More ambition"]),
        para(5, ins("OP1bis\tWe will phase out coal.")),
        para(6, eq("OP2\tWe encourage economies to cooperate on marine debris.")),
    ], CURRENT)
    assert unmapped == []
    assert [(p.action, p.clause_id, p.after_clause_id, p.text, p.rationale, p.paragraph)
            for p in planned] == [
        ("delete", 12, None, "", "Outdated reference", 3),
        ("amend", 13, None, "We will halve emissions by 2030 and promote clean energy.",
         "More ambition", 4),
        ("insert", None, 13, "We will phase out coal.", "", 5),
    ]
    assert planned[1].base_version == 2 and planned[1].label == "Amend OP1"
    assert planned[2].label == "New clause after OP1"


def test_matching_by_wording_when_the_number_is_missing_or_wrong():
    planned, unmapped = map_tracked_paragraphs([
        # No number, a small edit: matched by wording.
        para(1, eq("Recalling the Putrajaya Vision 2040"), ins(" and the Aotearoa Plan"),
             eq(";")),
        # Numbered OP2 but the wording is OP1's (an older export): wording wins.
        para(2, eq("OP2. We will reduce emissions by 2030 and promote "), dele("clean"),
             ins("renewable"), eq(" energy.")),
    ], CURRENT)
    assert unmapped == []
    assert [(p.action, p.clause_id) for p in planned] == [("amend", 12), ("amend", 13)]
    assert "wording" in planned[0].notes[0] and "wording" in planned[1].notes[0]


def test_unmappable_changes_are_reported_never_dropped():
    planned, unmapped = map_tracked_paragraphs([
        para(1, eq("Bangkok "), ins("Green "), eq("Goals"), heading=True),
        para(0, eq("Stage: "), dele("Negotiation"), ins("Zero draft"), location="table"),
        para(2, ins("A new paragraph before any clause.")),
        para(3, eq("OP7\tA paragraph that is nowhere in the "), ins("current "), eq("text.")),
        para(4, eq("PP1\tRecognising that climate change poses serious risks;"),
             comments=["We can live with this."]),
        para(5, eq("PP1\tRecognising that climate change poses "), ins("very "),
             eq("serious risks;")),
        para(6, eq("OP1\t"), dele("OP1\t"), eq("We will reduce emissions by 2030 and promote "
                                               "clean energy.")),
    ], CURRENT)
    assert planned == []
    reasons = [(u.location, u.paragraph, u.reason) for u in unmapped]
    assert reasons[0][0] == "heading" and "headings" in reasons[0][2]
    assert reasons[1][:2] == ("table", None)
    assert "after an existing one" in reasons[2][2]
    assert "matches no current clause" in reasons[3][2]
    assert reasons[4][0] == "body" and "comment" in reasons[4][2]
    assert unmapped[4].change.startswith("comment “We can live")
    assert "already matched by paragraph 4" in reasons[5][2]
    assert "leave the wording of OP1 as it is" in reasons[6][2]
    assert unmapped[1].change == "inserted “Zero draft”; deleted “Negotiation”"


def test_an_older_text_gets_only_its_tracked_changes_carried_over():
    # The file has the old wording "We will cut emissions …" (OP1 moved on since).
    planned, unmapped = map_tracked_paragraphs([
        para(1, eq("OP1\tWe will reduce emissions by 2030 and promote clean energy"),
             ins(" for all"), eq(".")),
    ], [CurrentClause(13, "OP1", "We will sharply reduce emissions by 2030 and promote clean "
                                 "energy.", 3)])
    assert unmapped == []
    assert planned[0].text == "We will sharply reduce emissions by 2030 and promote clean " \
                              "energy for all."
    assert "only the tracked changes" in planned[0].notes[0]


def test_an_older_text_whose_change_collides_is_reported():
    planned, unmapped = map_tracked_paragraphs([
        para(1, eq("OP1\tWe will "), dele("reduce"), ins("halve"),
             eq(" emissions by 2030 and promote clean energy.")),
    ], [CurrentClause(13, "OP1", "We will cut emissions by 2030 and promote clean energy.", 3)])
    assert planned == []
    assert "overlaps what changed since" in unmapped[0].reason


def test_word_style_new_paragraph_with_the_mark_on_the_paragraph_before():
    # Word marks the *previous* paragraph's mark as inserted when Enter is pressed at its end.
    planned, unmapped = map_tracked_paragraphs([
        para(1, eq("OP2\tWe encourage economies to cooperate on marine debris."), mark="insert"),
        para(2, ins("We will report on progress in 2023.")),
        para(3, ins("We will meet again.")),
    ], CURRENT)
    assert unmapped == []
    assert [(p.action, p.after_clause_id, p.text) for p in planned] == [
        ("insert", 14, "We will report on progress in 2023."),
        ("insert", 14, "We will meet again."),
    ]
    assert planned[1].notes and "New paragraph 2 after OP2" in planned[1].notes[0]


def test_a_deleted_paragraph_break_is_reported():
    planned, unmapped = map_tracked_paragraphs([
        para(1, eq("PP2\tRecalling the Putrajaya Vision 2040;"), ins(" and"), mark="delete"),
    ], CURRENT)
    assert planned == [] and "join two clauses" in unmapped[0].reason


def test_describe_change():
    assert describe_change([eq("a"), ins("b"), dele("c"), ins("d")]) == \
        "inserted “b”, “d”; deleted “c”"
    assert describe_change([eq("a")]) == "paragraph break only"


def test_a_digit_and_tab_number_is_stripped_before_matching():
    planned, unmapped = map_tracked_paragraphs([
        para(1, eq("2\tRecalling the Putrajaya Vision 2040"), ins(" and the Aotearoa Plan"),
             eq(";")),
    ], CURRENT)
    assert unmapped == []
    assert (planned[0].clause_id, planned[0].text) == (
        12, "Recalling the Putrajaya Vision 2040 and the Aotearoa Plan;")
