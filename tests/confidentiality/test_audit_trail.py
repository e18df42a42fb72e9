"""The audit page and its API: permissions, filters, pagination, chain verification."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from drafting.extensions import db
from drafting.models import AuditEvent
from drafting.services import comments, proposals
from drafting.services.audit import record_event
from tests.factories import login

API = "/api/v1"


@pytest.fixture
def trail(world):
    """Events by three economies on two clauses."""
    aus = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                    clause=world.clauses[0], rationale="redundant")
    nz = proposals.submit_proposal(world.user("nz"), world.document, "delete",
                                   clause=world.clauses[1])
    comments.add_comment(world.user("jpn"), clause=world.clauses[0], body="JPN view on PP1")
    db.session.commit()
    return world, aus, nz


@pytest.mark.parametrize("username, status", [
    ("aus", 403), ("nz", 403), ("secretariat", 200), ("observer", 200), ("admin", 200)])
def test_who_may_read_the_audit_trail(client, trail, username, status):
    world = trail[0]
    login(client, username)
    assert client.get("/audit").status_code == status
    assert client.get(f"/documents/{world.document.id}/audit").status_code == status
    nav = client.get(f"/documents/{world.document.id}").get_data(as_text=True)
    assert ('href="/audit"' in nav) == (status == 200)


def test_audit_page_lists_events_and_filters_them(client, trail):
    world, aus, nz = trail
    login(client, "observer")
    url = f"/documents/{world.document.id}/audit"
    html = client.get(url).get_data(as_text=True)
    assert "Chain intact" in html
    assert f'<label for="f-economy">' in html and '<label for="f-kind">' in html
    assert '<label for="f-clause">' in html
    assert html.count("<code>proposal.submitted</code>") == 2
    assert "comment.posted" in html and "PP1" in html
    only_nz = client.get(url, query_string={"economy": "NZ"}).get_data(as_text=True)
    assert f"/proposals/{nz.id}\">#{nz.number}</a>" in only_nz
    assert f"/proposals/{aus.id}\"" not in only_nz
    by_kind = client.get(url, query_string={"kind": "comment.posted"}).get_data(as_text=True)
    assert "<code>comment.posted</code>" in by_kind and "<code>proposal.submitted</code>" \
        not in by_kind
    by_clause = client.get(url, query_string={"clause_id": world.clauses[1].id}
                           ).get_data(as_text=True)
    assert f"/proposals/{nz.id}\">#{nz.number}</a>" in by_clause
    assert "comment.posted</code>" not in by_clause
    assert client.get(url, query_string={"clause_id": "abc"}).status_code == 422
    assert client.get(url, query_string={"economy": "XXX"}).status_code == 422


def test_audit_page_paginates_newest_first(client, world):
    for n in range(55):
        record_event("test.ping", world.user("secretariat"), document_id=world.document.id, n=n)
    db.session.commit()
    login(client, "secretariat")
    url = f"/documents/{world.document.id}/audit"
    first = client.get(url, query_string={"kind": "test.ping"}).get_data(as_text=True)
    assert "page 1 of 2" in first and "n: 54" in first and "n: 4<" not in first
    assert "Older events" in first and "kind=test.ping" in first
    second = client.get(url, query_string={"kind": "test.ping", "page": 2}).get_data(as_text=True)
    assert "n: 4<" in second and "n: 54" not in second


def test_audit_page_reports_a_broken_chain(client, trail):
    world, aus, _ = trail
    target = db.session.execute(select(AuditEvent.id).where(
        AuditEvent.proposal_id == aus.id)).scalar_one()
    db.session.execute(text("UPDATE audit_events SET actor_username = 'someone' WHERE id = :id"),
                       {"id": target})
    db.session.commit()
    login(client, "admin")
    html = client.get("/audit").get_data(as_text=True)
    assert f"Chain broken at event #{target}" in html and "altered" in html


def test_audit_api(client, trail, api_token):
    world, aus, nz = trail
    headers = api_token("secretariat")
    body = client.get(f"{API}/audit", headers=headers,
                      query_string={"document_id": world.document.id, "economy": "aus"}).get_json()
    assert body["page"] == 1 and body["total"] == 1
    event = body["events"][0]
    assert event["kind"] == "proposal.submitted" and event["proposal_id"] == aus.id
    assert event["economy"] == "AUS" and event["actor"] == "aus"
    assert event["clause_number"] == "PP1" and event["data"]["rationale"] == "redundant"
    by_clause = client.get(f"{API}/audit", headers=headers,
                           query_string={"clause_id": world.clauses[1].id}).get_json()
    assert [e["proposal_id"] for e in by_clause["events"]] == [nz.id]
    by_kind = client.get(f"{API}/audit?kind=comment.posted", headers=headers).get_json()
    assert by_kind["total"] == 1
    assert client.get(f"{API}/audit?page=0", headers=headers).status_code == 422
    assert client.get(f"{API}/audit", headers=api_token("aus")).status_code == 403
    verify = client.get(f"{API}/audit/verify", headers=headers).get_json()
    total = db.session.execute(select(AuditEvent.id)).scalars().all()
    assert verify == {"intact": True, "events": len(total), "broken_at": None, "reason": None}


def test_audit_api_verify_reports_the_first_broken_event(client, trail, api_token):
    headers = api_token("secretariat")  # issued before the tampering, itself an event
    observer = api_token("observer")
    ids = list(db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())
    # The tamperer removes the event's live-update row too (it references the event).
    db.session.execute(text("DELETE FROM live_events WHERE audit_event_id = :id"),
                       {"id": ids[-3]})
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[-3]})
    db.session.commit()
    body = client.get(f"{API}/audit/verify", headers=headers).get_json()
    assert body["intact"] is False and body["broken_at"] == ids[-2]
    assert "removed" in body["reason"]
    # An observer learns that the chain is broken, and why, but not the chain's ids or count
    # (they count events hidden from observers: docs/security.md, "Side channels").
    seen = client.get(f"{API}/audit/verify", headers=observer).get_json()
    assert seen == {**body, "events": None, "broken_at": None}
    assert client.get(f"{API}/audit/verify", headers=api_token("nz")).status_code == 403


def test_drafts_leave_no_readable_trace_on_the_audit_page(client, world):
    from drafting.services import drafts
    draft = drafts.save_draft(world.user("aus"), world.document, "delete",
                              clause=world.clauses[0], rationale="SECRET-RATIONALE")
    drafts.delete_draft(world.user("aus"), draft)
    db.session.commit()
    login(client, "secretariat")
    html = client.get("/audit").get_data(as_text=True)
    assert "draft_saved" not in html and "draft_deleted" not in html
    assert "SECRET-RATIONALE" not in html and "Chain intact" in html
