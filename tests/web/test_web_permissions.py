"""Who may do what, through HTTP: every role against every page action.

A refusal is 403 with the error page, and the database is exactly as before (compared on a
connection of its own, so uncommitted work of the refused request cannot hide anything).
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from drafting.extensions import db
from drafting.models import Proposal
from drafting.domain.states import ProposalStatus
from tests.factories import login
from tests.web.test_web_support import (comment, committed_rows, isolated_requests, page,
                                        propose, user_id)

_ = isolated_requests

ROLES = ["aus", "aus2", "nz", "secretariat", "observer", "admin"]
NEW_TEXT = "We will reduce emissions by 2030 and promote renewable energy."


@pytest.fixture
def scene(world):
    """An open AUS amendment on OP1 and an AUS comment thread on PP1."""
    proposal = propose(world, "aus", 2, "We shall reduce emissions by 2030 and promote clean "
                                        "energy.", rationale="Stronger.")
    thread = comment(world, "aus", clause_index=0, body="AUS would like to discuss.")
    return SimpleNamespace(
        world=world, doc=world.document.id, clauses=[c.id for c in world.clauses],
        proposal=proposal.id, comment=thread.id,
    )


def _request(client, s, action):
    """Perform `action` in scenario `s`; return the response."""
    if action == "propose_form":
        return client.get(f"/documents/{s.doc}/propose?action=amend&clause_id={s.clauses[3]}")
    if action == "propose":
        return client.post(f"/documents/{s.doc}/proposals", data={
            "action": "amend", "clause_id": s.clauses[3], "intent": "submit",
            "text": "We encourage economies to cooperate closely on marine debris and share "
                    "best practices."})
    if action == "propose_preview":
        return client.post(f"/documents/{s.doc}/proposals", data={
            "action": "amend", "clause_id": s.clauses[3], "intent": "preview",
            "text": "We encourage economies to cooperate."})
    if action == "withdraw":
        return client.post(f"/proposals/{s.proposal}/withdraw", data={"confirmed": "1"})
    if action == "revise_form":
        return client.get(f"/proposals/{s.proposal}/revise")
    if action == "revise":
        return client.post(f"/proposals/{s.proposal}/revise", data={
            "text": "We must reduce emissions by 2030 and promote clean energy.",
            "rationale": "Even stronger."})
    if action == "cosponsor":
        return client.post(f"/proposals/{s.proposal}/cosponsor")
    if action == "comment":
        return client.post("/comments", data={"clause_id": s.clauses[1], "body": "My view."})
    if action == "comment_on_proposal":
        return client.post("/comments", data={"proposal_id": s.proposal, "body": "On this."})
    if action == "reply":
        return client.post("/comments", data={"parent_id": s.comment, "clause_id": s.clauses[0],
                                              "body": "A reply."})
    if action == "resolve":
        return client.post(f"/comments/{s.comment}/resolve")
    if action == "desk":
        return client.get(f"/documents/{s.doc}/desk")
    if action == "decide_accept":
        return client.post(f"/proposals/{s.proposal}/decide",
                           data={"decision": "accept", "expected_version": "1"})
    if action == "decide_reject":
        return client.post(f"/proposals/{s.proposal}/decide",
                           data={"decision": "reject", "expected_version": "1",
                                 "note": "Not agreed."})
    if action == "admin_users":
        return client.get("/admin/users")
    if action == "admin_create_user":
        return client.post("/admin/users", data={"username": "newbie", "password": "x" * 12,
                                                  "role": "observer"})
    if action == "admin_deactivate":
        return client.post(f"/admin/users/{user_id('jpn')}/active", data={"active": "0"})
    raise AssertionError(action)


# role → actions it may do; every other (role, action) pair must be refused with 403.
ALLOWED = {
    "aus": {"propose_form", "propose", "propose_preview", "withdraw", "revise_form", "revise",
            "comment", "comment_on_proposal", "reply", "resolve"},
    "aus2": {"propose_form", "propose", "propose_preview", "withdraw", "revise_form", "revise",
             "comment", "comment_on_proposal", "reply", "resolve"},
    "nz": {"propose_form", "propose", "propose_preview", "cosponsor", "comment",
           "comment_on_proposal", "reply"},
    "secretariat": {"desk", "decide_accept", "decide_reject", "comment", "comment_on_proposal",
                    "reply", "resolve"},
    "observer": set(),
    "admin": {"admin_users", "admin_create_user", "admin_deactivate"},
}
ACTIONS = ["propose_form", "propose", "propose_preview", "withdraw", "revise_form", "revise",
           "cosponsor", "comment", "comment_on_proposal", "reply", "resolve", "desk",
           "decide_accept", "decide_reject", "admin_users", "admin_create_user",
           "admin_deactivate"]
READS = {"propose_form", "revise_form", "desk", "admin_users", "propose_preview"}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, scene, role, action):
    login(client, role)
    before = committed_rows()
    response = _request(client, scene, action)
    if action in ALLOWED[role]:
        assert response.status_code in (200, 302), (role, action, response.data[:600])
        if action not in READS:
            assert committed_rows() != before, f"{role} {action}: allowed but nothing changed"
        else:
            assert committed_rows() == before, f"{role} {action}: a read wrote something"
    else:
        assert response.status_code == 403, (role, action, response.status_code,
                                              response.data[:600])
        assert b"You do not have access to this" in response.data
        assert committed_rows() == before, f"{role} {action}: refused but the DB changed"


def test_delegate_cannot_withdraw_another_economys_proposal_by_posting(client, scene):
    login(client, "nz")
    before = committed_rows()
    response = client.post(f"/proposals/{scene.proposal}/withdraw")
    assert response.status_code == 403
    assert b"Only the delegation that submitted this proposal can do this." in response.data
    assert committed_rows() == before
    db.session.expire_all()
    assert db.session.get(Proposal, scene.proposal).status is ProposalStatus.OPEN


def test_economy_cannot_cosponsor_its_own_proposal(client, scene):
    login(client, "aus2")
    response = client.post(f"/proposals/{scene.proposal}/cosponsor")
    assert response.status_code == 403
    assert b"cannot co-sponsor its own proposal" in response.data


def test_observer_sees_pages_but_no_write_controls(client, scene):
    login(client, "observer")
    for path in (f"/documents/{scene.doc}", f"/documents/{scene.doc}?view=changes",
                 f"/clauses/{scene.clauses[0]}", f"/proposals/{scene.proposal}"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.data
        for control in (b"Propose amendment", b"Post comment", b"Post reply", b"Withdraw proposal",
                        b">Co-sponsor</button>", b"Merge desk", b"Resolve thread", b"Revise wording",
                        b"Decide on the merge desk", f"/documents/{scene.doc}/desk".encode()):
            assert control not in body, (path, control)


def test_secretariat_sees_desk_link_but_no_propose_links(client, scene):
    login(client, "secretariat")
    tree = page(client.get(f"/documents/{scene.doc}"))
    nav = tree.xpath("//nav[@class='doc-nav']//a")
    assert [a.text_content() for a in nav][:7] == ["Text", "Desk", "Consensus",
                                                   "Revisions & compare", "Exports", "Workflow",
                                                   "Audit"]
    assert nav[0].get("aria-current") == "page"
    assert nav[1].get("href") == f"/documents/{scene.doc}/desk"
    assert "Propose amendment" not in tree.text_content()
    assert b"Decide on the merge desk" in client.get(f"/proposals/{scene.proposal}").data


def test_delegate_sees_the_controls_that_fit(client, scene):
    login(client, "aus")
    own = client.get(f"/proposals/{scene.proposal}").data
    assert b"Withdraw proposal" in own and b"Revise wording" in own and b">Co-sponsor</button>" not in own
    login_other = client.post("/logout")
    assert login_other.status_code == 302
    login(client, "nz")
    other = client.get(f"/proposals/{scene.proposal}").data
    assert b">Co-sponsor</button>" in other and b"Withdraw proposal" not in other


def test_admin_cannot_decide_even_with_a_valid_form(client, scene):
    login(client, "admin")
    before = committed_rows()
    response = client.post(f"/proposals/{scene.proposal}/decide",
                           data={"decision": "accept", "expected_version": "1"})
    assert response.status_code == 403
    assert committed_rows() == before


def test_nonexistent_targets_are_404_not_500(client, scene):
    login(client, "aus")
    assert client.post("/proposals/999999/withdraw").status_code == 404
    assert client.get("/proposals/999999").status_code == 404
    assert client.get("/clauses/999999").status_code == 404
    assert client.get("/documents/999999").status_code == 404
    assert client.post("/comments", data={"clause_id": "999999", "body": "x"}).status_code == 404
    assert client.post("/comments/999999/resolve").status_code == 404
    assert client.post("/comments", data={"clause_id": "abc", "body": "x"}).status_code == 400
