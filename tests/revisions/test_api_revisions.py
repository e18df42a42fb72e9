"""API: revisions, compare, negotiating text, secretariat edits."""
from drafting.extensions import db
from drafting.services import proposals as proposal_service

from tests.revisions.helpers import BASE, accept, amend, insert_after

HALVED = BASE.replace("reduce", "halve")


def post_revision(client, headers, document_id, body):
    return client.post(f"/api/v1/documents/{document_id}/revisions", json=body, headers=headers)


def test_issue_list_and_read_revisions(client, world, api_token):
    secretariat = api_token("secretariat")
    doc = world.document.id
    assert client.get(f"/api/v1/documents/{doc}/revisions",
                      headers=secretariat).get_json() == {"revisions": []}
    response = post_revision(client, secretariat, doc, {"note": "After SOM2"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["number"], body["label"], body["note"], body["renumbered"]) == \
        (1, "Rev.1", "After SOM2", True)
    assert body["created_at"] and body["bracket_count"] == 0 and body["clauses"] == 4
    accept(world, amend(world, "aus", HALVED))
    db.session.commit()
    second = post_revision(client, secretariat, doc, {"note": "", "renumber": False}).get_json()
    assert second["number"] == 2 and second["renumbered"] is False
    listing = client.get(f"/api/v1/documents/{doc}/revisions", headers=api_token("aus")).get_json()
    assert [r["label"] for r in listing["revisions"]] == ["Rev.1", "Rev.2"]
    assert set(listing["revisions"][0]) >= {"number", "label", "note", "created_at",
                                            "bracket_count", "option_count", "renumbered"}
    rev1 = client.get(f"/api/v1/documents/{doc}/revisions/1", headers=api_token("nz")).get_json()
    assert rev1["label"] == "Rev.1" and len(rev1["clauses"]) == 4
    op1 = rev1["clauses"][2]
    assert op1 == {"id": world.clauses[2].id, "number": "OP1", "text": BASE, "version": 1,
                   "section_id": world.clauses[2].section_id}


def test_revision_errors(client, world, api_token):
    doc = world.document.id
    aus = api_token("aus")
    response = post_revision(client, aus, doc, {"note": "mine"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    secretariat = api_token("secretariat")
    response = post_revision(client, secretariat, doc, {"renumber": "yes"})
    assert response.status_code == 422
    response = post_revision(client, secretariat, doc, {"note": 5})
    assert response.status_code == 422
    for number in (1, 2**40):
        response = client.get(f"/api/v1/documents/{doc}/revisions/{number}", headers=aus)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/documents/999/revisions", headers=aus).status_code == 404


def test_compare_endpoint(client, world, api_token):
    doc = world.document.id
    aus = api_token("aus")
    assert client.get(f"/api/v1/documents/{doc}/compare", headers=aus).status_code == 422
    post_revision(client, api_token("secretariat"), doc, {"note": "Rev 1"})
    p = amend(world, "aus", HALVED)
    proposal_service.cosponsor_proposal(world.user("nz"), p)
    accept(world, p)
    new = insert_after(world, "jpn", "We will cooperate on hydrogen.")
    accept(world, new)
    db.session.commit()
    body = client.get(f"/api/v1/documents/{doc}/compare?from=1&to=current",
                      headers=aus).get_json()
    assert (body["from"], body["to"], body["from_label"], body["to_label"]) == \
        (1, "current", "Rev.1", "Current text")
    summary = body["summary"]
    assert (summary["changed"], summary["added"], summary["deleted"]) == (1, 1, 0)
    assert summary["proposals_accepted"] == 2
    assert summary["by_economy"] == {"AUS": 1, "JPN": 1, "NZ": 1}
    clauses = {c["clause_id"]: c for c in body["clauses"]}
    changed = clauses[world.clauses[2].id]
    assert changed["change"] == "changed" and changed["number"] == "OP1"
    assert [(s["op"], s["text"], s["authors"], s["proposal_id"]) for s in changed["segments"]
            if s["op"] != "equal"] == [("delete", "reduce", ["AUS", "NZ"], p.id),
                                       ("insert", "halve", ["AUS", "NZ"], p.id)]
    added = clauses[new.clause_id]
    assert added["change"] == "added" and added["number"] == "OP1bis"
    assert added["segments"] == [{"op": "insert", "text": "We will cooperate on hydrogen.",
                                  "authors": ["JPN"], "proposal_id": new.id}]
    assert clauses[world.clauses[0].id]["change"] == "unchanged"
    assert client.get(f"/api/v1/documents/{doc}/compare", headers=aus).get_json()["from"] == 1
    for query, status in (("from=abc", 422), ("from=1&to=0", 422), ("from=1&to=1", 422),
                          ("from=5", 404), ("from=1&to=9", 404)):
        response = client.get(f"/api/v1/documents/{doc}/compare?{query}", headers=aus)
        assert response.status_code == status, query
        assert "error" in response.get_json()


def test_negotiating_text_endpoint(client, world, api_token):
    doc = world.document.id
    amend(world, "aus", HALVED)
    db.session.commit()
    body = client.get(f"/api/v1/documents/{doc}/negotiating-text",
                      headers=api_token("observer")).get_json()
    assert body["label"] == "Current text" and body["revision"] is None
    assert body["totals"]["brackets"] == 3 and body["totals"]["bracketed_clauses"] == 1
    op1 = next(c for c in body["clauses"] if c["clause_id"] == world.clauses[2].id)
    assert op1["bracketed"] and op1["bracket_count"] == 3 and op1["option_count"] == 0
    assert op1["text"].startswith("[We will [reduce] [AUS: halve] emissions")
    assert body["progression"] == [{"number": None, "label": "Current text", "brackets": 3,
                                    "options": 0}]
    post_revision(client, api_token("secretariat"), doc, {"note": ""})
    body = client.get(f"/api/v1/documents/{doc}/negotiating-text?rev=1",
                      headers=api_token("observer")).get_json()
    assert body["revision"] == 1 and body["totals"]["brackets"] == 3
    assert client.get(f"/api/v1/documents/{doc}/negotiating-text?rev=x",
                      headers=api_token("observer")).status_code == 422
    assert client.get(f"/api/v1/documents/{doc}/negotiating-text?rev=3",
                      headers=api_token("observer")).status_code == 404


def test_secretariat_edit_endpoint(client, world, api_token):
    clause = world.clauses[2]
    open_one = amend(world, "nz", BASE.replace("clean energy", "renewable energy"))
    db.session.commit()
    url = f"/api/v1/clauses/{clause.id}/text"
    body = {"text": HALVED, "expected_version": 1, "note": "Editorial"}
    assert client.post(url, json=body, headers=api_token("aus")).status_code == 403
    response = client.post(url, json=body, headers=api_token("secretariat"))
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert (data["version"], data["text"], data["attributed_to"]) == (2, HALVED, "Secretariat")
    assert data["open_proposals"] == [{"id": open_one.id, "status": "open", "in_conflict": False,
                                       "base_version": 2}]
    stale = client.post(url, json=body, headers=api_token("secretariat"))
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_version"
    bad = client.post(url, json={"text": 3, "expected_version": 2},
                      headers=api_token("secretariat"))
    assert bad.status_code == 422
    missing = client.post(url, json={"text": "New."}, headers=api_token("secretariat"))
    assert missing.status_code == 422
    assert client.post("/api/v1/clauses/99999/text", json=body,
                       headers=api_token("secretariat")).status_code == 404
