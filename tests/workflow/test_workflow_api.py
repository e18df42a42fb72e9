"""/api/v1: stage, rounds, clause freeze, silence and endorsement."""
from datetime import timedelta, timezone

import pytest

from drafting.domain.states import Stage
from drafting.extensions import db
from drafting.models import Document, SilenceProcedure
from drafting.models.types import utcnow
from drafting.services import rounds, silence
from drafting.mailer import tick

CLAUSE = "We will reduce emissions by 2030 and promote clean energy."


@pytest.fixture
def sec(api_token, world):
    return api_token("secretariat")


@pytest.fixture
def nz(api_token, world):
    return api_token("nz")


def doc_url(world, tail=""):
    return f"/api/v1/documents/{world.document.id}{tail}"


def reload(world) -> Document:
    db.session.expire_all()
    return db.session.get(Document, world.document.id)


def test_get_stage(client, world, sec, nz):
    body = client.get(doc_url(world, "/stage"), headers=sec).get_json()
    assert body["stage"] == "negotiation" and body["fingerprint"] is None
    assert [(t["to"], t["via"]) for t in body["allowed_transitions"]] == [
        ("silence_procedure", "start_silence"), ("agreed_by_senior_officials", "change_stage")]
    assert body["history"] == []
    assert client.get(doc_url(world, "/stage"), headers=nz).get_json()[
        "allowed_transitions"] == []


def test_post_stage(client, world, sec, nz):
    response = client.post(doc_url(world, "/stage"), headers=sec,
                           json={"stage": "agreed_by_senior_officials", "note": "SOM3"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["stage"] == "agreed_by_senior_officials"
    assert body["history"][-1] | {"at": None} == {
        "from": "negotiation", "to": "agreed_by_senior_officials", "note": "SOM3",
        "by": "secretariat", "at": None}
    response = client.post(doc_url(world, "/stage"), headers=sec,
                           json={"stage": "endorsed_by_leaders"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["message"].startswith(
        "Cannot move from Agreed by senior officials to Endorsed by leaders: ")
    assert client.post(doc_url(world, "/stage"), headers=sec,
                       json={"stage": "negotiation"}).status_code == 422  # reason to reopen
    assert client.post(doc_url(world, "/stage"), headers=sec,
                       json={"stage": "nirvana"}).status_code == 422
    assert client.post(doc_url(world, "/stage"), headers=nz,
                       json={"stage": "negotiation", "note": "x"}).status_code == 403
    assert reload(world).stage is Stage.AGREED_SOM


def test_rounds_api(client, world, sec, nz):
    response = client.post(doc_url(world, "/rounds"), headers=sec,
                           json={"deadline": "2099-05-20T18:00", "timezone": "Asia/Tokyo",
                                 "note": "Rev.1 comments"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["deadline"] == "2099-05-20T18:00:00+09:00"
    assert body["deadline_utc"] == "2099-05-20T09:00:00+00:00"
    assert (body["timezone"], body["note"], body["opened_by"]) == \
        ("Asia/Tokyo", "Rev.1 comments", "secretariat")
    listing = client.get(doc_url(world, "/rounds"), headers=nz).get_json()
    assert [r["id"] for r in listing["rounds"]] == [body["id"]]
    assert listing["accepting_proposals_until"] == "2099-05-20T18:00:00+09:00"
    for payload, status in [
        ({"deadline": "2099-05-20T18:00", "timezone": "Asia/Edo"}, 422),
        ({"deadline": "2099-05-20", "timezone": "Asia/Tokyo"}, 422),
        ({"deadline": "2001-05-20T18:00", "timezone": "Asia/Tokyo"}, 422),
        ({"deadline": 20990520, "timezone": "Asia/Tokyo"}, 422),
    ]:
        response = client.post(doc_url(world, "/rounds"), headers=sec, json=payload)
        assert response.status_code == status, payload
        assert response.get_json()["error"]["code"] == "invalid_input"
    assert client.post(doc_url(world, "/rounds"), headers=nz,
                       json={"deadline": "2099-05-20T18:00", "timezone": "UTC"}
                       ).status_code == 403


def test_late_proposal_through_the_api_is_409_and_earlier_ones_stay_visible(client, world, sec,
                                                                           nz, api_token):
    aus = api_token("aus")
    early = client.post(f"/api/v1/clauses/{world.clauses[2].id}/proposals", headers=aus,
                        json={"action": "amend", "text": CLAUSE.replace("reduce", "halve")})
    assert early.status_code == 201
    # Opened yesterday with a deadline one minute ago: the real clock is past it.
    past = utcnow() - timedelta(minutes=1)
    rounds.open_round(world.user("secretariat"), world.document,
                      past.astimezone(timezone(timedelta(hours=7))).replace(tzinfo=None,
                                                                            microsecond=0),
                      "Asia/Bangkok", now=past - timedelta(days=1))
    db.session.commit()
    response = client.post(f"/api/v1/clauses/{world.clauses[2].id}/proposals", headers=nz,
                           json={"action": "amend", "text": CLAUSE.replace("clean", "green")})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "round_closed"
    assert "Asia/Bangkok (UTC+07:00)" in error["message"]
    listed = client.get(doc_url(world, "/proposals"), headers=nz).get_json()["proposals"]
    assert [p["id"] for p in listed] == [early.get_json()["id"]]
    assert listed[0]["status"] == "open"
    document = client.get(doc_url(world), headers=nz).get_json()
    assert document["clauses"][2]["open_proposals"] == 1


def test_freeze_api(client, world, sec, nz):
    url = f"/api/v1/clauses/{world.clauses[0].id}/freeze"
    assert client.post(url, headers=sec, json={"frozen": "yes", "reason": "x"}).status_code == 422
    assert client.post(url, headers=sec, json={"frozen": True}).status_code == 422
    assert client.post(url, headers=nz, json={"frozen": True, "reason": "x"}).status_code == 403
    response = client.post(url, headers=sec, json={"frozen": True, "reason": "Agreed"})
    assert response.status_code == 200
    assert response.get_json() == {"clause_id": world.clauses[0].id, "frozen": True}
    assert client.post(url, headers=sec, json={"frozen": True, "reason": "x"}).status_code == 409
    late = client.post(f"/api/v1/clauses/{world.clauses[0].id}/proposals", headers=nz,
                       json={"action": "delete"})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "clause_frozen"
    assert client.post(url, headers=sec, json={"frozen": False}).get_json()["frozen"] is False


def test_silence_api_start_break(client, world, sec, nz, api_token):
    assert client.get(doc_url(world, "/silence"), headers=nz).get_json()["silence"] is None
    response = client.post(doc_url(world, "/silence"), headers=sec,
                           json={"deadline": "2099-06-10T17:00", "timezone": "Asia/Bangkok",
                                 "note": "Rev.3"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "running" and body["deadline"] == "2099-06-10T17:00:00+07:00"
    assert client.post(doc_url(world, "/silence"), headers=sec,
                       json={"deadline": "2099-06-10T17:00", "timezone": "Asia/Bangkok"}
                       ).status_code == 409
    assert client.post(doc_url(world, "/silence/break"), headers=sec,
                       json={"reason": "x"}).status_code == 403
    missing = client.post(doc_url(world, "/silence/break"), headers=nz, json={"reason": " "})
    assert missing.status_code == 422
    assert missing.get_json()["error"]["details"] == {"field": "reason"}
    response = client.post(doc_url(world, "/silence/break"), headers=nz,
                           json={"reason": "OP2 needs work"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["broken_by"], body["broken_economy"], body["reason"]) == \
        ("broken", "nz", "NZ", "OP2 needs work")
    shown = client.get(doc_url(world, "/silence"), headers=nz).get_json()
    assert shown["stage"] == "negotiation" and shown["silence"]["status"] == "broken"
    assert reload(world).stage is Stage.NEGOTIATION


def test_silence_api_after_the_deadline(client, world, sec, nz):
    start = utcnow() - timedelta(days=2)
    procedure = silence.start_silence(world.user("secretariat"), world.document,
                                      "2030-01-01T10:00", "UTC", now=start)
    procedure.deadline = utcnow() - timedelta(seconds=5)  # as if the days had passed
    db.session.commit()
    response = client.post(doc_url(world, "/silence/break"), headers=nz,
                           json={"reason": "Objection"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "silence_ended" and "silence ended at" in error["message"]
    # Nobody has looked yet in a committed way; GET settles and reports the adoption.
    shown = client.get(doc_url(world, "/silence"), headers=nz).get_json()
    assert shown["silence"]["status"] == "adopted"
    assert shown["stage"] == "agreed_by_senior_officials"
    history = client.get(doc_url(world, "/stage"), headers=nz).get_json()["history"]
    assert history[-1]["by"] == "system" and history[-1]["to"] == "agreed_by_senior_officials"


def test_api_document_get_shows_silence_adopted_without_writing(client, world, nz):
    procedure = silence.start_silence(world.user("secretariat"), world.document,
                                      "2030-01-01T10:00", "UTC",
                                      now=utcnow() - timedelta(days=1))
    procedure.deadline = utcnow() - timedelta(seconds=5)
    db.session.commit()
    assert client.get(doc_url(world), headers=nz).get_json()["stage"] == \
        "agreed_by_senior_officials"
    workflow = client.get(doc_url(world, "/stage"), headers=nz).get_json()
    assert workflow["stage"] == "agreed_by_senior_officials"
    assert workflow["history"][-1]["to"] == "agreed_by_senior_officials"
    db.session.expire_all()
    assert db.session.get(SilenceProcedure, procedure.id).status.value == "running"
    tick()
    db.session.expire_all()
    assert db.session.get(SilenceProcedure, procedure.id).status.value == "adopted"
    assert client.get(doc_url(world, "/stage"), headers=nz).get_json()["history"] == \
        workflow["history"]


def test_silence_cancel_api(client, world, sec):
    client.post(doc_url(world, "/silence"), headers=sec,
                json={"deadline": "2099-06-10T17:00", "timezone": "Asia/Bangkok"})
    response = client.post(doc_url(world, "/silence/cancel"), headers=sec,
                           json={"reason": "Wrong text"})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"


def test_endorse_api(client, world, sec, nz):
    assert client.post(doc_url(world, "/endorse"), headers=sec, json={}).status_code == 409
    world.document.stage = Stage.ENDORSED_MINISTERS
    db.session.commit()
    assert client.post(doc_url(world, "/endorse"), headers=nz, json={}).status_code == 403
    response = client.post(doc_url(world, "/endorse"), headers=sec, json={"note": "AELM"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["stage"] == "endorsed_by_leaders" and len(body["fingerprint"]) == 64
    assert body["fingerprint_algorithm"] == "sha256" and body["frozen_at"]
    stage = client.get(doc_url(world, "/stage"), headers=nz).get_json()
    assert stage["fingerprint"] == body["fingerprint"] and stage["allowed_transitions"] == []
    refused = client.post(f"/api/v1/clauses/{world.clauses[0].id}/comments", headers=nz,
                          json={"body": "Late"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "document_frozen"
