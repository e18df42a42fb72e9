"""The forms: proposing (preview and submit), bad input, withdrawing, co-sponsoring, revising,
deciding on the desk, and comment threads."""
from __future__ import annotations

import re

import lxml.html
import pytest
from sqlalchemy import select

from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.extensions import db
from drafting.models import Clause, Comment, Proposal
from drafting.services import proposals as proposal_service
from tests.factories import login, make_document
from tests.web.test_web_support import (comment, committed_count, committed_rows, decide,
                                        isolated_requests, page, propose, text_of)

_ = isolated_requests

OP1 = "We will reduce emissions by 2030 and promote clean energy."
AUS_OP1 = "We shall reduce emissions by 2030 and promote clean energy."
JPN_OP1 = "We must reduce emissions by 2030 and promote clean energy."


def _fresh(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def _propose_form(client, world, **data):
    data.setdefault("intent", "submit")
    return client.post(f"/documents/{world.document.id}/proposals", data=data)


def _segments(fragment_html: str) -> list[tuple[str, str]]:
    """(op, text) runs of a redline fragment: equal / delete / insert (labels dropped)."""
    wrapper = lxml.html.fragment_fromstring(fragment_html or "", create_parent="div")
    runs = []
    if wrapper.text:
        runs.append(("equal", wrapper.text))
    for child in wrapper:
        if child.tag in ("ins", "del"):
            runs.append(("insert" if child.tag == "ins" else "delete", child.text_content()))
        if child.tail:
            runs.append(("equal", child.tail))
    return runs


def _assert_whole_words(runs):
    """No change starts or ends inside a word, on either side of the diff."""
    for side in (("equal", "delete"), ("equal", "insert")):
        pieces = [(op, t) for op, t in runs if op in side]
        for (op_a, a), (op_b, b) in zip(pieces, pieces[1:]):
            if op_a != op_b and a and b:
                assert not (re.match(r"\w", a[-1]) and re.match(r"\w", b[0])), \
                    f"word cut between {a!r} and {b!r}"


# --------------------------------------------------------------------------- proposing

def test_propose_form_starts_from_the_current_text(client, world):
    login(client, "aus")
    response = client.get(f"/documents/{world.document.id}/propose?action=amend"
                          f"&clause_id={world.clauses[2].id}")
    assert response.status_code == 200
    tree = page(response)
    assert tree.xpath("//textarea[@name='text']")[0].text_content() == OP1
    assert " ".join(tree.xpath("//blockquote[@id='base-text']")[0].text_content().split()) == OP1
    assert tree.xpath("//input[@name='action'][@value='amend']/@checked")
    selected = tree.xpath("//select[@name='clause_id']/option[@selected]/@value")
    assert selected == [str(world.clauses[2].id)]
    assert "New proposal for Australia" in text_of(response)


def test_propose_form_rejects_unknown_action_and_foreign_clause(client, world):
    other_doc, other_clauses = make_document(world.economies["THA"])
    db.session.commit()
    login(client, "aus")
    assert client.get(f"/documents/{world.document.id}/propose?action=rewrite").status_code == 400
    response = client.get(f"/documents/{world.document.id}/propose?action=amend"
                          f"&clause_id={other_clauses[0].id}")
    assert response.status_code == 404


def test_preview_intent_rerenders_with_redline_and_saves_nothing(client, world):
    login(client, "aus")
    before = committed_rows()
    response = _propose_form(client, world, intent="preview", action="amend",
                             clause_id=world.clauses[2].id, text=AUS_OP1, rationale="Stronger.")
    assert response.status_code == 200
    assert committed_rows() == before
    tree = page(response)
    preview = tree.xpath("//p[@id='preview']")[0]
    assert [d.text_content() for d in preview.xpath(".//del")] == ["will"]
    assert [i.text_content() for i in preview.xpath(".//ins")] == ["shall"]
    assert all("econ-aus" in e.get("class") for e in preview.xpath(".//ins|.//del"))
    # The delegate's input is kept for the real submission.
    assert tree.xpath("//textarea[@name='text']")[0].text_content() == AUS_OP1
    assert tree.xpath("//textarea[@name='rationale']")[0].text_content() == "Stronger."


def test_submit_intent_creates_the_proposal_and_redirects_to_it(client, world):
    login(client, "aus")
    response = _propose_form(client, world, action="amend", clause_id=world.clauses[2].id,
                             text=AUS_OP1, rationale="A firmer commitment.")
    assert response.status_code == 302
    match = re.fullmatch(r"/proposals/(\d+)", response.headers["Location"])
    assert match
    proposal = _fresh(Proposal, int(match.group(1)))
    assert proposal.action is ProposalAction.AMEND
    assert proposal.text == AUS_OP1 and proposal.rationale == "A firmer commitment."
    assert proposal.economy.code == "AUS" and proposal.author.username == "aus"
    assert proposal.base_version.number == 1 and proposal.status is ProposalStatus.OPEN
    shown = client.get(response.headers["Location"])
    assert f"Proposal #{proposal.number} submitted." in text_of(shown)


def test_submitted_text_is_normalised_to_one_paragraph(client, world):
    login(client, "aus")
    response = _propose_form(client, world, action="amend", clause_id=world.clauses[2].id,
                             text="  We shall reduce emissions\r\nby 2030 and promote clean energy. ")
    assert response.status_code == 302
    assert _fresh(Proposal, int(response.headers["Location"].rsplit("/", 1)[1])).text == AUS_OP1


@pytest.mark.parametrize("section_index, after_index", [(0, None), (2, 1)])
def test_insert_first_in_a_section_through_the_form(client, world, section_index, after_index):
    """The form offers each section's start; the first one opens the text (nothing before
    it), a later one follows the last clause above it, whatever the other list says."""
    login(client, "nz")
    section = world.clauses[section_index].section
    form = client.get(f"/documents/{world.document.id}/propose?action=insert")
    labels = page(form).xpath("//select[@name='section_id']/option/text()")
    assert "At the start of “Preamble” (opening the text)" in labels
    assert "At the start of “Goal 1: Climate”" in labels
    response = _propose_form(client, world, action="insert", section_id=section.id,
                             after_clause_id=world.clauses[3].id,
                             text="We will follow the science.")
    assert response.status_code == 302, response.get_data(as_text=True)
    proposal = _fresh(Proposal, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert proposal.section_id == section.id
    assert proposal.after_clause_id == (
        world.clauses[after_index].id if after_index is not None else None)
    shown = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f"at the start of “{section.heading}”" in shown


def test_insert_after_through_the_form(client, world):
    login(client, "nz")
    form = client.get(f"/documents/{world.document.id}/propose?action=insert"
                      f"&after={world.clauses[2].id}")
    assert form.status_code == 200
    assert page(form).xpath("//select[@name='after_clause_id']/option[@selected]/@value") == \
        [str(world.clauses[2].id)]
    assert page(form).xpath("//textarea[@name='text']")[0].text_content() == ""
    response = _propose_form(client, world, action="insert", after_clause_id=world.clauses[2].id,
                             text="We will phase down unabated coal power.")
    assert response.status_code == 302
    proposal = _fresh(Proposal, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert proposal.action is ProposalAction.INSERT
    assert proposal.after_clause_id == world.clauses[2].id and proposal.clause_id is None
    shown = page(client.get(response.headers["Location"]))
    assert "Insert new clause after OP1" in " ".join(shown.xpath("//h1")[0].text_content().split())
    assert [i.text_content() for i in shown.xpath("//section[@class='redline-box']//ins")] == \
        ["We will phase down unabated coal power."]


def test_delete_through_the_form(client, world):
    login(client, "jpn")
    response = _propose_form(client, world, action="delete", clause_id=world.clauses[1].id,
                             text="ignored", rationale="Redundant.")
    assert response.status_code == 302
    proposal = _fresh(Proposal, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert proposal.action is ProposalAction.DELETE and proposal.text == ""
    shown = page(client.get(response.headers["Location"]))
    dels = shown.xpath("//section[@class='redline-box']//del")
    assert [d.text_content() for d in dels] == ["Recalling the Putrajaya Vision 2040;"]
    assert not shown.xpath("//section[@class='redline-box']//ins")



def refusal(tree) -> str:
    """What a page says to refuse a form: beside the field, at the top, or as the page."""
    found = tree.xpath("//p[@class='field-error'] | //div[contains(@class,'error-summary')]"
                       " | //p[@class='error-message']")
    return " ".join(" ".join(e.text_content().split()) for e in found)

@pytest.mark.parametrize("data,message", [
    ({"action": "amend", "text": ""}, "Enter the proposed text."),
    ({"action": "amend", "text": "   \n  "}, "Enter the proposed text."),
    ({"action": "amend", "text": OP1}, "identical to the current text"),
    ({"action": "amend", "text": "  " + OP1 + "\r\n "}, "identical to the current text"),
    ({"action": "amend", "text": "x" * 6000}, "The proposed text is too long: 6,000 characters, at most 5,000"),
    ({"action": "amend", "text": AUS_OP1, "rationale": "r" * 6000}, "The rationale is too long"),
    ({"action": "amend", "text": "We shall\x00 act."}, "control characters"),
    ({"action": "insert", "text": ""}, "Enter the proposed text."),
    ({"action": "rewrite", "text": AUS_OP1}, "action must be one of amend, insert, delete."),
])
def test_bad_input_rerenders_the_form_with_422_and_saves_nothing(client, world, data, message):
    login(client, "aus")
    data = dict(data)
    if data["action"] == "insert":
        data["after_clause_id"] = world.clauses[2].id
    else:
        data["clause_id"] = world.clauses[2].id
    before = committed_rows()
    response = _propose_form(client, world, **data)
    assert response.status_code == 422
    assert committed_rows() == before
    tree = page(response)
    assert message in refusal(tree)
    assert "invalid_input" not in response.get_data(as_text=True)
    # A refusal about a field is told beside it, and the field points at it.
    for field in tree.xpath("//*[@aria-invalid='true']"):
        [error] = tree.xpath(f"//p[@id='{field.get('aria-describedby').split()[0]}']")
        assert message in error.text_content() and error.get("class") == "field-error"
    # The form is shown again, with what the delegate typed.
    assert tree.xpath("//form[contains(@class,'proposal-form')]")
    if data.get("text") and "\x00" not in data["text"]:
        assert tree.xpath("//textarea[@name='text']")[0].text_content() == \
            data["text"].replace("\r\n", "\n")


def test_amendment_without_a_clause_is_422(client, world):
    login(client, "aus")
    before = committed_rows()
    response = _propose_form(client, world, action="amend", text=AUS_OP1)
    assert response.status_code == 422
    assert refusal(page(response))
    assert committed_rows() == before


def test_missing_clause_message_is_readable(client, world):
    login(client, "aus")
    response = _propose_form(client, world, action="amend", text=AUS_OP1)
    message = refusal(page(response))
    assert "clause clause" not in message and "after_clause" not in message


def test_whitespace_only_change_counts_as_unchanged(client, world):
    login(client, "aus")
    before = committed_rows()
    response = _propose_form(client, world, action="amend", clause_id=world.clauses[2].id,
                             text=OP1.replace(" ", "  "))
    assert response.status_code == 422
    assert committed_rows() == before


def test_duplicate_open_proposal_is_refused_with_409(client, world):
    login(client, "aus")
    assert _propose_form(client, world, action="amend", clause_id=world.clauses[2].id,
                         text=AUS_OP1).status_code == 302
    before = committed_rows()
    response = _propose_form(client, world, action="amend", clause_id=world.clauses[2].id,
                             text=AUS_OP1)
    assert response.status_code == 409
    assert "already has the same open proposal" in text_of(response)
    assert committed_rows() == before


def test_proposing_on_a_deleted_clause_is_refused(client, world):
    decide(world, propose(world, "jpn", 1, action="delete"))
    login(client, "aus")
    before = committed_rows()
    response = _propose_form(client, world, action="amend", clause_id=world.clauses[1].id,
                             text="Recalling the Putrajaya Vision 2040 and beyond;")
    assert response.status_code == 409
    assert "has been deleted" in refusal(page(response))
    assert committed_rows() == before
    # The form itself no longer offers the deleted clause.
    assert client.get(f"/documents/{world.document.id}/propose?action=amend"
                      f"&clause_id={world.clauses[1].id}").status_code == 404


# --------------------------------------------------------------------------- JSON preview

@pytest.fixture
def should_clause(world):
    document, clauses = make_document(world.economies["THA"], texts=[
        ("operative", "Economies should cooperate on marine debris and should share data."),
    ])
    db.session.commit()
    return clauses[0]


def test_json_preview_is_word_level(client, world, should_clause):
    login(client, "aus")
    response = client.post("/proposals/preview", json={
        "action": "amend", "clause_id": should_clause.id,
        "text": "Economies shall cooperate on marine debris and should share data."})
    assert response.status_code == 200
    html = response.get_json()["html"]
    runs = _segments(html)
    assert [t for op, t in runs if op == "delete"] == ["should"]
    assert [t for op, t in runs if op == "insert"] == ["shall"]
    assert re.search(r'<del class="chg econ-aus"[^>]*>should</del>', html)
    assert re.search(r'<ins class="chg econ-aus"[^>]*>shall</ins>', html)
    _assert_whole_words(runs)


@pytest.mark.parametrize("new_text", [
    "Economies shoulder cooperation on marine debris and should share data.",
    "Economies should cooperated on marine debris and should share datasets.",
    "Economy should cooperate on maritime debris and shall share data.",
    "Economies should cooperate on marine debris and should share data widely.",
    "Members should cooperate.",
    "Economies, should cooperate on marine-debris and should share data!",
])
def test_json_preview_never_cuts_words(client, world, should_clause, new_text):
    login(client, "aus")
    html = client.post("/proposals/preview", json={
        "action": "amend", "clause_id": should_clause.id, "text": new_text}).get_json()["html"]
    runs = _segments(html)
    _assert_whole_words(runs)
    old = "".join(t for op, t in runs if op != "insert")
    new = "".join(t for op, t in runs if op != "delete")
    assert old == "Economies should cooperate on marine debris and should share data."
    assert new == " ".join(new_text.split())


def test_json_preview_of_insert_and_delete(client, world, should_clause):
    login(client, "nz")
    inserted = client.post("/proposals/preview", json={"action": "insert", "text": "New clause."})
    assert _segments(inserted.get_json()["html"]) == [("insert", "New clause.")]
    assert "econ-nz" in inserted.get_json()["html"]
    deleted = client.post("/proposals/preview", json={"action": "delete",
                                                       "clause_id": should_clause.id, "text": ""})
    assert _segments(deleted.get_json()["html"]) == [
        ("delete", "Economies should cooperate on marine debris and should share data.")]


def test_json_preview_bad_input(client, world):
    login(client, "aus")
    assert client.post("/proposals/preview", json={"text": 42}).status_code == 422
    assert client.post("/proposals/preview", json={"text": "x" * 20_001}).status_code == 422
    missing = client.post("/proposals/preview", json={"action": "amend", "clause_id": 999999,
                                                       "text": "x"})
    assert missing.status_code == 404
    assert missing.is_json and missing.get_json()["error"]["code"] == "not_found"


def test_json_preview_escapes_text(client, world):
    login(client, "aus")
    html = client.post("/proposals/preview", json={
        "action": "insert", "text": "<script>alert(1)</script>"}).get_json()["html"]
    assert "<script>" not in html and "&lt;script&gt;" in html


# --------------------------------------------------------------------------- withdraw, co-sponsor

def test_withdraw_own_proposal(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "aus2")  # any delegate of the proposing economy
    response = client.post(f"/proposals/{proposal.id}/withdraw", data={"confirmed": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/proposals/{proposal.id}"
    assert _fresh(Proposal, proposal.id).status is ProposalStatus.WITHDRAWN
    text = text_of(client.get(f"/proposals/{proposal.id}"))
    assert f"Proposal #{proposal.number} withdrawn." in text and "Withdrawn" in text
    assert "Withdraw proposal" not in text
    before = committed_rows()
    again = client.post(f"/proposals/{proposal.id}/withdraw")
    assert again.status_code == 409 and "no longer open" in text_of(again)
    assert committed_rows() == before


def test_cosponsor_and_uncosponsor(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "nz")
    assert client.post(f"/proposals/{proposal.id}/cosponsor").status_code == 302
    assert [c.economy.code for c in _fresh(Proposal, proposal.id).cosponsors] == ["NZ"]
    shown = client.get(f"/proposals/{proposal.id}")
    assert "Withdraw co-sponsorship" in text_of(shown)
    before = committed_rows()
    assert client.post(f"/proposals/{proposal.id}/cosponsor").status_code == 409
    assert committed_rows() == before
    assert client.post(f"/proposals/{proposal.id}/uncosponsor").status_code == 302
    assert _fresh(Proposal, proposal.id).cosponsors == []
    assert client.post(f"/proposals/{proposal.id}/uncosponsor").status_code == 409
    page_after = page(client.get(f"/proposals/{proposal.id}"))
    assert page_after.xpath(f"//form[@action='/proposals/{proposal.id}/cosponsor']")


def test_cannot_cosponsor_a_closed_proposal(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    decide(world, proposal, "reject", note="No.")
    login(client, "nz")
    before = committed_rows()
    assert client.post(f"/proposals/{proposal.id}/cosponsor").status_code == 409
    assert committed_rows() == before


# --------------------------------------------------------------------------- revising

def test_revise_after_conflict(client, world):
    first = propose(world, "aus", 2, AUS_OP1)
    conflicted = propose(world, "jpn", 2, JPN_OP1)
    decide(world, first)
    assert _fresh(Proposal, conflicted.id).in_conflict
    login(client, "jpn")
    form = client.get(f"/proposals/{conflicted.id}/revise")
    assert form.status_code == 200
    tree = page(form)
    assert "version 2" in tree.xpath("//p[@class='label']")[0].text_content()
    assert " ".join(tree.xpath("//blockquote")[0].text_content().split()) == AUS_OP1
    assert tree.xpath("//textarea[@name='text']")[0].text_content() == JPN_OP1
    revised_text = "We shall reduce emissions by 2030 and rapidly promote clean energy."
    response = client.post(f"/proposals/{conflicted.id}/revise",
                           data={"text": revised_text, "rationale": "Updated."})
    assert response.status_code == 302
    proposal = _fresh(Proposal, conflicted.id)
    assert not proposal.in_conflict and proposal.text == revised_text
    assert proposal.base_version.number == 2 and proposal.rationale == "Updated."
    text = text_of(client.get(f"/proposals/{conflicted.id}"))
    assert "revised by its economy against version 2" in text
    assert "In conflict." not in text


def test_revise_with_bad_text_rerenders_with_422(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "aus")
    before = committed_rows()
    for text, message in [("", "Enter the proposed text."),
                          (OP1, "identical to the current text"),
                          ("y" * 6000, "too long")]:
        response = client.post(f"/proposals/{proposal.id}/revise",
                               data={"text": text, "rationale": ""})
        assert response.status_code == 422, text[:20]
        assert message in refusal(page(response))
        assert committed_rows() == before


def test_revise_without_any_change_is_refused(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1, rationale="Stronger.")
    login(client, "aus")
    before = committed_rows()
    response = client.post(f"/proposals/{proposal.id}/revise",
                           data={"text": AUS_OP1, "rationale": "Stronger."})
    assert response.status_code == 422
    assert "Nothing changed" in text_of(response)
    assert committed_rows() == before


def test_revising_only_the_rationale_works(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1, rationale="Stronger.")
    login(client, "aus")
    response = client.post(f"/proposals/{proposal.id}/revise",
                           data={"text": AUS_OP1, "rationale": "Much stronger."})
    assert response.status_code == 302
    assert _fresh(Proposal, proposal.id).rationale == "Much stronger."


def test_deletion_has_no_wording_to_revise(client, world):
    proposal = propose(world, "aus", 1, action="delete")
    login(client, "aus")
    assert "Revise wording" not in text_of(client.get(f"/proposals/{proposal.id}"))
    before = committed_rows()
    response = client.post(f"/proposals/{proposal.id}/revise", data={"text": "x", "rationale": ""})
    assert response.status_code == 409
    assert committed_rows() == before


# --------------------------------------------------------------------------- deciding

def _decide(client, proposal_id, **data):
    return client.post(f"/proposals/{proposal_id}/decide", data=data)


def test_accept(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    response = _decide(client, proposal.id, decision="accept", expected_version="1",
                       text=AUS_OP1, note="")
    assert response.status_code == 302
    assert response.headers["Location"] == \
        f"/documents/{world.document.id}/desk#clause-{world.clauses[2].id}"
    decided = _fresh(Proposal, proposal.id)
    assert decided.status is ProposalStatus.ACCEPTED and decided.decided_text is None
    clause = _fresh(Clause, world.clauses[2].id)
    assert clause.version == 2 and clause.text == AUS_OP1
    desk = client.get(response.headers["Location"])
    assert f"Proposal #{proposal.number}: accepted." in text_of(desk)


def test_the_desk_sends_the_wording_it_showed_and_refuses_a_decision_on_older_wording(
        client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    desk = page(client.get(f"/documents/{world.document.id}/desk"))
    form = desk.xpath(f"//article[@id='proposal-{proposal.id}']//form[@class='decision-form']")[0]
    assert form.xpath(".//input[@name='expected_text_version']/@value") == ["1"]
    assert form.xpath(".//input[@name='expected_text_version']/@type") == ["hidden"]
    # The economy rewrites it while the desk page is open.
    proposal_service.revise_proposal(world.user("aus"), _fresh(Proposal, proposal.id),
                                     text=JPN_OP1)
    db.session.commit()
    before = committed_rows()
    response = _decide(client, proposal.id, decision="accept", expected_version="1",
                       expected_text_version="1", note="")
    assert response.status_code == 409
    assert f"Proposal #{proposal.number} changed since you read it" in text_of(response)
    assert committed_rows() == before
    assert _fresh(Proposal, proposal.id).status is ProposalStatus.OPEN
    # The reloaded desk shows the new wording and sends its new version.
    desk = page(client.get(f"/documents/{world.document.id}/desk"))
    assert desk.xpath(f"//article[@id='proposal-{proposal.id}']"
                      "//input[@name='expected_text_version']/@value") == ["2"]
    response = _decide(client, proposal.id, decision="accept", expected_version="1",
                       expected_text_version="2", note="")
    assert response.status_code == 302
    assert _fresh(Clause, world.clauses[2].id).text == JPN_OP1


def test_deciding_works_on_this_database(client, world):
    """Regression: decisions._lock() once ran SELECT … FOR UPDATE over Proposal's joined-eager
    economy (a LEFT OUTER JOIN), which PostgreSQL refuses; every decision was a 500 there."""
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    response = _decide(client, proposal.id, decision="reject", expected_version="1", note="No.")
    assert response.status_code == 302


def test_accept_follows_the_desk_next_field(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    desk = page(client.get(f"/documents/{world.document.id}/desk"))
    next_url = desk.xpath(f"//article[@id='proposal-{proposal.id}']//input[@name='next']/@value")[0]
    response = _decide(client, proposal.id, decision="accept", expected_version="1",
                       next=next_url)
    assert response.headers["Location"] == next_url


def _modify(client, proposal_id, **data):
    return client.post(f"/proposals/{proposal_id}/accept-with-modifications", data=data)


def _editor_fields(response) -> dict:
    form = page(response).xpath("//form[@class='modify-form']")[0]
    return {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}


def test_accept_with_modified_text(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    modified = "We shall reduce emissions by 2030 and promote clean and renewable energy."
    login(client, "secretariat")
    editor = client.get(f"/proposals/{proposal.id}/accept-with-modifications")
    assert editor.status_code == 200
    fields = _editor_fields(editor)
    assert (fields["expected_version"], fields["expected_text_version"],
            fields["previewed_text"]) == ("1", "1", AUS_OP1)
    # Preview renders the redline of the wording typed, from the current clause.
    preview = _modify(client, proposal.id, **{**fields, "text": modified, "step": "preview"})
    assert preview.status_code == 200
    fields = _editor_fields(preview)
    assert fields["previewed_text"] == modified
    redline = page(preview).xpath("//div[@id='modification-preview']//p[contains(@class, "
                                  "'modification-redline')]")[0]
    assert redline.xpath(".//ins[@data-economy='AUS']")[0].text_content() == "shall"
    assert redline.xpath(".//ins[@data-economy='Secretariat']")[0].text_content() \
        .strip() == "and renewable"
    response = _modify(client, proposal.id, **{**fields, "text": modified, "step": "apply",
                                               "note": "Merged with NZ's idea."})
    assert response.status_code == 302
    assert response.headers["Location"] == \
        f"/documents/{world.document.id}/desk#clause-{world.clauses[2].id}"
    decided = _fresh(Proposal, proposal.id)
    assert decided.status is ProposalStatus.ACCEPTED_MODIFIED
    assert decided.text == AUS_OP1 and decided.decided_text == modified
    assert decided.decision_note == "Merged with NZ's idea."
    assert _fresh(Clause, world.clauses[2].id).text == modified
    shown = page(client.get(f"/proposals/{proposal.id}"))
    mods = shown.xpath("//section[@class='redline-box'][2]//ins")
    assert "and renewable" in " ".join(i.text_content() for i in mods)
    assert not shown.xpath("//section[@class='redline-box'][2]//del")
    assert "Accepted with modifications" in shown.text_content()


def test_plain_accept_ignores_any_modified_text_sent_with_it(client, world):
    """Regression (issue item 3): Accept after closing the old modifications panel applied the
    hidden edited wording. Accept applies the economy's proposal as shown, always."""
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    desk = page(client.get(f"/documents/{world.document.id}/desk"))
    form = desk.xpath(f"//article[@id='proposal-{proposal.id}']//form[@class='decision-form']")[0]
    assert not form.xpath(".//textarea")  # the wording is edited on its own page only
    assert desk.xpath(f"//article[@id='proposal-{proposal.id}']//a[@href="
                      f"'/proposals/{proposal.id}/accept-with-modifications']")
    response = _decide(client, proposal.id, decision="accept", expected_version="1",
                       expected_text_version="1", text="Something else entirely.", note="")
    assert response.status_code == 302
    decided = _fresh(Proposal, proposal.id)
    assert decided.status is ProposalStatus.ACCEPTED and decided.decided_text is None
    assert _fresh(Clause, world.clauses[2].id).text == AUS_OP1


def test_modify_applies_only_the_previewed_wording(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    previewed = "We shall reduce emissions by 2030 and promote clean and renewable energy."
    sent = "We shall halve emissions by 2030 and promote clean and renewable energy."
    login(client, "secretariat")
    before = committed_rows()
    response = _modify(client, proposal.id, text=sent, previewed_text=previewed, step="apply",
                       expected_version="1", expected_text_version="1", note="My note")
    assert response.status_code == 422
    assert "changed after its last preview" in text_of(response)
    assert committed_rows() == before
    # The page now previews what was sent, keeps the note, and applies it on the next Apply.
    fields = _editor_fields(response)
    assert fields["previewed_text"] == sent
    assert page(response).xpath("//textarea[@name='text']")[0].text_content() == sent
    assert page(response).xpath("//input[@name='note']/@value") == ["My note"]
    assert _modify(client, proposal.id, **{**fields, "text": sent, "step": "apply"}) \
        .status_code == 302
    assert _fresh(Clause, world.clauses[2].id).text == sent


def test_modify_refused_when_the_proposal_changed_shows_the_new_state(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    modified = "We shall reduce emissions by 2030 and promote clean and renewable energy."
    login(client, "secretariat")
    fields = _editor_fields(client.get(f"/proposals/{proposal.id}/accept-with-modifications"))
    proposal_service.revise_proposal(world.user("aus"), _fresh(Proposal, proposal.id),
                                     text=JPN_OP1)
    db.session.commit()
    before = committed_rows()
    response = _modify(client, proposal.id, **{**fields, "text": modified,
                                               "previewed_text": modified, "step": "apply"})
    assert response.status_code == 409
    assert committed_rows() == before
    assert "changed since you read it" in text_of(response) and "Nothing was applied" in \
        text_of(response)
    # The economy's new wording, the new version to name, the secretariat's wording kept.
    fields = _editor_fields(response)
    assert fields["expected_text_version"] == "2"
    assert page(response).xpath("//textarea[@name='text']")[0].text_content() == modified
    assert "must" in page(response).xpath("//section[@aria-labelledby='economy-h']")[0] \
        .text_content()
    assert _modify(client, proposal.id, **{**fields, "text": modified, "step": "apply"}) \
        .status_code == 302
    assert _fresh(Proposal, proposal.id).decided_text == modified


def test_modify_without_the_wording_version_is_refused(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    modified = "We shall reduce emissions by 2030 and promote clean and renewable energy."
    login(client, "secretariat")
    before = committed_rows()
    response = _modify(client, proposal.id, text=modified, previewed_text=modified,
                       step="apply", expected_version="1")
    assert response.status_code == 422 and "expected_text_version is required" in \
        text_of(response)
    assert committed_rows() == before


def test_live_preview_returns_the_attributed_redline(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    response = client.post(f"/proposals/{proposal.id}/accept-with-modifications/preview",
                           data={"text": "We shall cut emissions by 2030 and promote clean "
                                         "energy.", "expected_version": "1",
                                 "expected_text_version": "1"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    fragment = lxml.html.fragment_fromstring(response.get_data(as_text=True),
                                             create_parent="div")
    assert [i.text_content().strip() for i in fragment.xpath(".//ins")] == ["shall", "cut"]
    assert [i.get("data-economy") for i in fragment.xpath(".//ins")] == ["AUS", "Secretariat"]
    assert not fragment.xpath(".//*[@role='alert']")
    stale = client.post(f"/proposals/{proposal.id}/accept-with-modifications/preview",
                        data={"text": "x", "expected_version": "1",
                              "expected_text_version": "0"})
    assert "changed since this page was loaded" in stale.get_data(as_text=True)


@pytest.mark.parametrize("username", ["aus", "observer"])
def test_only_the_secretariat_opens_the_modifications_editor(client, world, username):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, username)
    assert client.get(f"/proposals/{proposal.id}/accept-with-modifications").status_code == 403
    assert client.post(f"/proposals/{proposal.id}/accept-with-modifications/preview",
                       data={"text": "x"}).status_code == 403


def test_a_deletion_has_no_modifications_editor(client, world):
    proposal = propose(world, "jpn", 1, action="delete")
    login(client, "secretariat")
    assert client.get(f"/proposals/{proposal.id}/accept-with-modifications").status_code == 422


def test_refused_reject_stays_on_the_desk_with_the_reason_kept(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    desk = page(client.get(f"/documents/{world.document.id}/desk"))
    action = desk.xpath(f"//article[@id='proposal-{proposal.id}']"
                        "//form[@class='decision-form']/@action")[0]
    assert action.endswith(f"#proposal-{proposal.id}")  # the answer scrolls back to the card
    # The economy rewrites it while the desk is open; the secretariat's reason is kept.
    proposal_service.revise_proposal(world.user("aus"), _fresh(Proposal, proposal.id),
                                     text=JPN_OP1)
    db.session.commit()
    response = _decide(client, proposal.id, decision="reject", expected_version="1",
                       expected_text_version="1", note="Not agreed in the room.")
    assert response.status_code == 409
    card = page(response).xpath(f"//article[@id='proposal-{proposal.id}']")[0]
    alert = card.xpath(".//*[@role='alert']")[0].text_content()
    assert "it is now at version 2" in alert and "decide again" in alert
    assert card.xpath(".//input[@name='note']/@value") == ["Not agreed in the room."]
    assert card.xpath(".//input[@name='expected_text_version']/@value") == ["2"]
    assert "must" in card.xpath(".//p[contains(@class, 'redline')]")[0].text_content()
    assert "Back to the documents" not in text_of(response)
    # The card is drawn as changed: its new redline highlighted, nothing decidable until the
    # operator says they reviewed it (the link reloads the desk; desk.js does it in place).
    assert card.get("data-changed") == "server"
    assert card.xpath(".//p[@class='redline redline-changed']")
    assert all(b.get("disabled") is not None for b in card.xpath(".//button[@data-decision]"))
    assert card.xpath(".//a[@data-desk-ack]/@href") == [
        f"/documents/{world.document.id}/desk#proposal-{proposal.id}"]
    assert "Changed since you opened it" in card.text_content()


def test_accept_insert_and_delete(client, world):
    insert = propose(world, "nz", 2, action="insert", text="We will phase down coal power.")
    delete = propose(world, "jpn", 1, action="delete")
    login(client, "secretariat")
    assert _decide(client, insert.id, decision="accept", expected_version="0").status_code == 302
    assert _decide(client, delete.id, decision="accept", expected_version="1").status_code == 302
    assert _fresh(Proposal, insert.id).clause.text == "We will phase down coal power."
    assert _fresh(Clause, world.clauses[1].id).removed


def test_reject_without_note_is_422_and_changes_nothing(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    before = committed_rows()
    for note in ("", "   "):
        response = _decide(client, proposal.id, decision="reject", expected_version="1",
                           note=note)
        assert response.status_code == 422
        assert "note must not be empty." in text_of(response)
        assert committed_rows() == before
    assert _fresh(Proposal, proposal.id).status is ProposalStatus.OPEN


def test_reject_with_note(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    assert _decide(client, proposal.id, decision="reject", expected_version="1",
                   note="No consensus.").status_code == 302
    decided = _fresh(Proposal, proposal.id)
    assert decided.status is ProposalStatus.REJECTED and decided.decision_note == "No consensus."
    assert _fresh(Clause, world.clauses[2].id).version == 1


def test_stale_expected_version_is_409_with_clear_message(client, world):
    first = propose(world, "aus", 2, AUS_OP1)
    second = propose(world, "nz", 2, "We will reduce emissions by 2030 and promote renewable "
                                     "energy.")
    login(client, "secretariat")
    assert _decide(client, first.id, decision="accept", expected_version="1").status_code == 302
    before = committed_rows()
    response = _decide(client, second.id, decision="accept", expected_version="1")
    assert response.status_code == 409
    message = page(response).xpath(f"//article[@id='proposal-{second.id}']"
                                   "//*[@role='alert']")[0].text_content()
    assert "The clause changed since you looked at it" in message
    assert "version 1" in message and "version is 2" in message
    assert committed_rows() == before


@pytest.mark.parametrize("data,status", [
    ({"decision": "maybe", "expected_version": "1"}, 422),
    ({"decision": "accept"}, 422),
    ({"decision": "accept", "expected_version": "one"}, 400),
    ({}, 422),
])
def test_malformed_decisions_change_nothing(client, world, data, status):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    before = committed_rows()
    assert _decide(client, proposal.id, **data).status_code == status
    assert committed_rows() == before


def test_deciding_twice_is_409(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    assert _decide(client, proposal.id, decision="reject", expected_version="1",
                   note="No.").status_code == 302
    before = committed_rows()
    response = _decide(client, proposal.id, decision="accept", expected_version="1")
    assert response.status_code == 409 and "already rejected" in text_of(response)
    assert committed_rows() == before


def test_accepting_a_conflicted_proposal_is_409(client, world):
    first = propose(world, "aus", 2, AUS_OP1)
    conflicted = propose(world, "jpn", 2, JPN_OP1)
    decide(world, first)
    login(client, "secretariat")
    before = committed_rows()
    response = _decide(client, conflicted.id, decision="accept", expected_version="2")
    assert response.status_code == 409 and "in conflict" in text_of(response)
    assert committed_rows() == before


# --------------------------------------------------------------------------- comments

def test_comment_post_reply_resolve_reopen(client, world):
    clause_id = world.clauses[0].id
    login(client, "aus")
    response = client.post("/comments", data={"clause_id": clause_id, "body": "We *suggest* X.",
                                              "next": f"/clauses/{clause_id}"})
    assert response.status_code == 302
    root = db.session.execute(select(Comment).order_by(Comment.seq.desc())).scalars().first()
    assert response.headers["Location"] == f"/clauses/{clause_id}#comment-{root.id}"
    assert root.body == "We *suggest* X." and "<em>suggest</em>" in root.body_html
    assert root.economy.code == "AUS" and root.clause_id == clause_id

    client.post("/logout")
    login(client, "nz")
    reply = client.post("/comments", data={"clause_id": clause_id, "parent_id": root.id,
                                           "body": "NZ agrees."})
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith(f"/clauses/{clause_id}#comment-")
    child = db.session.execute(select(Comment).order_by(Comment.seq.desc())).scalars().first()
    assert child.parent_id == root.id
    shown = page(client.get(f"/clauses/{clause_id}"))
    nested = shown.xpath(f"//article[@id='comment-{root.id}']//div[@class='replies']"
                         f"/article[@id='comment-{child.id}']")
    assert nested
    # NZ did not start the thread: it cannot resolve it.
    assert client.post(f"/comments/{root.id}/resolve").status_code == 403

    client.post("/logout")
    login(client, "aus")
    assert client.post(f"/comments/{child.id}/resolve").status_code == 302  # resolves the root
    assert _fresh(Comment, root.id).is_resolved
    shown = page(client.get(f"/clauses/{clause_id}"))
    article = shown.xpath(f"//article[@id='comment-{root.id}']")[0]
    assert "resolved" in article.get("class") and "Reopen thread" in article.text_content()
    assert client.post(f"/comments/{root.id}/resolve").status_code == 409
    assert client.post(f"/comments/{root.id}/reopen").status_code == 302
    assert not _fresh(Comment, root.id).is_resolved
    assert client.post(f"/comments/{root.id}/reopen").status_code == 409


def test_comment_on_a_proposal_lands_on_the_proposal_page(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    login(client, "secretariat")
    response = client.post("/comments", data={"proposal_id": proposal.id, "body": "Noted."})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/proposals/{proposal.id}#comment-")
    assert "Noted." in text_of(client.get(f"/proposals/{proposal.id}"))
    # Proposal discussion stays off the clause page's own threads.
    clause_page = page(client.get(f"/clauses/{world.clauses[2].id}"))
    assert "Noted." not in clause_page.xpath("//section[@id='comments']")[0].text_content()


@pytest.mark.parametrize("data,status", [
    ({"body": "", "clause": True}, 422),
    ({"body": "x" * 10_001, "clause": True}, 422),
    ({"body": "orphan"}, 422),
])
def test_bad_comments_are_refused_and_nothing_is_written(client, world, data, status):
    login(client, "aus")
    form = {"body": data["body"]}
    if data.get("clause"):
        form["clause_id"] = world.clauses[0].id
    before = committed_count("comments")
    response = client.post("/comments", data=form)
    assert response.status_code == status
    assert refusal(page(response))
    assert committed_count("comments") == before


def test_reply_into_another_thread_is_refused(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    other = propose(world, "nz", 3, "We encourage economies to cooperate on marine debris.")
    on_clause = comment(world, "aus", clause_index=0, body="On PP1.")
    on_proposal = comment(world, "aus", proposal=proposal, body="On the proposal.")
    login(client, "nz")
    before = committed_count("comments")
    for data in ({"clause_id": world.clauses[1].id, "parent_id": on_clause.id},
                 {"proposal_id": other.id, "parent_id": on_proposal.id}):
        response = client.post("/comments", data={**data, "body": "Sneaky."})
        assert response.status_code == 422
        assert "another thread" in text_of(response)
    assert committed_count("comments") == before


def test_reply_always_joins_its_parents_thread(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    on_proposal = comment(world, "aus", proposal=proposal, body="On the proposal.")
    login(client, "nz")
    response = client.post("/comments", data={"clause_id": world.clauses[2].id,
                                              "parent_id": on_proposal.id, "body": "Reply."})
    assert response.status_code == 302
    reply = db.session.execute(select(Comment).order_by(Comment.seq.desc())).scalars().first()
    assert reply.parent_id == on_proposal.id and reply.proposal_id == proposal.id
    assert response.headers["Location"].startswith(f"/proposals/{proposal.id}#comment-")
