"""GET /documents/<id>/since-last-visit and POST /documents/<id>/visit."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from drafting.extensions import db
from drafting.models import DocumentVisit
from drafting.models.types import utcnow
from drafting.services import decisions, proposals

API = "/api/v1"
OP1 = "We will reduce emissions by 2030 and promote clean energy."


def visits_count() -> int:
    return db.session.execute(select(func.count()).select_from(DocumentVisit)).scalar()


def test_a_first_visit_answers_with_no_point_and_nothing_listed(client, world, api_token):
    headers = api_token("aus")
    body = client.get(f"{API}/documents/{world.document.id}/since-last-visit",
                      headers=headers).get_json()
    assert body == {"document_id": world.document.id, "since": None, "first_visit": True,
                    "clauses": [], "proposals": [], "comments": [], "decisions": [],
                    "decisions_on_yours": []}
    assert visits_count() == 0  # a GET never writes


def test_visit_moves_the_point_and_the_report_counts_from_it(client, world, api_token,
                                                            visited):
    visited("aus")
    headers = api_token("aus")
    url = f"{API}/documents/{world.document.id}"
    mine = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                     clause=world.clauses[2], text=OP1.replace("2030", "2035"),
                                     rationale="Sooner.")
    theirs = proposals.submit_proposal(world.user("nz"), world.document, "amend",
                                       clause=world.clauses[3], text="Cooperate, please.",
                                       rationale="Shorter.")
    decisions.decide_proposal(world.user("secretariat"), mine, "accept", expected_version=1)
    db.session.commit()

    body = client.get(f"{url}/since-last-visit", headers=headers).get_json()
    assert body["first_visit"] is False and datetime.fromisoformat(body["since"])
    assert body["clauses"] == [{"id": world.clauses[2].id, "number": "OP1",
                                "change": "amended", "version": 2}]
    assert body["proposals"] == [theirs.id]
    assert body["decisions"] == body["decisions_on_yours"] == [mine.id]

    moved = client.post(f"{url}/visit", headers=headers)
    assert moved.status_code == 200
    point = datetime.fromisoformat(moved.get_json()["since"])
    assert abs(point - utcnow()) < timedelta(minutes=1)
    after = client.get(f"{url}/since-last-visit", headers=headers).get_json()
    assert datetime.fromisoformat(after["since"]) == point
    assert (after["clauses"], after["proposals"], after["decisions"]) == ([], [], [])


def test_visit_until_an_earlier_moment_and_never_backwards(client, world, api_token):
    headers = api_token("nz")
    url = f"{API}/documents/{world.document.id}/visit"
    earlier = (utcnow() - timedelta(hours=2)).replace(microsecond=0)
    body = client.post(url, headers=headers, json={"until": earlier.isoformat()}).get_json()
    assert datetime.fromisoformat(body["since"]) == earlier
    body = client.post(url, headers=headers,
                       json={"until": (earlier - timedelta(days=1)).isoformat()}).get_json()
    assert datetime.fromisoformat(body["since"]) == earlier  # never backwards


def test_a_bad_until_is_refused_and_changes_nothing(client, world, api_token):
    headers = api_token("nz")
    url = f"{API}/documents/{world.document.id}/visit"
    for bad in ("2026-12-07T17:05:00", "soon", 17, ["2026-12-07T17:05:00Z"]):
        response = client.post(url, headers=headers, json={"until": bad})
        assert response.status_code == 422, bad
        assert response.get_json()["error"]["details"] == {"field": "until"}
    assert visits_count() == 0


def test_unknown_documents_and_anonymous_callers(client, world, api_token):
    headers = api_token("observer")
    assert client.get(f"{API}/documents/9999/since-last-visit",
                      headers=headers).status_code == 404
    assert client.post(f"{API}/documents/9999/visit", headers=headers).status_code == 404
    assert client.get(f"{API}/documents/{world.document.id}/since-last-visit").status_code == 401
    assert client.post(f"{API}/documents/{world.document.id}/visit").status_code == 401
    assert visits_count() == 0
