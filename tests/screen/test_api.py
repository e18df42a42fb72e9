"""GET / PUT /api/v1/documents/<id>/screen."""
import pytest
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import AuditEvent
from drafting.services import options, positions, proposals, screen
from tests.factories import make_document

BASE = "We will reduce emissions by 2030 and promote clean energy."


def url(world):
    return f"/api/v1/documents/{world.document.id}/screen"


def screen_events():
    return list(db.session.execute(
        select(AuditEvent.kind).where(AuditEvent.kind.like("screen.%"))
        .order_by(AuditEvent.id)).scalars())


def test_an_empty_screen(client, world, api_token):
    response = client.get(url(world), headers=api_token("observer"))
    assert response.status_code == 200
    assert response.json == {"document_id": world.document.id, "clause_id": None,
                             "changed_at": None, "changed_by": None, "deleted": None,
                             "clause": None}


def test_the_secretariat_puts_a_clause_on_screen_and_readers_get_its_content(client, world,
                                                                              api_token):
    sec, doc, clause = world.user("secretariat"), world.document, world.clauses[2]
    aus = proposals.submit_proposal(world.user("aus"), doc, "amend", clause=clause,
                                    text=BASE.replace("reduce", "halve"))
    nz = proposals.submit_proposal(world.user("nz"), doc, "amend", clause=clause,
                                   text=BASE.replace("clean energy", "renewable energy"))
    options.keep_as_option(sec, nz)
    positions.set_position(world.user("jpn"), clause, "objection", "Too weak.")
    db.session.commit()
    response = client.put(url(world), json={"clause_id": clause.id},
                          headers=api_token("secretariat"))
    assert response.status_code == 200, response.json
    assert response.json["clause_id"] == clause.id and response.json["changed_by"] == "secretariat"
    body = client.get(url(world), headers=api_token("aus")).json
    shown = body["clause"]
    assert (shown["number"], shown["index"], shown["total"], shown["section"]) == (
        "OP1", 3, 4, "Goal 1: Climate")
    assert shown["text"] == BASE and shown["status"] == "open"
    assert ">halve</ins>" in shown["tracked_changes_html"]
    assert shown["proposals"] == [{"id": aus.id, "action": "amend", "text": aus.text,
                                   "economies": ["AUS"], "on_current_text": True}]
    assert [(o["label"], o["current_text"], o["economies"]) for o in shown["options"]] == [
        ("Option 1", True, []), ("Option 2", False, ["NZ"])]
    assert shown["positions"] == [
        {"economy": "AUS", "stance": None, "text": ""},
        {"economy": "NZ", "stance": None, "text": ""},
        {"economy": "JPN", "stance": "objection", "text": "Too weak."},
        {"economy": "THA", "stance": None, "text": ""}]
    assert shown["consensus"] is False and shown["blocking"] == ["JPN"]


def test_next_previous_and_clear(client, world, api_token):
    headers = api_token("secretariat")
    assert client.put(url(world), json={"action": "next"}, headers=headers
                      ).json["clause_id"] == world.clauses[0].id
    assert client.put(url(world), json={"action": "next"}, headers=headers
                      ).json["clause"]["number"] == "PP2"
    assert client.put(url(world), json={"action": "previous"}, headers=headers
                      ).json["clause"]["number"] == "PP1"
    response = client.put(url(world), json={"action": "previous"}, headers=headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "no_previous_clause"
    cleared = client.put(url(world), json={"action": "clear"}, headers=headers)
    assert cleared.status_code == 200 and cleared.json["clause"] is None
    assert screen_events() == ["screen.shown"] * 3 + ["screen.cleared"]


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_may_put(client, world, api_token, username):
    response = client.put(url(world), json={"clause_id": world.clauses[0].id},
                          headers=api_token(username))
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert screen_events() == []


def test_without_a_token(client, world):
    assert client.get(url(world)).status_code == 401
    assert client.put(url(world), json={"action": "next"}).status_code == 401


@pytest.mark.parametrize("body, status, code", [
    ({"clause_id": "x"}, 422, "invalid_input"),
    ({"clause_id": 3.5}, 422, "invalid_input"),
    ({"clause_id": 999999}, 422, "unknown_clause"),
    ({"action": 5}, 422, "invalid_input"),
    ({"action": "jump"}, 422, "invalid_input"),
    ({}, 422, "invalid_input"),
    ([1], 422, "invalid_json"),
])
def test_bad_bodies(client, world, api_token, body, status, code):
    response = client.put(url(world), json=body, headers=api_token("secretariat"))
    assert response.status_code == status and response.json["error"]["code"] == code
    assert screen_events() == [] and screen.screen_state(world.document) is None


def test_not_json_and_unknown_document(client, world, api_token):
    headers = api_token("secretariat")
    assert client.put(url(world), data="clause_id=1", headers=headers).status_code == 400
    assert client.get("/api/v1/documents/999/screen", headers=headers).status_code == 404
    assert client.put("/api/v1/documents/999/screen", json={"action": "next"},
                      headers=headers).status_code == 404


def test_a_clause_of_another_document(client, world, api_token):
    other, other_clauses = make_document(world.economies["THA"])
    db.session.commit()
    response = client.put(url(world), json={"clause_id": other_clauses[0].id},
                          headers=api_token("secretariat"))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "clause_not_in_document"
