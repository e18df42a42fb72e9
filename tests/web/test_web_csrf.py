"""CSRF protection of every form, with an app built with WTF_CSRF_ENABLED=True."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from drafting.extensions import db
from tests.conftest import make_test_app
from tests.factories import PASSWORD
from tests.web.test_web_support import (committed_count, committed_rows, form_token,
                                        install_request_isolation, isolated_requests, propose)

_ = isolated_requests  # autouse for the default app as well

CSRF_MESSAGE = b"The form expired or was not sent from this site."


@pytest.fixture
def csrf(world, migrated):
    """A CSRF-enforcing app on the same database as `world`, with its own client.

    Only ids cross over: the world's objects belong to the default app's session. The
    default `app` fixture empties the tables afterwards; this one only closes its own
    session and engine first (an open PostgreSQL transaction would block the TRUNCATE).
    """
    proposal = propose(world, "aus", 2, "We shall reduce emissions by 2030 and promote clean "
                                        "energy.")
    ids = SimpleNamespace(document=world.document.id, clauses=[c.id for c in world.clauses],
                          proposal=proposal.id)
    db.session.close()
    csrf_app = make_test_app(migrated, WTF_CSRF_ENABLED=True)
    install_request_isolation(csrf_app)
    with csrf_app.app_context():
        yield SimpleNamespace(app=csrf_app, client=csrf_app.test_client(), ids=ids)
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def _login(client, username):
    token = form_token(client.get("/login"))
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.data[:400]


def test_login_without_token_is_refused_and_opens_no_session(csrf):
    client = csrf.client
    response = client.post("/login", data={"username": "aus", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/documents").status_code == 302


def test_login_with_a_forged_token_is_refused(csrf):
    client = csrf.client
    client.get("/login")
    response = client.post("/login", data={"username": "aus", "password": PASSWORD,
                                           "csrf_token": "IjEyMzQ1Ig.forged.token"})
    assert response.status_code == 400
    assert client.get("/documents").status_code == 302


def test_login_with_the_forms_token_works(csrf):
    _login(csrf.client, "aus")
    assert csrf.client.get("/documents").status_code == 200


def test_token_of_another_session_is_refused(csrf):
    other = csrf.app.test_client()
    foreign_token = form_token(other.get("/login"))
    client = csrf.client
    client.get("/login")
    response = client.post("/login", data={"username": "aus", "password": PASSWORD,
                                           "csrf_token": foreign_token})
    assert response.status_code == 400


def test_comment_without_token_is_400_and_writes_nothing(csrf):
    client = csrf.client
    _login(client, "aus")
    before = committed_rows()
    response = client.post("/comments", data={"clause_id": csrf.ids.clauses[0],
                                               "body": "Forged comment"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.data
    assert committed_rows() == before


def test_comment_with_token_from_the_clause_page_is_posted(csrf):
    client = csrf.client
    _login(client, "aus")
    clause_page = client.get(f"/clauses/{csrf.ids.clauses[0]}")
    before = committed_count("comments")
    response = client.post("/comments", data={"clause_id": csrf.ids.clauses[0],
                                               "body": "A genuine comment",
                                               "csrf_token": form_token(clause_page)})
    assert response.status_code == 302
    assert committed_count("comments") == before + 1


def test_proposal_without_token_is_400_and_writes_nothing(csrf):
    client = csrf.client
    _login(client, "nz")
    before = committed_rows()
    response = client.post(f"/documents/{csrf.ids.document}/proposals", data={
        "action": "amend", "clause_id": csrf.ids.clauses[0], "intent": "submit",
        "text": "Recognising that climate change poses grave risks to the region;"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.data
    assert committed_rows() == before


def test_proposal_with_token_from_the_form_is_created(csrf):
    client = csrf.client
    _login(client, "nz")
    form = client.get(f"/documents/{csrf.ids.document}/propose?action=amend"
                      f"&clause_id={csrf.ids.clauses[0]}")
    before = committed_count("proposals")
    response = client.post(f"/documents/{csrf.ids.document}/proposals", data={
        "action": "amend", "clause_id": csrf.ids.clauses[0], "intent": "submit",
        "text": "Recognising that climate change poses grave risks to the region;",
        "csrf_token": form_token(form)})
    assert response.status_code == 302
    assert committed_count("proposals") == before + 1


def test_decide_without_token_is_400_and_changes_nothing(csrf):
    client = csrf.client
    _login(client, "secretariat")
    before = committed_rows()
    response = client.post(f"/proposals/{csrf.ids.proposal}/decide",
                           data={"decision": "accept", "expected_version": "1"})
    assert response.status_code == 400
    assert committed_rows() == before


def test_decide_with_token_from_the_desk_works(csrf):
    client = csrf.client
    _login(client, "secretariat")
    desk = client.get(f"/documents/{csrf.ids.document}/desk")
    assert desk.status_code == 200
    before = committed_count("clause_versions")
    response = client.post(f"/proposals/{csrf.ids.proposal}/decide", data={
        "decision": "accept", "expected_version": "1", "csrf_token": form_token(desk)})
    assert response.status_code == 302
    assert committed_count("clause_versions") == before + 1


@pytest.mark.parametrize("path", ["/proposals/{p}/withdraw", "/proposals/{p}/cosponsor",
                                  "/logout"])
def test_other_writes_need_the_token_too(csrf, path):
    client = csrf.client
    _login(client, "aus" if "withdraw" in path or "logout" in path else "nz")
    before = committed_rows()
    response = client.post(path.format(p=csrf.ids.proposal))
    assert response.status_code == 400
    assert committed_rows() == before
    assert client.get("/documents").status_code == 200  # still logged in


def test_logout_with_token_works(csrf):
    client = csrf.client
    _login(client, "aus")
    token = form_token(client.get("/documents"))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/documents").status_code == 302


def test_json_preview_needs_the_csrf_header(csrf):
    client = csrf.client
    _login(client, "aus")
    form = client.get(f"/documents/{csrf.ids.document}/propose?action=amend"
                      f"&clause_id={csrf.ids.clauses[0]}")
    body = {"action": "amend", "clause_id": csrf.ids.clauses[0], "text": "changed text"}
    assert client.post("/proposals/preview", json=body).status_code == 400
    response = client.post("/proposals/preview", json=body,
                           headers={"X-CSRFToken": form_token(form)})
    assert response.status_code == 200
    assert "html" in response.get_json()
