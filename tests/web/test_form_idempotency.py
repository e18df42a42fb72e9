"""A page form that creates something writes once, however often it is sent
(drafting/web/form_idempotency.py): each rendered form carries its own key."""
from __future__ import annotations

from drafting.models import ApiToken, Comment, Proposal, Revision
from tests.factories import login
from tests.web.test_web_support import (committed_count, committed_rows, confirm,
                                        confirmation_form, page)

OP1 = "We will halve emissions by 2030 and promote clean energy."


def key_of(response, form_xpath: str = "//form") -> str:
    keys = page(response).xpath(f"{form_xpath}//input[@name='idempotency_key']/@value")
    assert len(keys) == 1, keys
    return keys[0]


def proposal_form(client, world) -> str:
    response = client.get(f"/documents/{world.document.id}/propose?action=amend"
                          f"&clause_id={world.clauses[2].id}")
    return key_of(response, "//form[contains(@class, 'proposal-form')]")


def propose(client, world, key, text=OP1):
    return client.post(f"/documents/{world.document.id}/proposals", data={
        "idempotency_key": key, "intent": "submit", "action": "amend",
        "clause_id": world.clauses[2].id, "text": text, "rationale": ""})


def test_a_proposal_form_sent_twice_makes_one_proposal(client, world):
    login(client, "aus")
    key = proposal_form(client, world)
    first = propose(client, world, key)
    assert first.status_code == 302
    again = propose(client, world, key)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert committed_count("proposals") == 1
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "That form had already been sent" in shown


def test_every_rendering_has_its_own_key_and_without_one_each_post_writes(client, world):
    login(client, "aus")
    assert proposal_form(client, world) != proposal_form(client, world)
    assert propose(client, world, key="").status_code == 302
    # Without a key only the rule against identical open proposals stops the second one.
    assert propose(client, world, key="").status_code == 409
    assert propose(client, world, key="", text=OP1.replace("halve", "cut")).status_code == 302
    assert committed_count("proposals") == 2


def test_the_same_key_with_other_fields_is_refused_and_writes_nothing(client, world):
    login(client, "aus")
    key = proposal_form(client, world)
    assert propose(client, world, key).status_code == 302
    before = committed_rows()
    other = propose(client, world, key, text=OP1.replace("halve", "cut"))
    assert other.status_code == 422
    assert "already used for a different request" in other.get_data(as_text=True)
    assert committed_rows() == before


def test_a_refused_form_keeps_no_key(client, world):
    """The page with the refusal is a new form; the old key was never kept, so sending the
    corrected form under it works."""
    login(client, "aus")
    key = proposal_form(client, world)
    refused = propose(client, world, key, text=world.clauses[2].text)  # no change
    assert refused.status_code == 422
    assert key_of(refused, "//form[contains(@class, 'proposal-form')]") != key
    assert propose(client, world, key).status_code == 302
    assert committed_count("proposals") == 1


def test_a_comment_sent_twice_is_posted_once(client, world):
    login(client, "nz")
    clause_page = client.get(f"/clauses/{world.clauses[2].id}")
    key = key_of(clause_page, "//form[contains(@class, 'comment-form')]")
    data = {"idempotency_key": key, "clause_id": world.clauses[2].id, "body": "Agree.",
            "next": f"/clauses/{world.clauses[2].id}"}
    assert client.post("/comments", data=data).status_code in (302, 303)
    assert client.post("/comments", data=data).status_code == 303
    assert committed_count("comments") == 1
    assert Comment.query.count() == 1


def test_a_token_form_sent_twice_makes_one_token_and_shows_its_secret_once(client, world):
    login(client, "nz")
    account = client.get("/account", headers={"Referer": "http://localhost/account"})
    key = key_of(account, "//form[contains(@action, '/account/tokens')]"
                          "[not(contains(@action, 'revoke'))]")
    data = {"idempotency_key": key, "name": "script"}
    first = client.post("/account/tokens", data=data)
    assert first.status_code == 200
    again = client.post("/account/tokens", data=data,
                        headers={"Referer": "http://localhost/account"})
    assert (again.status_code, again.headers["Location"]) == (303, "/account")
    assert committed_count("api_tokens") == 1
    assert ApiToken.query.count() == 1
    shown = client.get("/account").get_data(as_text=True)
    assert "was carried out; it was not sent again" in shown


def test_a_confirmed_revision_sent_twice_is_issued_once(client, world):
    """The confirmation page carries the form's key to the confirmed submission."""
    login(client, "secretariat")
    index = client.get(f"/documents/{world.document.id}/revisions")
    key = key_of(index, "//form[@id='issue-revision-form']")
    asked = client.post(f"/documents/{world.document.id}/revisions",
                        data={"idempotency_key": key, "note": "Rev.1", "renumber": "1"})
    assert asked.status_code == 200
    _action, fields = confirmation_form(asked)
    assert ("idempotency_key", key) in fields
    assert confirm(client, asked).status_code == 302
    assert confirm(client, asked).status_code == 303
    assert Revision.query.count() == 1
    assert Proposal.query.count() == 0
