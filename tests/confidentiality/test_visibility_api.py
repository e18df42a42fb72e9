"""Confidentiality through the JSON API, and the API of drafts and circulation."""
from __future__ import annotations

from sqlalchemy import select

from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import Proposal
from tests.confidentiality.conftest import OP1

API = "/api/v1"


def test_lists_and_shows_respect_confidentiality(client, scene, api_token):
    doc = scene.world.document.id
    expectations = {
        "nz": {scene.nz_draft.id, scene.jpn_public.id},
        "aus": {scene.aus_draft.id, scene.aus_open.id, scene.jpn_public.id},
        "secretariat": {scene.aus_open.id, scene.jpn_public.id},
        "observer": {scene.jpn_public.id},
    }
    for username, expected in expectations.items():
        headers = api_token(username)
        listed = client.get(f"{API}/documents/{doc}/proposals", headers=headers).get_json()
        assert {p["id"] for p in listed["proposals"]} == expected, username
        for p in (scene.aus_draft, scene.nz_draft, scene.aus_open, scene.jpn_public):
            response = client.get(f"{API}/proposals/{p.id}", headers=headers)
            assert response.status_code == (200 if p.id in expected else 404), (username, p.id)
            if response.status_code == 404:
                assert response.get_json()["error"] == {
                    "code": "not_found", "message": f"No proposal with id {p.id}."}


def test_document_counts_and_status_filter_hide_drafts(client, scene, api_token):
    doc = scene.world.document.id
    headers = api_token("nz")
    body = client.get(f"{API}/documents/{doc}", headers=headers).get_json()
    op1 = next(c for c in body["clauses"] if c["id"] == scene.op1.id)
    assert op1["open_proposals"] == 1
    drafts = client.get(f"{API}/documents/{doc}/proposals?status=draft", headers=headers)
    assert [p["id"] for p in drafts.get_json()["proposals"]] == [scene.nz_draft.id]


def test_invisible_proposals_cannot_be_acted_on(client, scene, api_token):
    headers = api_token("nz")
    pid = scene.aus_open.id
    for path, body in ((f"/proposals/{pid}/cosponsor", None),
                       (f"/proposals/{pid}/comments", {"body": "hello"}),
                       (f"/proposals/{pid}/withdraw", None)):
        response = client.post(API + path, headers=headers, json=body)
        assert response.status_code == 404, path
    assert scene.aus_open.cosponsors == []


def test_clause_comments_leave_out_invisible_proposal_threads(client, scene, api_token):
    aus = api_token("aus")
    assert client.post(f"{API}/proposals/{scene.aus_open.id}/comments", headers=aus,
                       json={"body": "Internal reasoning"}).status_code == 201
    nz_view = client.get(f"{API}/clauses/{scene.op1.id}/comments", headers=api_token("nz"))
    assert nz_view.get_json()["comments"] == []
    aus_view = client.get(f"{API}/clauses/{scene.op1.id}/comments", headers=aus)
    assert [c["body"] for c in aus_view.get_json()["comments"]] == ["Internal reasoning"]


def test_draft_lifecycle_through_the_api(client, scene, api_token):
    doc = scene.world.document.id
    jpn = api_token("jpn")
    created = client.post(f"{API}/documents/{doc}/drafts", headers=jpn, json={
        "action": "amend", "clause_id": scene.op1.id,
        "text": OP1.replace("2030", "2028"), "rationale": "sooner"})
    assert created.status_code == 201
    draft = created.get_json()
    assert draft["status"] == "draft" and draft["submitted_at"] is None
    assert client.get(f"{API}/proposals/{draft['id']}",
                      headers=api_token("secretariat")).status_code == 404
    updated = client.put(f"{API}/drafts/{draft['id']}", headers=jpn,
                         json={"text": OP1.replace("2030", "2029"), "rationale": "realistic"})
    assert updated.status_code == 200 and "2029" in updated.get_json()["text"]
    listed = client.get(f"{API}/documents/{doc}/drafts", headers=jpn).get_json()
    assert [d["id"] for d in listed["drafts"]] == [draft["id"]]
    # Another economy's draft in the batch: nothing is submitted.
    refused = client.post(f"{API}/documents/{doc}/drafts/submit", headers=jpn,
                          json={"proposal_ids": [draft["id"], scene.aus_draft.id]})
    assert refused.status_code == 404
    assert db.session.get(Proposal, draft["id"]).status is ProposalStatus.DRAFT
    submitted = client.post(f"{API}/documents/{doc}/drafts/submit", headers=jpn,
                            json={"proposal_ids": [draft["id"]]})
    assert submitted.status_code == 200
    body = submitted.get_json()["proposals"][0]
    assert body["status"] == "open" and body["submitted_at"] and body["circulated_at"] is None


def test_delete_draft_through_the_api(client, scene, api_token):
    assert client.delete(f"{API}/drafts/{scene.aus_draft.id}",
                         headers=api_token("nz")).status_code == 404
    response = client.delete(f"{API}/drafts/{scene.aus_draft.id}", headers=api_token("aus2"))
    assert response.get_json() == {"deleted": scene.aus_draft.id}
    db.session.expire_all()
    assert db.session.execute(select(Proposal.id).where(
        Proposal.id == scene.aus_draft.id)).scalar() is None


def test_circulation_through_the_api(client, scene, api_token):
    doc = scene.world.document.id
    assert client.post(f"{API}/documents/{doc}/circulate", headers=api_token("aus"),
                       json={}).status_code == 403
    nz = api_token("nz")
    assert client.get(f"{API}/proposals/{scene.aus_open.id}", headers=nz).status_code == 404
    secretariat = api_token("secretariat")
    response = client.post(f"{API}/documents/{doc}/circulate", headers=secretariat,
                           json={"proposal_ids": [scene.aus_open.id]})
    assert response.get_json() == {"circulated": [scene.aus_open.id]}
    assert client.get(f"{API}/proposals/{scene.aus_open.id}", headers=nz).status_code == 200
    again = client.post(f"{API}/documents/{doc}/circulate", headers=secretariat)
    assert again.status_code == 409
    mode = client.put(f"{API}/documents/{doc}/circulation", headers=secretariat,
                      json={"circulate_immediately": "yes"})
    assert mode.status_code == 422
    mode = client.put(f"{API}/documents/{doc}/circulation", headers=secretariat,
                      json={"circulate_immediately": True})
    assert mode.get_json()["changed"] is True


def test_updating_a_draft_keeps_what_is_left_out(client, scene, api_token):
    response = client.put(f"{API}/drafts/{scene.aus_draft.id}", headers=api_token("aus"),
                          json={"rationale": "clearer"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["rationale"] == "clearer" and "CONFIDENTIAL-AUS-DRAFT" in body["text"]
    refused = client.put(f"{API}/drafts/{scene.aus_draft.id}", headers=api_token("aus"),
                         json={"text": 5})
    assert refused.status_code == 422
