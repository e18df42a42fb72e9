"""The consensus part of the JSON API: shapes, and refusals that change nothing."""
import pytest
from sqlalchemy import func, select

from drafting.domain.states import ProposalStatus, Stage
from drafting.extensions import db
from drafting.models import (AuditEvent, Clause, ClauseStatusChange, ClauseVersion, Document,
                             Position, Proposal)
from drafting.services import options, positions, proposals

API = "/api/v1"
BASE = "We will reduce emissions by 2030 and promote clean energy."


def state():
    """What a refused request must leave untouched, read column-wise."""
    def rows(*columns):
        return [tuple(r) for r in db.session.execute(select(*columns).order_by(columns[0])).all()]
    snapshot = {
        "positions": rows(Position.id, Position.economy_id, Position.stance, Position.text),
        "clauses": rows(Clause.id, Clause.version, Clause.status, Clause.excepted_economies),
        "versions": rows(ClauseVersion.id, ClauseVersion.removed),
        "proposals": rows(Proposal.id, Proposal.status, Proposal.decision_note),
        "changes": rows(ClauseStatusChange.id),
        "documents": rows(Document.id, Document.kind),
        "events": db.session.execute(select(func.count(AuditEvent.id))).scalar(),
    }
    db.session.rollback()
    return snapshot


@pytest.fixture
def call(client, world, api_token):
    tokens = {}

    def send(method, path, user, body=None, status=200):
        send.token(user)
        kwargs = {"json": body} if body is not None else {}
        response = client.open(API + path, method=method, headers=tokens[user], **kwargs)
        assert response.status_code == status, (response.status_code, response.get_json())
        return response.get_json()

    def token(user):
        if user not in tokens:
            tokens[user] = api_token(user)
        return tokens[user]
    send.token = token
    return send


@pytest.fixture
def refused(call):
    def send(method, path, user, body=None, *, status, code=None):
        call.token(user)  # issuing a token is itself audited: do it before the snapshot
        before = state()
        error = call(method, path, user, body, status=status)["error"]
        assert set(error) >= {"code", "message"} and error["message"]
        if code:
            assert error["code"] == code, error
        assert state() == before
        return error
    return send


def test_put_and_post_position(call, world):
    clause = world.clauses[2]
    body = call("PUT", f"/clauses/{clause.id}/position", "aus",
                {"stance": "reservation", "text": "Prefer 2035."})
    assert set(body) == {"clause_id", "economy", "stance", "text", "updated_at", "on_version",
                         "stale"}
    assert (body["on_version"], body["stale"]) == (clause.version, False)
    assert (body["clause_id"], body["economy"], body["stance"], body["text"]) == \
        (clause.id, "AUS", "reservation", "Prefer 2035.")
    body = call("POST", f"/clauses/{clause.id}/position", "aus",
                {"stance": "support", "economy": "AUS"})
    assert body["stance"] == "support" and body["text"] == ""
    assert db.session.execute(select(func.count(Position.id))).scalar() == 1


def test_a_delegate_can_never_set_another_economys_position(call, refused, world):
    clause = world.clauses[2]
    refused("PUT", f"/clauses/{clause.id}/position", "aus",
            {"stance": "objection", "text": "x", "economy": "NZ"}, status=403, code="forbidden")
    # Other ways of naming an economy are simply not read: the row is the caller's.
    body = call("PUT", f"/clauses/{clause.id}/position", "aus",
                {"stance": "support", "economy_id": world.economies["NZ"].id,
                 "economy_code": "NZ"})
    assert body["economy"] == "AUS"
    assert [p.economy.code for p in db.session.execute(select(Position)).scalars()] == ["AUS"]


@pytest.mark.parametrize("body, code", [
    ({"stance": "objection"}, "invalid_input"),
    ({"stance": "reservation", "text": "   "}, "invalid_input"),
    ({"stance": "maybe"}, "invalid_input"),
    ({}, "invalid_input"),
    ({"stance": "support", "text": 5}, "invalid_input"),
])
def test_position_input_errors(refused, world, body, code):
    refused("PUT", f"/clauses/{world.clauses[0].id}/position", "nz", body, status=422, code=code)


@pytest.mark.parametrize("user", ["secretariat", "observer", "admin"])
def test_position_refused_for_non_delegates(refused, world, user):
    refused("PUT", f"/clauses/{world.clauses[0].id}/position", user, {"stance": "support"},
            status=403)


def test_position_refused_when_frozen(refused, world):
    world.document.stage = Stage.ENDORSED_LEADERS
    db.session.commit()
    refused("PUT", f"/clauses/{world.clauses[0].id}/position", "nz", {"stance": "support"},
            status=409, code="document_frozen")


def test_clear_position(call, refused, world):
    path = f"/clauses/{world.clauses[0].id}/position"
    call("PUT", path, "jpn", {"stance": "support"})
    assert call("DELETE", path, "jpn")["stance"] is None
    refused("DELETE", path, "jpn", status=409, code="no_position")


def test_positions_and_consensus_of_a_clause(call, world, delegates):
    clause = world.clauses[1]
    for user in delegates.values():
        positions.set_position(user, clause, "support")
    db.session.commit()
    body = call("GET", f"/clauses/{clause.id}/positions", "observer")
    assert body["consensus"] is True and body["number"] == "PP2"
    assert body["counts"] == {"support": 4, "can_accept": 0, "reservation": 0, "objection": 0,
                              "none": 0}
    assert [p["economy"] for p in body["positions"]] == ["AUS", "NZ", "JPN", "THA"]
    call("PUT", f"/clauses/{clause.id}/position", "nz", {"stance": "objection", "text": "No"})
    body = call("GET", f"/clauses/{clause.id}/positions", "observer")
    assert body["consensus"] is False and body["blocking"] == ["NZ"]


def test_document_consensus_matrix(call, world, delegates):
    positions.set_position(delegates["AUS"], world.clauses[0], "support")
    positions.set_position(delegates["JPN"], world.clauses[0], "reservation", "Checking")
    for user in delegates.values():
        positions.set_position(user, world.clauses[3], "can_accept")
    db.session.commit()
    body = call("GET", f"/documents/{world.document.id}/consensus", "aus")
    assert body["economies"] == ["AUS", "NZ", "JPN", "THA"]
    assert [c["number"] for c in body["clauses"]] == ["PP1", "PP2", "OP1", "OP2"]
    first = body["clauses"][0]
    assert set(first) >= {"id", "number", "consensus", "counts", "positions"}
    assert first["positions"] == {"AUS": "support", "NZ": None, "JPN": "reservation",
                                  "THA": None}
    assert [c["consensus"] for c in body["clauses"]] == [False, False, False, True]
    filtered = call("GET", f"/documents/{world.document.id}/consensus?filter=without_consensus",
                    "aus")
    assert [c["number"] for c in filtered["clauses"]] == ["PP1", "PP2", "OP1"]
    call("GET", f"/documents/{world.document.id}/consensus?filter=x", "aus", status=422)


def test_clause_status(call, refused, world):
    clause = world.clauses[2]
    call("PUT", f"/clauses/{clause.id}/position", "nz", {"stance": "objection", "text": "No"})
    path = f"/clauses/{clause.id}/status"
    refused("POST", path, "secretariat", {"status": "agreed", "reason": "Gavel"}, status=409,
            code="no_consensus")
    refused("POST", path, "secretariat", {"status": "agreed"}, status=422)
    refused("POST", path, "secretariat", {"status": "agreed", "reason": "x",
                                          "excepted": ["NZ", "ZZZ"]}, status=422)
    refused("POST", path, "secretariat", {"status": "agreed", "reason": "x", "excepted": "NZ"},
            status=422)
    refused("POST", path, "secretariat", {"status": "done", "reason": "x"}, status=422)
    refused("POST", path, "nz", {"status": "bracketed", "reason": "x"}, status=403)
    body = call("POST", path, "secretariat",
                {"status": "agreed", "reason": "Gavel", "excepted": ["nz"]})
    assert body["status"] == "agreed" and body["excepted"] == ["NZ"]
    assert body["from_status"] == "open" and body["reason"] == "Gavel"
    body = call("POST", path, "secretariat",
                {"status": "agreed_ad_ref", "reason": "Ad ref", "override_reason": "In the room"})
    assert body["status"] == "agreed_ad_ref" and body["excepted"] == []
    assert body["override_reason"] == "In the room"


def test_keep_and_choose_options(call, refused, world):
    clause = world.clauses[2]
    a = proposals.submit_proposal(world.user("aus"), world.document, "amend", clause=clause,
                                  text=BASE.replace("reduce", "halve"))
    n = proposals.submit_proposal(world.user("nz"), world.document, "amend", clause=clause,
                                  text=BASE.replace("clean", "renewable"))
    db.session.commit()
    refused("POST", f"/proposals/{a.id}/keep-as-option", "aus", {}, status=403)
    body = call("POST", f"/proposals/{a.id}/keep-as-option", "secretariat", {"note": "Keep"})
    assert body["status"] == "option"
    assert [o["number"] for o in body["options"]] == [1, 2]
    call("POST", f"/proposals/{n.id}/keep-as-option", "secretariat")
    refused("POST", f"/proposals/{n.id}/keep-as-option", "secretariat", {}, status=409,
            code="proposal_closed")
    listed = call("GET", f"/clauses/{clause.id}/options", "jpn")
    assert [o["sponsors"] for o in listed["options"]] == [[], ["AUS"], ["NZ"]]
    assert listed["text"].startswith("Option 1 (current text):")
    path = f"/clauses/{clause.id}/choose-option"
    refused("POST", path, "secretariat", {"proposal_id": a.id, "expected_version": 7},
            status=409, code="stale_version")
    refused("POST", path, "secretariat", {"expected_version": 1}, status=422)
    refused("POST", path, "secretariat", {"proposal_id": 999999, "expected_version": 1},
            status=404)
    refused("POST", path, "aus", {"proposal_id": a.id, "expected_version": 1}, status=403)
    body = call("POST", path, "secretariat",
                {"proposal_id": a.id, "expected_version": 1, "note": "Agreed in the room"})
    assert body["version"] == 2 and body["text"] == BASE.replace("reduce", "halve")
    assert body["chosen"] == {"number": 2, "proposal_id": a.id, "sponsors": ["AUS"]}
    assert body["rejected_proposal_ids"] == [n.id]
    db.session.expire_all()
    assert db.session.get(Proposal, n.id).status is ProposalStatus.REJECTED


def test_choose_current_text_with_null(call, world):
    p = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                  clause=world.clauses[0], text="Recognising the risks;")
    options.keep_as_option(world.user("secretariat"), p)
    db.session.commit()
    body = call("POST", f"/clauses/{world.clauses[0].id}/choose-option", "secretariat",
                {"proposal_id": None, "expected_version": 1})
    assert body["chosen"]["number"] == 1 and body["version"] == 1
    assert body["rejected_proposal_ids"] == [p.id]


def test_chair_statement(call, refused, world, all_agree):
    all_agree(world.clauses[0])
    db.session.commit()
    path = f"/documents/{world.document.id}/chair-statement"
    refused("POST", path, "aus", {}, status=403)
    refused("POST", path, "secretariat", {"clause_ids": [world.clauses[0].id]}, status=422,
            code="has_consensus")
    refused("POST", path, "secretariat", {"clause_ids": "all"}, status=422)
    # The selection is explicit: none, or an empty one, moves nothing (it once moved them all).
    refused("POST", path, "secretariat", {"note": "The rest"}, status=422, code="no_selection")
    refused("POST", path, "secretariat", {"clause_ids": [], "note": "x"}, status=422,
            code="no_selection")
    refused("POST", path, "secretariat", {"clause_ids": None}, status=422, code="no_selection")
    body = call("POST", path, "secretariat",
                {"clause_ids": [world.clauses[1].id], "note": "PP2"}, status=201)
    assert body["title"] == "Chair's Statement — Test Statement" and body["created"] is True
    assert body["kind"] == "chair_statement" and body["parent_document_id"] == world.document.id
    assert body["moved"] == [{"from_clause_id": world.clauses[1].id, "from_number": "PP2",
                              "clause_id": body["moved"][0]["clause_id"], "number": "PP1"}]
    again = call("POST", path, "secretariat",
                 {"clause_ids": [world.clauses[3].id, world.clauses[2].id], "note": "The rest"},
                 status=201)
    assert again["id"] == body["id"] and again["created"] is False
    assert [m["from_number"] for m in again["moved"]] == ["OP1", "OP2"]
    shown = call("GET", f"/documents/{body['id']}", "observer")
    assert [c["number"] for c in shown["clauses"]] == ["PP1", "OP1", "OP2"]
