"""Every change and comment of a delegation's file ends up somewhere visible, and a new
paragraph typed under a section heading opens that section."""
import io
import re

import pytest
from sqlalchemy import select

from drafting.domain.errors import InvalidInput
from drafting.domain.tracked_import import (CurrentClause, CurrentSection, TrackedParagraph,
                                            map_tracked_file)
from drafting.extensions import db
from drafting.models import Proposal
from drafting.services import decisions, exports, imports, proposals, reading
from tests.api.test_openapi import assert_matches_spec, spec_once
from tests.factories import login
from tests.imports.builders import (comment_end, comment_start, dele, ins, notes_part, p, r,
                                    raw_docx, tab, table)

PP1 = "Recognising that climate change poses serious risks to the region;"
PP2 = "Recalling the Putrajaya Vision 2040;"
OP1 = "We will reduce emissions by 2030 and promote clean energy."
OP2 = "We encourage economies to cooperate on marine debris and share best practices."


def plan(world, data: bytes, username="aus"):
    return imports.plan_tracked_changes(world.user(username), world.document,
                                        imports.Upload(data, "AUS edits.docx"))


def comments_in(report):
    return [(e.what, e.outcome, e.proposal) for e in report if e.kind == "comment"]


# --- the domain rules ----------------------------------------------------------------------

CLAUSES = [CurrentClause(11, "PP1", PP1, 1, section_id=1),
           CurrentClause(12, "PP2", PP2, 1, section_id=1),
           CurrentClause(13, "OP1", OP1, 1, section_id=2),
           CurrentClause(14, "OP2", OP2, 1, section_id=2)]
SECTIONS = [CurrentSection(1, "Preamble", 11, None),
            CurrentSection(2, "Goal 1: Climate", 13, CLAUSES[1])]


def para(index, *runs, heading=False, comments=(), location="body", mark=None):
    return TrackedParagraph(index, tuple(runs), mark, heading, location, tuple(comments))


def test_a_paragraph_typed_under_a_heading_opens_that_section():
    result = map_tracked_file([
        para(1, ("equal", "Preamble"), heading=True),
        para(2, ("equal", "PP1\t" + PP1)),
        para(3, ("equal", "PP2\t" + PP2)),
        para(4, ("equal", "Goal 1: Climate"), heading=True, comments=["Start with science."]),
        para(5, ("insert", "We will follow the science.")),
        para(6, ("insert", "We will act now.")),
        para(7, ("equal", "OP1\t" + OP1)),
        para(8, ("insert", "OP1bis\tWe will phase out coal.")),
    ], CLAUSES, SECTIONS)
    assert result.unmapped == []
    assert [(x.after_clause_id, x.section_id, x.text, x.rationale, x.label)
            for x in result.proposals] == [
        (12, 2, "We will follow the science.", "Start with science.",
         "New clause at the start of “Goal 1: Climate”"),
        (12, 2, "We will act now.", "", "New clause at the start of “Goal 1: Climate”"),
        (13, None, "We will phase out coal.", "", "New clause after OP1"),
    ]
    assert "New paragraph 2 at the start of “Goal 1: Climate”" in result.proposals[1].notes[0]
    assert comments_in(result.report) == [("comment “Start with science.”", "rationale", 0)]


def test_a_heading_of_another_wording_is_found_by_the_clause_under_it():
    result = map_tracked_file([
        para(1, ("equal", "PP1\t" + PP1)),
        para(2, ("equal", "PP2\t" + PP2)),
        para(3, ("equal", "Climate action and resilience"), heading=True),
        para(4, ("insert", "We will follow the science.")),
        para(5, ("equal", "OP1\t" + OP1)),
    ], CLAUSES, SECTIONS)
    assert [(x.after_clause_id, x.section_id) for x in result.proposals] == [(12, 2)]


def test_a_new_paragraph_under_the_first_heading_opens_the_text():
    """Nothing comes before the preamble: the new paragraph is an insertion that opens the
    text (no clause before it), with the heading's and its own comments as rationale."""
    result = map_tracked_file([
        para(1, ("equal", "Preamble"), heading=True, comments=["Frame it first."]),
        para(2, ("insert", "Acknowledging the pandemic;"), comments=["Context."]),
        para(3, ("equal", "PP1\t" + PP1)),
    ], CLAUSES, SECTIONS)
    assert result.unmapped == []
    assert [(x.action, x.after_clause_id, x.section_id, x.text, x.rationale, x.label)
            for x in result.proposals] == [
        ("insert", None, 1, "Acknowledging the pandemic;", "Frame it first.\n\nContext.",
         "New clause at the start of “Preamble”")]
    fates = {e.what: e.outcome for e in result.report}
    assert fates["comment “Frame it first.”"] == "rationale"
    assert fates["comment “Context.”"] == "rationale"
    assert fates["inserted “Acknowledging the pandemic;”"] == "proposal"


def test_a_paragraph_opening_the_text_is_submitted_shown_and_accepted_first(app, world):
    """Through the upload: AUS's new first paragraph becomes an open proposal with no clause
    before it; the document page, the desk and the compilation show it before PP1, and
    accepting it makes it the first clause of the preamble."""
    data = raw_docx("".join([
        p(r("Preamble"), style="Heading1"),
        p(ins("Acknowledging the pandemic;")),
        p(r("PP1"), tab(), r(PP1)), p(r("PP2"), tab(), r(PP2)),
        p(r("Goal 1: Climate"), style="Heading1"),
        p(r("OP1"), tab(), r(OP1)), p(r("OP2"), tab(), r(OP2)),
    ]))
    planned = plan(world, data)
    assert [x.label for x in planned.proposals] == ["New clause at the start of “Preamble”"]
    [made] = imports.submit_tracked_changes(world.user("aus"), world.document,
                                            planned.proposals)
    db.session.commit()
    assert (made.after_clause_id, made.section_id, made.opens_text) == (
        None, world.clauses[0].section_id, True)

    client = app.test_client()
    login(client, "nz")
    page = client.get(f"/documents/{world.document.id}?view=changes").get_data(as_text=True)
    assert page.index("Proposed new clause opening the text, before PP1") \
        < page.index("Acknowledging the pandemic;") < page.index(PP1)
    assert client.get(f"/proposals/{made.id}").status_code == 200
    clause_page = client.get(f"/clauses/{world.clauses[0].id}").get_data(as_text=True)
    assert f"proposal-{made.id}" in clause_page
    negotiating = client.get(f"/documents/{world.document.id}/negotiating-text")
    text = negotiating.get_data(as_text=True)
    assert text.index("opening the text, before PP1") < text.index(
        "Acknowledging the pandemic;") < text.index(PP1)
    compilation = exports.export_document(world.user("nz"), world.document, "compilation")
    first = compilation.sections[0].paragraphs[0]
    assert ("".join(r.text for r in first.runs), first.number) == (
        "Acknowledging the pandemic;", "new")
    disposition = exports.export_document(world.user("nz"), world.document, "disposition")
    assert [x["text"] for x in disposition.disposition[0].proposals] == [
        "Acknowledging the pandemic;"]
    client = app.test_client()
    login(client, "secretariat")
    desk = client.get(f"/documents/{world.document.id}/desk").get_data(as_text=True)
    assert f"proposal-{made.id}" in desk

    decisions.decide_proposal(world.user("secretariat"), made, "accept", expected_version=0)
    db.session.commit()
    rows = reading.clause_rows(world.document)
    assert rows[0][1].text == "Acknowledging the pandemic;"
    assert rows[0][0].section_id == world.clauses[0].section_id
    assert [v.text for _c, v in rows[1:3]] == [PP1, PP2]


def test_a_section_opening_insertion_needs_its_anchor_when_clauses_come_before(world):
    """Only a section with no live clause before it can be opened without naming the clause
    the new one follows."""
    goal = world.clauses[2].section
    with pytest.raises(InvalidInput) as refused:
        proposals.submit_proposal(world.user("aus"), world.document, "insert", section=goal,
                                  text="We will follow the science.")
    assert refused.value.details == {"field": "after_clause_id"}
    opening = proposals.submit_proposal(world.user("aus"), world.document, "insert",
                                        section=world.clauses[0].section,
                                        text="Acknowledging the pandemic;")
    assert opening.opens_text and opening.after_clause_id is None


def test_comments_on_a_changed_heading_or_a_refused_change_are_reported_not_dropped():
    result = map_tracked_file([
        para(1, ("equal", "Goal 1: "), ("insert", "Urgent "), ("equal", "Climate"),
             heading=True, comments=["Sharper title."]),
        para(2, ("equal", "PP2\t" + PP2), ("insert", " and"), mark="delete",
             comments=["Join these."]),
        para(3, ("equal", "OP1\t" + OP1), comments=["Fine as is."]),
        para(4, ("equal", "OP1\t" + OP1), comments=["Second copy."]),
        para(5, ("equal", ""), comments=["On an empty line."]),
        para(0, location="unanchored", comments=["Floating."]),
    ], CLAUSES, SECTIONS)
    assert result.proposals == []
    fates = [(e.kind, e.what, e.outcome) for e in result.report]
    for text in ("Sharper title.", "Join these.", "Fine as is.", "Second copy.",
                 "On an empty line.", "Floating."):
        assert ("comment", f"comment “{text}”", "not_imported") in fates, text
    assert ("change", "inserted “Urgent”", "not_imported") in fates
    assert ("change", "inserted “and”", "not_imported") in fates
    assert result.unmapped[0].comments == ["Sharper title."]
    reasons = {e.what: e.reason for e in result.report}
    assert "not anchored" in reasons["comment “Floating.”"]
    assert "headings are not negotiated" in reasons["comment “Sharper title.”"]


# --- comments anchored anywhere in a real file ---------------------------------------------

def everywhere_file() -> bytes:
    """A comment on a heading, on an unchanged paragraph, inside an insertion, inside a
    deletion, one spanning two paragraphs, one in a table, one in a footnote, one anchored
    nowhere; and a new paragraph typed under the Goal 1 heading."""
    footnotes = notes_part("footnote", {1: p(comment_start(9), r("A note."), comment_end(9))})
    return raw_docx("".join([
        p(comment_start(1), r("Preamble"), comment_end(1), style="Heading1"),
        p(r("PP1"), tab(), comment_start(2), r(PP1[:-1]), comment_end(2),
          r(";")),  # unchanged, commented; the span below starts here too
        p(comment_start(3), r("PP2"), tab(), r("Recalling the Putrajaya Vision 2040"),
          ins(" and the Aotearoa Plan"), r(";"), comment_end(3)),
        table(p(comment_start(8), r("Cover note"), comment_end(8))),
        p(r("Goal 1: Climate"), style="GoalHeading"),
        p(comment_start(4), ins("We will follow the science."), comment_end(4)),
        p(r("OP1"), tab(), r("We will "), comment_start(5), dele("reduce"), comment_end(5),
          ins("halve"), r(" emissions by 2030 and promote clean energy.")),
        p(dele("OP2\t"), comment_start(6), dele(OP2), comment_end(6)),
    ]), {1: "Why this section?", 2: "Keep PP1.", 3: "Add the Aotearoa Plan.",
         4: "Science first.", 5: "Halve it.", 6: "Drop OP2.", 7: "Floating remark.",
         8: "Cover page.", 9: "Fix the note."},
        extra_parts={"word/footnotes.xml": footnotes})


def test_every_comment_and_change_of_the_file_is_accounted_for(world):
    result = plan(world, everywhere_file())
    pp2, op1, op2 = world.clauses[1], world.clauses[2], world.clauses[3]
    goal = world.clauses[2].section_id
    assert [(x.action, x.clause_id, x.after_clause_id, x.section_id, x.rationale)
            for x in result.proposals] == [
        ("amend", pp2.id, None, None, "Add the Aotearoa Plan."),
        ("insert", None, pp2.id, goal, "Science first."),
        ("amend", op1.id, None, None, "Halve it."),
        ("delete", op2.id, None, None, "Drop OP2."),
    ]
    fates = {e.what: (e.outcome, e.proposal, e.location) for e in result.report}
    # Each of the nine comments appears exactly once, each change too.
    assert sum(e.kind == "comment" for e in result.report) == 9
    assert fates["comment “Why this section?”"][0] == "not_imported"
    assert fates["comment “Keep PP1.”"][0] == "not_imported"
    assert fates["comment “Floating remark.”"] == ("not_imported", None, "unanchored")
    assert fates["comment “Cover page.”"] == ("not_imported", None, "table")
    assert fates["comment “Fix the note.”"] == ("not_imported", None, "footnote")
    assert fates["comment “Halve it.”"] == ("rationale", 2, "body")
    assert fates["inserted “halve”"] == ("proposal", 2, "body")
    assert fates["deleted “reduce”"] == ("proposal", 2, "body")
    assert fates["inserted “We will follow the science.”"] == ("proposal", 1, "body")
    assert fates[f"deleted “OP2 {OP2}”"] == ("proposal", 3, "body")
    # The unmapped list (the page's "Changes not imported") has each unimported comment.
    assert len([u for u in result.unmapped if u.change.startswith("comment")]) == 5


def test_a_comment_spanning_paragraphs_goes_to_the_changed_one(world):
    data = raw_docx("".join([
        p(r("PP1"), tab(), comment_start(1), r(PP1)),
        p(r("PP2"), tab(), r("Recalling the Putrajaya Vision 2040"), ins(" and beyond"), r(";"),
          comment_end(1)),
    ]), {1: "Both preambular paragraphs: see PP2."})
    result = plan(world, data)
    assert [(x.clause_id, x.rationale) for x in result.proposals] == [
        (world.clauses[1].id, "Both preambular paragraphs: see PP2.")]
    assert comments_in(result.report) == [
        ("comment “Both preambular paragraphs: see PP2.”", "rationale", 0)]


# --- accepting an insertion that opens a section -------------------------------------------

def new_paragraph_under_goal_1(world, text="We will follow the science.") -> bytes:
    return raw_docx("".join([
        p(r("Preamble"), style="Heading1"),
        p(r("PP1"), tab(), r(PP1)),
        p(r("PP2"), tab(), r(PP2)),
        p(r("Goal 1: Climate"), style="GoalHeading"),
        p(ins(text)),
        p(r("OP1"), tab(), r(OP1)),
    ]))


def layout(world):
    return [(block.section.heading, [(row.number, row.version.text) for row in block.rows])
            for block in reading.document_view(world.document, viewer=None).sections]


@pytest.mark.parametrize("other_first", [False, True])
def test_accepting_puts_the_new_clause_first_in_its_section(world, other_first):
    aus, secretariat = world.user("aus"), world.user("secretariat")
    result = plan(world, new_paragraph_under_goal_1(world))
    [opening] = imports.submit_tracked_changes(aus, world.document, result.proposals)
    assert opening.section_id == world.clauses[2].section_id
    assert opening.after_clause_id == world.clauses[1].id
    # Another economy proposes a clause at the end of the preamble: the same anchor.
    closing = proposals.submit_proposal(world.user("nz"), world.document, "insert",
                                        after_clause=world.clauses[1],
                                        text="Welcoming the Aotearoa Plan;")
    db.session.commit()
    order = [closing, opening] if other_first else [opening, closing]
    for proposal in order:
        decisions.decide_proposal(secretariat, proposal, "accept", expected_version=None)
    db.session.commit()
    assert layout(world) == [
        ("Preamble", [("PP1", PP1), ("PP2", PP2), ("PP3", "Welcoming the Aotearoa Plan;")]),
        ("Goal 1: Climate", [("OP1", "We will follow the science."), ("OP2", OP1),
                             ("OP3", OP2)]),
    ]


def test_an_opening_insertion_is_not_a_duplicate_of_one_after_the_same_clause(world):
    aus = world.user("aus")
    proposals.submit_proposal(aus, world.document, "insert", after_clause=world.clauses[1],
                              text="We will follow the science.")
    result = plan(world, new_paragraph_under_goal_1(world))
    assert result.problems == {}
    created = imports.submit_tracked_changes(aus, world.document, result.proposals)
    db.session.commit()
    assert created[0].section_id is not None
    # The same file again: now it is a duplicate.
    again = plan(world, new_paragraph_under_goal_1(world))
    assert "already has the same open proposal" in again.problems[0]


def test_a_section_must_come_after_the_clause_it_follows(world):
    with pytest.raises(InvalidInput) as refused:
        proposals.submit_proposal(world.user("aus"), world.document, "insert",
                                  after_clause=world.clauses[2],
                                  section=world.clauses[0].section, text="Out of place.")
    assert refused.value.details["field"] == "section_id"


# --- the report on the page and in the API ---------------------------------------------------

def test_the_page_shows_what_became_of_each_change_and_comment(client, world):
    login(client, "aus")
    response = client.post(f"/documents/{world.document.id}/import-changes",
                           data={"file": (io.BytesIO(everywhere_file()), "AUS.docx"),
                                 "intent": "preview"}, content_type="multipart/form-data")
    page = response.data.decode()
    assert response.status_code == 200
    assert "Import report: every change and comment in the file (14)" in page
    assert "becomes item 3: Amend OP1" in page
    assert "rationale of item 2: New clause at the start of “Goal 1: Climate”" in page
    assert re.search(r"comment “Floating remark.”</td>\s*<td[^>]*>⚠ not imported: the comment is "
                     r"not anchored", page)
    assert "New clause at the start of “Goal 1: Climate”" in page
    token = page.split('name="plan_token" value="')[1].split('"')[0]
    submitted = client.post(f"/documents/{world.document.id}/import-changes", data={
        "plan_token": token, "intent": "submit", "include": ["0", "1", "2"]})
    assert submitted.status_code == 302
    shown = client.get(submitted.headers["Location"]).data.decode()
    ids = db.session.execute(select(Proposal.id).order_by(Proposal.seq)).scalars().all()
    named = db.session.get(Proposal, ids[1]).name
    assert f"{named} (New clause at the start of “Goal 1: Climate”)" in shown
    assert "Not submitted (unticked in the preview): item 4" in shown


def test_the_api_reports_each_change_and_comment_with_the_proposal_it_became(client, world,
                                                                            api_token):
    headers = api_token("aus")
    url = f"/api/v1/documents/{world.document.id}/import-changes"

    def send(query=""):
        return client.post(url + query, headers=headers,
                           data={"file": (io.BytesIO(everywhere_file()), "AUS.docx")},
                           content_type="multipart/form-data")

    previewed = send("?preview=1")
    assert_matches_spec(spec_once(), "POST", "/documents/{document_id}/import-changes",
                        previewed)
    preview = previewed.get_json()
    assert preview["proposals"][1]["section_id"] == world.clauses[2].section_id
    assert preview["proposals"][1]["label"] == "New clause at the start of “Goal 1: Climate”"
    assert {"kind": "comment", "paragraph": 6, "location": "body", "what": "comment “Halve it.”",
            "outcome": "rationale", "proposal": 2, "reason": ""} in preview["report"]
    created = send()
    assert created.status_code == 201
    assert_matches_spec(spec_once(), "POST", "/documents/{document_id}/import-changes", created)
    body = created.get_json()
    by_what = {row["what"]: row for row in body["report"]}
    assert by_what["comment “Halve it.”"]["proposal_id"] == body["created"][2]
    assert by_what["inserted “We will follow the science.”"]["proposal_id"] == body["created"][1]
    assert by_what["comment “Floating remark.”"]["proposal_id"] is None
    assert body["proposals"][1]["section_id"] == world.clauses[2].section_id
    assert len(body["unmapped"]) == 5 and set(body) >= {"filename", "created", "proposals",
                                                        "unmapped", "report"}


def test_pages_say_where_an_opening_insertion_goes(client, world):
    result = plan(world, new_paragraph_under_goal_1(world))
    [opening] = imports.submit_tracked_changes(world.user("aus"), world.document,
                                               result.proposals)
    db.session.commit()
    login(client, "secretariat")
    document_page = client.get(f"/documents/{world.document.id}?view=changes").data.decode()
    assert "Proposed new clause at the start of “Goal 1: Climate”" in document_page
    proposal_page = client.get(f"/proposals/{opening.id}").data.decode()
    assert "at the start of “Goal 1: Climate”" in proposal_page
