"""A write that committed is answered as a success even when the database goes away while
its answer is being built (issue: retries must never repeat or lose a write)."""
from __future__ import annotations

from sqlalchemy.exc import OperationalError

from drafting.web import api as api_views
from drafting.web import proposals as proposal_views
from tests.factories import login
from tests.web.test_web_support import committed_count

TEXT = "We will halve emissions by 2030 and promote clean energy."


def connection_lost(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_the_api_answers_a_committed_write_with_success(client, world, api_token, monkeypatch):
    # The answer's body is read before the commit (no reload after it); what still comes
    # after the commit — sending that body — fails as if the database had gone.
    monkeypatch.setattr(api_views, "jsonify", connection_lost)
    response = client.post(f"/api/v1/clauses/{world.clauses[2].id}/proposals",
                           headers=api_token("aus"), json={"action": "amend", "text": TEXT})
    assert response.status_code == 200
    assert response.json["committed"] is True and response.json["degraded"] is True
    assert committed_count("proposals") == 1


def test_a_page_form_answers_a_committed_write_with_its_way_back(client, world, monkeypatch):
    login(client, "aus")
    monkeypatch.setattr(proposal_views, "redirect", connection_lost)
    page = f"/documents/{world.document.id}/propose?action=amend&clause_id={world.clauses[2].id}"
    response = client.post(f"/documents/{world.document.id}/proposals", data={
        "intent": "submit", "action": "amend", "clause_id": world.clauses[2].id, "text": TEXT},
        headers={"Referer": f"http://localhost{page}"})
    assert (response.status_code, response.headers["Location"]) == (303, page)
    assert committed_count("proposals") == 1
    monkeypatch.undo()
    assert "Saved. The database went away" in client.get(page).get_data(as_text=True)


def test_before_the_commit_an_outage_is_still_a_503(client, world, api_token, monkeypatch):
    monkeypatch.setattr(api_views.proposal_service, "submit_proposal", connection_lost)
    response = client.post(f"/api/v1/clauses/{world.clauses[2].id}/proposals",
                           headers=api_token("aus"), json={"action": "amend", "text": TEXT})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"]
    assert committed_count("proposals") == 0
