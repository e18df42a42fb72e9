"""Contract tests of the JSON API under /api/v1.

Every refused request is checked twice: for its status and error envelope, and for leaving the
database exactly as it was (proposals, comments, clauses, versions, updates, co-sponsorships,
audit events). Each test builds what it needs through the API itself.
"""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from drafting.domain.errors import NotFound
from drafting.domain.states import Stage
from drafting.extensions import db
from drafting.models import (ApiToken, AuditEvent, Clause, ClauseVersion, Comment, Cosponsorship,
                             Document, Proposal, ProposalUpdate, User)
from drafting.services import accounts
from drafting.services.loading import get_proposal
from tests.factories import CLAUSE_TEXTS, make_document

API = "/api/v1"
BASE3 = "We will reduce emissions by 2030 and promote clean energy."  # clause index 2 (OP1)
BY_2035 = "We will reduce emissions by 2035 and promote clean energy."
RENEWABLE = "We will reduce emissions by 2030 and promote renewable energy."
BEFORE_2030 = "We will reduce emissions before 2030 and promote clean energy."
MEGABYTE = "x" * 1_000_000
JSON = "application/json"


# --- helpers ---------------------------------------------------------------------------------

def snapshot() -> dict:
    """Everything a refused request must leave untouched, read column-wise (never stale)."""
    def rows(*columns, order):
        return [tuple(r) for r in db.session.execute(select(*columns).order_by(*order)).all()]

    state = {
        "proposals": rows(Proposal.id, Proposal.status, Proposal.text, Proposal.rationale,
                          Proposal.in_conflict, Proposal.base_version_id, Proposal.clause_id,
                          Proposal.decided_at, Proposal.decided_text, Proposal.decision_note,
                          Proposal.result_version_id, order=[Proposal.id]),
        "comments": rows(Comment.id, Comment.body, Comment.parent_id, Comment.clause_id,
                         Comment.proposal_id, Comment.resolved_at, order=[Comment.id]),
        "clauses": rows(Clause.id, Clause.version, Clause.position, Clause.status,
                        order=[Clause.id]),
        "versions": rows(ClauseVersion.id, ClauseVersion.clause_id, ClauseVersion.number,
                         ClauseVersion.text, ClauseVersion.removed, order=[ClauseVersion.id]),
        "updates": rows(ProposalUpdate.id, ProposalUpdate.kind, order=[ProposalUpdate.id]),
        "cosponsors": rows(Cosponsorship.proposal_id, Cosponsorship.economy_id,
                           order=[Cosponsorship.proposal_id, Cosponsorship.economy_id]),
        "audit_events": db.session.execute(select(func.count(AuditEvent.id))).scalar(),
    }
    db.session.rollback()  # end the read transaction: the request gets a fresh one
    return state


def counts() -> tuple[int, int, int]:
    """(proposals, comments, clause versions)."""
    return tuple(db.session.execute(select(func.count(m.id))).scalar()
                 for m in (Proposal, Comment, ClauseVersion))


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(True)[:500])
    assert response.mimetype == JSON
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"].strip()
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def refused(client, method: str, url: str, *, status: int, code: str | None = None,
            headers=None, **kwargs) -> dict:
    """Send a request that must be refused and must change nothing."""
    before, before_counts = snapshot(), counts()
    response = client.open(API + url, method=method, headers=headers or {}, **kwargs)
    error = assert_error(response, status, code)
    assert counts() == before_counts
    assert snapshot() == before
    return error


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(True)[:500])
    return response.get_json()


@pytest.fixture
def auth(world, api_token):
    """auth(username) → bearer headers for that user (one token per user per test)."""
    cache: dict[str, dict] = {}

    def headers(username: str) -> dict:
        if username not in cache:
            cache[username] = api_token(username)
        return cache[username]
    return headers


@pytest.fixture
def ids(world) -> dict:
    return {"doc": world.document.id, "clauses": [c.id for c in world.clauses]}


@pytest.fixture
def api(client, auth, ids):
    """Small verbs over the API that assert success."""
    class Api:
        def get(self, path, user="aus"):
            return ok(client.get(API + path, headers=auth(user)))

        def post(self, path, body=None, user="aus", status=200):
            return ok(client.post(API + path, json=body if body is not None else {},
                                  headers=auth(user)), status)

        def amend(self, clause_index, text, user="aus", rationale=""):
            return self.post(f"/clauses/{ids['clauses'][clause_index]}/proposals",
                             {"action": "amend", "text": text, "rationale": rationale},
                             user=user, status=201)

        def delete(self, clause_index, user="aus"):
            return self.post(f"/clauses/{ids['clauses'][clause_index]}/proposals",
                             {"action": "delete", "rationale": "Redundant."}, user=user,
                             status=201)

        def insert(self, after_index, text, user="aus"):
            return self.post(f"/documents/{ids['doc']}/proposals",
                             {"action": "insert", "after_clause_id": ids["clauses"][after_index],
                              "text": text, "rationale": "Needed."}, user=user, status=201)

        def decide(self, proposal_id, decision="accept", expected_version=1, **extra):
            return self.post(f"/proposals/{proposal_id}/decision",
                             {"decision": decision, "expected_version": expected_version,
                              **extra}, user="secretariat")

        def comment(self, clause_index, body="A point.", user="aus", parent_id=None):
            payload = {"body": body}
            if parent_id is not None:
                payload["parent_id"] = parent_id
            return self.post(f"/clauses/{ids['clauses'][clause_index]}/comments", payload,
                             user=user, status=201)

        def clause(self, clause_index):
            return self.get(f"/clauses/{ids['clauses'][clause_index]}")

        def document(self):
            return self.get(f"/documents/{ids['doc']}")
    return Api()


def old_side(diff) -> str:
    return "".join(s["text"] for s in diff if s["op"] in ("equal", "delete"))


def new_side(diff) -> str:
    return "".join(s["text"] for s in diff if s["op"] in ("equal", "insert"))


# Bodies that are not a JSON object, as keyword arguments of client.open, with their status.
NOT_A_JSON_OBJECT = [
    pytest.param({"data": "{bad json", "content_type": JSON}, 400, id="malformed"),
    pytest.param({"data": "", "content_type": JSON}, 400, id="empty-body"),
    pytest.param({"data": b"{\"text\": \"\xff\xfe\"}", "content_type": JSON}, 400,
                 id="invalid-utf8"),
    pytest.param({"data": "action=amend&text=x",
                  "content_type": "application/x-www-form-urlencoded"}, 400, id="form-encoded"),
    pytest.param({"data": '{"action": "amend"}', "content_type": "text/plain"}, 400,
                 id="wrong-content-type"),
    pytest.param({"json": ["amend", "text"]}, 422, id="array"),
    pytest.param({"json": "amend"}, 422, id="string"),
    pytest.param({"json": 42}, 422, id="number"),
    pytest.param({"data": "null", "content_type": JSON}, 422, id="null"),
]


# --- authentication --------------------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/documents"),
    ("GET", "/documents/{doc}"),
    ("GET", "/documents/{doc}/proposals"),
    ("POST", "/documents/{doc}/proposals"),
    ("GET", "/clauses/{clause}"),
    ("GET", "/clauses/{clause}/comments"),
    ("POST", "/clauses/{clause}/proposals"),
    ("POST", "/clauses/{clause}/comments"),
    ("GET", "/proposals/{proposal}"),
    ("POST", "/proposals/{proposal}/decision"),
    ("POST", "/proposals/{proposal}/withdraw"),
    ("POST", "/proposals/{proposal}/cosponsor"),
    ("POST", "/proposals/{proposal}/revise"),
    ("POST", "/proposals/{proposal}/comments"),
    ("POST", "/comments/{comment}/resolve"),
    ("POST", "/comments/{comment}/reopen"),
]
WRITE_ENDPOINTS = [e for e in ENDPOINTS if e[0] == "POST"]
READ_ENDPOINTS = [e for e in ENDPOINTS if e[0] == "GET"]
# A body every write endpoint would accept from the right user.
ANY_BODY = {"action": "amend", "text": "We will reduce emissions by 2050.", "body": "Hello",
            "decision": "accept", "expected_version": 1}


@pytest.fixture
def targets(api, ids) -> dict:
    proposal = api.amend(2, BY_2035)
    comment = api.comment(0)
    return {"doc": ids["doc"], "clause": ids["clauses"][2], "proposal": proposal["id"],
            "comment": comment["id"]}


def _issue_raw_token(username: str) -> str:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one()
    token = accounts.issue_token(None, user)
    db.session.commit()
    return token


def _revoked_token() -> dict:
    token = _issue_raw_token("aus")
    row = db.session.execute(select(ApiToken).where(ApiToken.prefix == token[:10])).scalar_one()
    accounts.revoke_token(None, row.id)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _deactivated_user_token() -> dict:
    token = _issue_raw_token("jpn")
    db.session.execute(select(User).where(User.username == "jpn")).scalar_one().active = False
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


BAD_CREDENTIALS = {
    "no-header": lambda: {},
    "empty-bearer": lambda: {"Authorization": "Bearer "},
    "unknown-token": lambda: {"Authorization": "Bearer dft_not-a-real-token"},
    "overlong-token": lambda: {"Authorization": "Bearer " + "a" * 5000},
    "basic-scheme": lambda: {"Authorization": "Basic " + _issue_raw_token("aus")},
    "no-scheme": lambda: {"Authorization": _issue_raw_token("aus")},
    "revoked": _revoked_token,
    "deactivated-user": _deactivated_user_token,
}


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
def test_every_endpoint_refuses_bad_credentials_with_401(client, targets, credentials):
    headers = credentials()
    before, before_counts = snapshot(), counts()
    for method, path in ENDPOINTS:
        response = client.open(API + path.format(**targets), method=method, headers=headers,
                               json=ANY_BODY if method == "POST" else None)
        assert_error(response, 401, "not_authenticated")
    # Unknown ids too: authentication comes before any lookup.
    assert_error(client.get(API + "/proposals/999999", headers=headers), 401)
    assert counts() == before_counts
    assert snapshot() == before


def test_the_401_check_covers_every_api_route(app):
    """A route added to api.py without being added to ENDPOINTS would escape the 401 test.

    (Other modules also hang routes on the API blueprint; they test their own.)
    """
    routes = {(method, rule.rule.removeprefix(API))
              for rule in app.url_map.iter_rules()
              if app.view_functions[rule.endpoint].__module__ == "drafting.web.api"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    normalised = {(m, p.replace("<int:document_id>", "{doc}").replace("<int:clause_id>", "{clause}")
                   .replace("<int:proposal_id>", "{proposal}")
                   .replace("<int:comment_id>", "{comment}")) for m, p in routes}
    assert normalised == set(ENDPOINTS)


@pytest.mark.parametrize("user", ["observer", "admin"])
def test_observer_and_admin_write_nothing_anywhere(client, auth, targets, user):
    headers = auth(user)
    before, before_counts = snapshot(), counts()
    for method, path in WRITE_ENDPOINTS:
        response = client.open(API + path.format(**targets), method=method, headers=headers,
                               json={**ANY_BODY, "after_clause_id": targets["clause"]})
        assert_error(response, 403, "forbidden")
    assert counts() == before_counts
    assert snapshot() == before


def test_bearer_scheme_is_case_insensitive(client, world):
    token = _issue_raw_token("observer")
    assert ok(client.get(API + "/documents", headers={"Authorization": f"bearer {token}"}))


def test_token_stops_working_once_revoked(client, world):
    token = _issue_raw_token("aus")
    headers = {"Authorization": f"Bearer {token}"}
    assert ok(client.get(API + "/documents", headers=headers))
    row = db.session.execute(select(ApiToken).where(ApiToken.prefix == token[:10])).scalar_one()
    accounts.revoke_token(None, row.id)
    db.session.commit()
    assert_error(client.get(API + "/documents", headers=headers), 401, "not_authenticated")


# --- reading ---------------------------------------------------------------------------------

def test_list_documents(api, ids):
    body = api.get("/documents", user="observer")
    assert body == {"documents": [{"id": ids["doc"], "title": "Test Statement",
                                   "symbol": "2022/TEST/1", "stage": "negotiation"}]}


def test_show_document(api, ids):
    body = api.document()
    assert {"id", "title", "stage", "clauses"} <= set(body)
    assert (body["id"], body["title"], body["stage"]) == (ids["doc"], "Test Statement",
                                                          "negotiation")
    assert [{k: c[k] for k in ("id", "number", "text", "status", "version")}
            for c in body["clauses"]] == [
        {"id": cid, "number": number, "text": text, "status": "open", "version": 1}
        for cid, number, (_, text) in zip(ids["clauses"], ["PP1", "PP2", "OP1", "OP2"],
                                          CLAUSE_TEXTS)
    ]


def test_show_clause_with_versions(api, ids):
    body = api.clause(2)
    assert body["id"] == ids["clauses"][2]
    assert (body["number"], body["text"], body["version"], body["removed"]) == \
        ("OP1", BASE3, 1, False)
    assert [(v["number"], v["text"], v["removed"]) for v in body["versions"]] == \
        [(1, BASE3, False)]


def test_observer_reads_every_read_endpoint(client, auth, targets):
    for _, path in READ_ENDPOINTS:
        assert client.get(API + path.format(**targets), headers=auth("observer")).status_code \
            == 200, path


@pytest.mark.parametrize("path", [
    "/documents/999", "/documents/0", "/documents/999/proposals", "/clauses/999",
    "/clauses/0", "/clauses/999/comments", "/proposals/999", "/proposals/3000000000",
    "/documents/99999999999999999999999", "/clauses/9223372036854775808",
    "/nothing-here", "/proposals/-1",
])
def test_unknown_things_are_404(client, auth, world, path):
    assert_error(client.get(API + path, headers=auth("aus")), 404)


@pytest.mark.parametrize("method, path", [
    pytest.param("POST", "/proposals/999/withdraw", id="withdraw"),
    pytest.param("POST", "/proposals/999/cosponsor", id="cosponsor"),
    pytest.param("POST", "/proposals/3000000000/withdraw", id="withdraw-huge-id"),
    pytest.param("POST", "/comments/999/resolve", id="resolve"),
    pytest.param("POST", "/comments/999/reopen", id="reopen"),
    pytest.param("POST", "/comments/3000000000/reopen", id="reopen-huge-id"),
])
def test_unknown_targets_of_bodyless_writes_are_404(client, auth, world, method, path):
    refused(client, method, path, status=404, code="not_found", headers=auth("aus"))


@pytest.mark.parametrize("path, body, user", [
    ("/clauses/999/proposals", {"action": "amend", "text": "New text."}, "aus"),
    ("/documents/999/proposals", {"action": "insert", "after_clause_id": 1, "text": "New."},
     "aus"),
    ("/proposals/999/decision", {"decision": "accept", "expected_version": 1}, "secretariat"),
    ("/proposals/999/revise", {"text": "New text."}, "aus"),
    ("/proposals/999/comments", {"body": "Hi"}, "aus"),
    ("/clauses/999/comments", {"body": "Hi"}, "aus"),
    ("/clauses/4294967296/comments", {"body": "Hi"}, "aus"),
])
def test_unknown_targets_of_writes_are_404(client, auth, world, path, body, user):
    refused(client, "POST", path, status=404, code="not_found", headers=auth(user), json=body)


def test_wrong_method_is_json_405(client, auth, world):
    assert_error(client.delete(API + "/documents", headers=auth("aus")), 405)


def test_demo_negotiation_reads_consistently(client, demo, api_token):
    headers = api_token("observer")
    documents = ok(client.get(API + "/documents", headers=headers))["documents"]
    assert documents
    for document in documents:
        body = ok(client.get(API + f"/documents/{document['id']}", headers=headers))
        numbers = [c["number"] for c in body["clauses"]]
        assert len(numbers) == len(set(numbers)) and all(numbers)
        proposals = ok(client.get(API + f"/documents/{document['id']}/proposals",
                                  headers=headers))["proposals"]
        for listed in proposals:
            shown = ok(client.get(API + f"/proposals/{listed['id']}", headers=headers))
            assert shown["status"] == listed["status"]
            if shown["action"] == "amend" and not shown["in_conflict"]:
                assert new_side(shown["diff"]) == shown["text"]


# --- proposing -------------------------------------------------------------------------------

def test_amend_is_created_open_for_the_callers_economy(api, ids):
    before = counts()
    body = api.amend(2, BY_2035, rationale="Ambition.")
    assert counts() == (before[0] + 1, before[1], before[2])
    assert body["status"] == "open" and body["economy"] == "AUS"
    assert (body["action"], body["clause_id"], body["document_id"], body["base_version"]) == \
        ("amend", ids["clauses"][2], ids["doc"], 1)
    assert (body["text"], body["rationale"], body["in_conflict"], body["cosponsors"]) == \
        (BY_2035, "Ambition.", False, [])
    assert body["decided_at"] is None and body["updates"] == []
    assert api.get(f"/proposals/{body['id']}", user="observer") == body
    # Nothing changes in the clause until the secretariat decides.
    assert api.clause(2)["version"] == 1


def test_proposal_diff_is_word_level_against_its_base(api):
    body = api.get(f"/proposals/{api.amend(2, BY_2035)['id']}")
    assert all(set(s) == {"op", "text"} and s["op"] in ("equal", "insert", "delete")
               for s in body["diff"])
    assert old_side(body["diff"]) == BASE3 and new_side(body["diff"]) == BY_2035
    assert {"op": "delete", "text": "2030"} in body["diff"]
    assert {"op": "insert", "text": "2035"} in body["diff"]


def test_clause_text_is_normalised_to_one_paragraph(api):
    body = api.amend(2, "  We will reduce emissions\r\nby 2035.\n\n")
    assert body["text"] == "We will reduce emissions by 2035."


def test_delete_proposal(api, ids):
    body = api.delete(0)
    assert (body["action"], body["status"], body["text"], body["clause_id"]) == \
        ("delete", "open", "", ids["clauses"][0])
    diff = api.get(f"/proposals/{body['id']}")["diff"]
    assert old_side(diff) == CLAUSE_TEXTS[0][1] and new_side(diff) == ""


def test_insert_proposal(api, ids):
    body = api.insert(2, "We will phase out coal.")
    assert (body["action"], body["status"], body["economy"]) == ("insert", "open", "AUS")
    assert (body["after_clause_id"], body["clause_id"], body["base_version"]) == \
        (ids["clauses"][2], None, None)
    assert api.get(f"/proposals/{body['id']}")["diff"] == \
        [{"op": "insert", "text": "We will phase out coal."}]


def test_an_insertion_can_open_the_text_or_a_section(client, auth, api, ids, world):
    """section_id alone opens the text (no clause before the first section); a later section
    also needs the clause it follows; the new first clause lands before PP1 when accepted."""
    preamble, goal = world.clauses[0].section_id, world.clauses[2].section_id
    opening = api.post(f"/documents/{ids['doc']}/proposals",
                       {"action": "insert", "section_id": preamble, "text": "Acknowledging;"},
                       status=201)
    assert (opening["after_clause_id"], opening["section_id"]) == (None, preamble)
    refused = client.post(f"{API}/documents/{ids['doc']}/proposals", headers=auth("nz"),
                          json={"action": "insert", "section_id": goal, "text": "New."})
    assert refused.status_code == 422
    assert refused.json["error"]["details"] == {"field": "after_clause_id"}
    missing = client.post(f"{API}/documents/{ids['doc']}/proposals", headers=auth("nz"),
                          json={"action": "insert", "section_id": 987654, "text": "New."})
    assert missing.status_code == 404
    api.decide(opening["id"], expected_version=0)
    document = api.get(f"/documents/{ids['doc']}")
    first = document["sections"][0]["clause_ids"][0]
    assert api.get(f"/clauses/{first}")["text"] == "Acknowledging;"


def test_amend_through_the_document_endpoint(api, ids):
    body = api.post(f"/documents/{ids['doc']}/proposals",
                    {"action": "amend", "clause_id": ids["clauses"][3],
                     "text": "We encourage economies to cooperate on marine debris."},
                    status=201)
    assert (body["action"], body["clause_id"], body["base_version"]) == \
        ("amend", ids["clauses"][3], 1)


@pytest.mark.parametrize("claim", ["AUS", "aus"])
def test_a_delegate_may_name_its_own_economy(api, ids, claim):
    body = api.post(f"/clauses/{ids['clauses'][2]}/proposals",
                    {"action": "amend", "text": BY_2035, "economy": claim}, status=201)
    assert body["economy"] == "AUS"


def test_same_economy_colleague_cannot_duplicate_but_other_economy_can(client, api, auth, ids):
    api.amend(2, BY_2035, user="aus")
    refused(client, "POST", f"/clauses/{ids['clauses'][2]}/proposals", status=409,
            code="duplicate", headers=auth("aus2"), json={"action": "amend", "text": BY_2035})
    assert api.amend(2, BY_2035, user="nz")["economy"] == "NZ"


def test_duplicate_deletion_is_refused(client, api, auth, ids):
    api.delete(0)
    refused(client, "POST", f"/clauses/{ids['clauses'][0]}/proposals", status=409,
            code="duplicate", headers=auth("aus2"), json={"action": "delete"})


BAD_CLAUSE_PROPOSALS = [
    pytest.param({"action": "amend", "text": ""}, 422, "invalid_input", id="empty-text"),
    pytest.param({"action": "amend", "text": "  \n\t  "}, 422, "invalid_input", id="blank-text"),
    pytest.param({"action": "amend"}, 422, "invalid_input", id="missing-text"),
    pytest.param({"action": "amend", "text": None}, 422, "invalid_input", id="null-text"),
    pytest.param({"action": "amend", "text": BASE3}, 422, "no_change", id="identical"),
    pytest.param({"action": "amend", "text": f"  {BASE3}\r\n"}, 422, "no_change",
                 id="identical-but-whitespace"),
    pytest.param({"action": "amend", "text": MEGABYTE}, 422, "invalid_input", id="megabyte"),
    pytest.param({"action": "amend", "text": "y" * 5001}, 422, "invalid_input", id="5001-chars"),
    pytest.param({"action": "amend", "text": "Bad\x00byte."}, 422, "invalid_input", id="nul"),
    pytest.param({"action": "amend", "text": 5}, 422, "invalid_input", id="text-int"),
    pytest.param({"action": "amend", "text": True}, 422, "invalid_input", id="text-bool"),
    pytest.param({"action": "amend", "text": ["a"]}, 422, "invalid_input", id="text-list"),
    pytest.param({"action": "amend", "text": {"t": "a"}}, 422, "invalid_input", id="text-dict"),
    pytest.param({"action": "amend", "text": BY_2035, "rationale": 5}, 422, "invalid_input",
                 id="rationale-int"),
    pytest.param({"action": "amend", "text": BY_2035, "rationale": "r" * 5001}, 422,
                 "invalid_input", id="rationale-too-long"),
    pytest.param({"action": "insert", "text": BY_2035}, 422, "invalid_input", id="insert-here"),
    pytest.param({"action": "replace", "text": BY_2035}, 422, "invalid_input", id="bad-action"),
    pytest.param({"text": BY_2035}, 422, "invalid_input", id="missing-action"),
    pytest.param({"action": 7, "text": BY_2035}, 422, "invalid_input", id="action-int"),
    pytest.param({"action": ["amend"], "text": BY_2035}, 422, "invalid_input",
                 id="action-list"),
    pytest.param({"action": "amend", "text": BY_2035, "economy": "NZ"}, 403, "forbidden",
                 id="for-another-economy"),
    pytest.param({"action": "delete", "economy": "JPN"}, 403, "forbidden",
                 id="delete-for-another-economy"),
    pytest.param({"action": "amend", "text": BY_2035, "economy": 3}, 422, "invalid_input",
                 id="economy-int"),
]


@pytest.mark.parametrize("payload, status, code", BAD_CLAUSE_PROPOSALS)
def test_bad_clause_proposal_is_refused(client, auth, ids, payload, status, code):
    refused(client, "POST", f"/clauses/{ids['clauses'][2]}/proposals", status=status,
            code=code, headers=auth("aus"), json=payload)


@pytest.mark.parametrize("kwargs, status", NOT_A_JSON_OBJECT)
def test_proposal_body_must_be_a_json_object(client, auth, ids, kwargs, status):
    refused(client, "POST", f"/clauses/{ids['clauses'][2]}/proposals", status=status,
            code="invalid_json", headers=auth("aus"), **kwargs)


def test_request_over_the_size_cap_is_413(client, auth, ids):
    body = '{"action": "amend", "text": "' + "x" * (9 * 1024 * 1024) + '"}'
    refused(client, "POST", f"/clauses/{ids['clauses'][2]}/proposals", status=413,
            headers=auth("aus"), data=body, content_type=JSON)


BAD_DOCUMENT_PROPOSALS = [
    pytest.param({"action": "insert", "text": "New."}, 422, id="insert-without-anchor"),
    pytest.param({"action": "insert", "after_clause_id": "1", "text": "New."}, 422,
                 id="anchor-string"),
    pytest.param({"action": "insert", "after_clause_id": True, "text": "New."}, 422,
                 id="anchor-bool"),
    pytest.param({"action": "insert", "after_clause_id": 1.5, "text": "New."}, 422,
                 id="anchor-float"),
    pytest.param({"action": "insert", "after_clause_id": 999, "text": "New."}, 404,
                 id="anchor-unknown"),
    pytest.param({"action": "insert", "after_clause_id": 3000000000, "text": "New."}, 404,
                 id="anchor-huge"),
    pytest.param({"action": "insert", "after_clause_id": 2**70, "text": "New."}, 404,
                 id="anchor-enormous"),
    pytest.param({"action": "insert", "after_clause_id": -1, "text": "New."}, 404,
                 id="anchor-negative"),
    pytest.param({"action": "insert", "after_clause_id": "ANCHOR", "text": ""}, 422,
                 id="insert-empty"),
    pytest.param({"action": "insert", "after_clause_id": "ANCHOR", "text": " \n "}, 422,
                 id="insert-blank"),
    pytest.param({"action": "insert", "after_clause_id": "ANCHOR", "text": MEGABYTE}, 422,
                 id="insert-megabyte"),
    pytest.param({"after_clause_id": "ANCHOR", "text": "New."}, 422, id="missing-action"),
    pytest.param({"action": "move", "after_clause_id": "ANCHOR", "text": "New."}, 422,
                 id="bad-action"),
    pytest.param({"action": "amend", "text": "New."}, 422, id="amend-without-clause"),
    pytest.param({"action": "amend", "clause_id": "3", "text": "New."}, 422,
                 id="clause-string"),
    pytest.param({"action": "amend", "clause_id": 999, "text": "New."}, 404,
                 id="clause-unknown"),
    pytest.param({"action": "delete"}, 422, id="delete-without-clause"),
    pytest.param({"action": "insert", "after_clause_id": "ANCHOR", "text": "New.",
                  "economy": "NZ"}, 403, id="for-another-economy"),
]


@pytest.mark.parametrize("payload, status", BAD_DOCUMENT_PROPOSALS)
def test_bad_document_proposal_is_refused(client, auth, ids, payload, status):
    payload = {k: (ids["clauses"][0] if v == "ANCHOR" else v) for k, v in payload.items()}
    refused(client, "POST", f"/documents/{ids['doc']}/proposals", status=status,
            headers=auth("aus"), json=payload)


@pytest.mark.parametrize("kwargs, status", NOT_A_JSON_OBJECT[:3] + NOT_A_JSON_OBJECT[5:7])
def test_document_proposal_body_must_be_a_json_object(client, auth, ids, kwargs, status):
    refused(client, "POST", f"/documents/{ids['doc']}/proposals", status=status,
            code="invalid_json", headers=auth("aus"), **kwargs)


@pytest.mark.parametrize("field, action", [("after_clause_id", "insert"),
                                           ("clause_id", "amend"), ("clause_id", "delete")])
def test_clause_of_another_document_is_refused(client, auth, world, ids, field, action):
    _, other_clauses = make_document(world.economies["THA"])
    db.session.commit()
    refused(client, "POST", f"/documents/{ids['doc']}/proposals", status=422,
            headers=auth("aus"),
            json={"action": action, field: other_clauses[0].id, "text": "Other words."})


@pytest.mark.parametrize("user", ["observer", "admin", "secretariat"])
def test_non_delegates_cannot_propose(client, auth, ids, user):
    refused(client, "POST", f"/clauses/{ids['clauses'][2]}/proposals", status=403,
            code="forbidden", headers=auth(user), json={"action": "amend", "text": BY_2035})
    refused(client, "POST", f"/documents/{ids['doc']}/proposals", status=403, code="forbidden",
            headers=auth(user),
            json={"action": "insert", "after_clause_id": ids["clauses"][0], "text": "New."})


# The final stage may use its own code ("document_frozen"); any 409 refusal will do there.
@pytest.mark.parametrize("stage, code", [(Stage.SILENCE, "stage_closed"),
                                         (Stage.ENDORSED_LEADERS, None)])
def test_no_proposals_once_the_stage_is_closed(client, auth, world, ids, stage, code):
    db.session.get(Document, ids["doc"]).stage = stage
    db.session.commit()
    refused(client, "POST", f"/clauses/{ids['clauses'][2]}/proposals", status=409,
            code=code, headers=auth("aus"), json={"action": "amend", "text": BY_2035})
    refused(client, "POST", f"/documents/{ids['doc']}/proposals", status=409,
            code=code, headers=auth("aus"),
            json={"action": "insert", "after_clause_id": ids["clauses"][0], "text": "New."})


# --- deciding --------------------------------------------------------------------------------

def test_accept_writes_a_new_version(api, ids):
    proposal = api.amend(2, BY_2035)
    before = counts()
    body = api.decide(proposal["id"], "accept", 1, note="Agreed in plenary.")
    assert counts() == (before[0], before[1], before[2] + 1)
    assert (body["status"], body["result_version"], body["decided_text"]) == \
        ("accepted", 2, None)
    assert body["decision_note"] == "Agreed in plenary." and body["decided_at"]
    clause = api.clause(2)
    assert (clause["version"], clause["text"]) == (2, BY_2035)
    assert [(v["number"], v["text"], v["proposal_id"], v["created_by"])
            for v in clause["versions"]] == [(1, BASE3, None, "secretariat"),
                                             (2, BY_2035, proposal["id"], "secretariat")]
    row = next(c for c in api.document()["clauses"] if c["id"] == ids["clauses"][2])
    assert (row["version"], row["text"], row["number"]) == (2, BY_2035, "OP1")
    assert api.get(f"/proposals/{proposal['id']}")["status"] == "accepted"


def test_accept_with_modifications(api):
    proposal = api.amend(2, BY_2035)
    final = "We will reduce emissions by 2035 and promote renewable energy."
    body = api.decide(proposal["id"], "accept", 1, text=final)
    assert (body["status"], body["decided_text"], body["text"]) == \
        ("accepted_modified", final, BY_2035)
    assert (api.clause(2)["text"], api.clause(2)["version"]) == (final, 2)


@pytest.mark.parametrize("text", ["", None, BY_2035, f" {BY_2035} "])
def test_accept_with_the_proposals_own_text_is_a_plain_accept(api, text):
    proposal = api.amend(2, BY_2035)
    body = api.decide(proposal["id"], "accept", 1, text=text)
    assert (body["status"], body["decided_text"]) == ("accepted", None)
    assert api.clause(2)["text"] == BY_2035


def test_reject_keeps_the_clause(api):
    proposal = api.amend(2, BY_2035)
    before = counts()
    body = api.decide(proposal["id"], "reject", 1, note="No consensus.")
    assert counts() == before
    assert (body["status"], body["decision_note"], body["result_version"]) == \
        ("rejected", "No consensus.", None)
    assert (api.clause(2)["version"], api.clause(2)["text"]) == (1, BASE3)


BAD_DECISIONS = [
    pytest.param({"decision": "reject", "expected_version": 1}, 422, "invalid_input",
                 id="reject-without-note"),
    pytest.param({"decision": "reject", "expected_version": 1, "note": " \n "}, 422,
                 "invalid_input", id="reject-blank-note"),
    pytest.param({"decision": "reject", "expected_version": 1, "note": 5}, 422,
                 "invalid_input", id="note-int"),
    pytest.param({"decision": "reject", "expected_version": 1, "note": "n" * 2001}, 422,
                 "invalid_input", id="note-too-long"),
    pytest.param({"decision": "accept", "expected_version": 1, "note": "n" * 2001}, 422,
                 "invalid_input", id="accept-note-too-long"),
    pytest.param({"expected_version": 1}, 422, "invalid_input", id="missing-decision"),
    pytest.param({"decision": "approve", "expected_version": 1}, 422, "invalid_input",
                 id="unknown-decision"),
    pytest.param({"decision": 1, "expected_version": 1}, 422, "invalid_input",
                 id="decision-int"),
    pytest.param({"decision": "accept"}, 422, "invalid_input", id="missing-version"),
    pytest.param({"decision": "accept", "expected_version": None}, 422, "invalid_input",
                 id="null-version"),
    pytest.param({"decision": "accept", "expected_version": "1"}, 422, "invalid_input",
                 id="version-string"),
    pytest.param({"decision": "accept", "expected_version": True}, 422, "invalid_input",
                 id="version-bool"),
    pytest.param({"decision": "accept", "expected_version": 1.0}, 422, "invalid_input",
                 id="version-float"),
    pytest.param({"decision": "accept", "expected_version": 2}, 409, "stale_version",
                 id="version-ahead"),
    pytest.param({"decision": "accept", "expected_version": 0}, 409, "stale_version",
                 id="version-zero"),
    pytest.param({"decision": "accept", "expected_version": 2**70}, 409, "stale_version",
                 id="version-enormous"),
    pytest.param({"decision": "reject", "expected_version": 2, "note": "No."}, 409,
                 "stale_version", id="reject-stale"),
    pytest.param({"decision": "accept", "expected_version": 1, "text": " \t "}, 422,
                 "invalid_input", id="modified-blank"),
    pytest.param({"decision": "accept", "expected_version": 1, "text": 5}, 422,
                 "invalid_input", id="modified-int"),
    pytest.param({"decision": "accept", "expected_version": 1, "text": ["x"]}, 422,
                 "invalid_input", id="modified-list"),
    pytest.param({"decision": "accept", "expected_version": 1, "text": MEGABYTE}, 422,
                 "invalid_input", id="modified-megabyte"),
    pytest.param({"decision": "accept", "expected_version": 1, "text": BASE3}, 422,
                 "no_change", id="modified-back-to-current"),
    pytest.param({"decision": "accept", "expected_version": 1, "economy": "AUS"}, 403,
                 "forbidden", id="for-another-economy"),
]


@pytest.mark.parametrize("payload, status, code", BAD_DECISIONS)
def test_bad_decision_is_refused(client, api, auth, payload, status, code):
    proposal = api.amend(2, BY_2035)
    refused(client, "POST", f"/proposals/{proposal['id']}/decision", status=status, code=code,
            headers=auth("secretariat"), json=payload)
    assert api.get(f"/proposals/{proposal['id']}")["status"] == "open"


@pytest.mark.parametrize("kwargs, status", NOT_A_JSON_OBJECT[:2] + NOT_A_JSON_OBJECT[5:6])
def test_decision_body_must_be_a_json_object(client, api, auth, kwargs, status):
    proposal = api.amend(2, BY_2035)
    refused(client, "POST", f"/proposals/{proposal['id']}/decision", status=status,
            code="invalid_json", headers=auth("secretariat"), **kwargs)


@pytest.mark.parametrize("user", ["aus", "aus2", "nz", "observer", "admin"])
@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_only_the_secretariat_decides(client, api, auth, user, decision):
    proposal = api.amend(2, BY_2035)
    refused(client, "POST", f"/proposals/{proposal['id']}/decision", status=403,
            code="forbidden", headers=auth(user),
            json={"decision": decision, "expected_version": 1, "note": "Because."})


def test_stale_version_after_another_acceptance(client, api, auth):
    first = api.amend(2, BY_2035, user="aus")
    second = api.amend(2, RENEWABLE, user="nz")
    api.decide(first["id"], "accept", 1)
    error = refused(client, "POST", f"/proposals/{second['id']}/decision", status=409,
                    code="stale_version", headers=auth("secretariat"),
                    json={"decision": "accept", "expected_version": 1})
    assert "version" in error["message"]
    body = api.decide(second["id"], "accept", 2)
    assert body["status"] == "accepted" and body["result_version"] == 3
    assert api.clause(2)["text"] == "We will reduce emissions by 2035 and promote renewable energy."


@pytest.mark.parametrize("close", ["accept", "reject", "withdraw"])
def test_deciding_a_closed_proposal_is_409(client, api, auth, close):
    proposal = api.amend(2, BY_2035)
    if close == "withdraw":
        api.post(f"/proposals/{proposal['id']}/withdraw")
        version = 1
    else:
        api.decide(proposal["id"], close, 1, note="Done.")
        version = 2 if close == "accept" else 1
    for decision in ("accept", "reject"):
        refused(client, "POST", f"/proposals/{proposal['id']}/decision", status=409,
                code="proposal_closed", headers=auth("secretariat"),
                json={"decision": decision, "expected_version": version, "note": "Again."})


def test_accepting_rebases_a_non_touching_open_proposal(api):
    accepted = api.amend(2, BY_2035, user="aus")
    other = api.amend(2, RENEWABLE, user="nz")
    api.decide(accepted["id"], "accept", 1)
    body = api.get(f"/proposals/{other['id']}", user="nz")
    merged = "We will reduce emissions by 2035 and promote renewable energy."
    assert (body["status"], body["text"], body["in_conflict"], body["base_version"]) == \
        ("open", merged, False, 2)
    assert [(u["kind"], u["from_version"], u["to_version"], u["caused_by_proposal_id"])
            for u in body["updates"]] == [("rebased", 1, 2, accepted["id"])]
    # Its diff is now against the new version, showing only its own change.
    assert old_side(body["diff"]) == BY_2035 and new_side(body["diff"]) == merged
    assert {"op": "insert", "text": "2035"} not in body["diff"]
    # And it can be accepted on version 2.
    assert api.decide(other["id"], "accept", 2)["status"] == "accepted"
    assert api.clause(2)["text"] == merged


def test_accepting_marks_a_touching_proposal_in_conflict(client, api, auth):
    accepted = api.amend(2, BY_2035, user="aus")
    other = api.amend(2, BEFORE_2030, user="nz")
    api.decide(accepted["id"], "accept", 1)
    body = api.get(f"/proposals/{other['id']}")
    assert (body["status"], body["in_conflict"], body["text"], body["base_version"]) == \
        ("open", True, BEFORE_2030, 1)
    assert [(u["kind"], u["from_version"], u["to_version"], u["caused_by_proposal_id"])
            for u in body["updates"]] == [("conflict", 1, 2, accepted["id"])]
    # Its redline still shows what it asked for, against the text it was written on.
    assert old_side(body["diff"]) == BASE3 and new_side(body["diff"]) == BEFORE_2030
    refused(client, "POST", f"/proposals/{other['id']}/decision", status=409,
            code="proposal_in_conflict", headers=auth("secretariat"),
            json={"decision": "accept", "expected_version": 2})


def test_a_conflicted_proposal_can_be_rejected(api):
    accepted = api.amend(2, BY_2035, user="aus")
    other = api.amend(2, BEFORE_2030, user="nz")
    api.decide(accepted["id"], "accept", 1)
    assert api.decide(other["id"], "reject", 2, note="Overtaken.")["status"] == "rejected"


def test_revising_a_conflicted_proposal_clears_the_conflict(api):
    accepted = api.amend(2, BY_2035, user="aus")
    other = api.amend(2, BEFORE_2030, user="nz")
    api.decide(accepted["id"], "accept", 1)
    revised_text = "We will reduce emissions before 2035 and promote clean energy."
    body = api.post(f"/proposals/{other['id']}/revise", {"text": revised_text}, user="nz")
    assert (body["in_conflict"], body["text"], body["base_version"]) == (False, revised_text, 2)
    assert [u["kind"] for u in body["updates"]] == ["conflict", "revised"]
    assert old_side(body["diff"]) == BY_2035
    assert api.decide(other["id"], "accept", 2)["status"] == "accepted"
    assert api.clause(2)["text"] == revised_text


def test_accepting_an_amendment_rebases_an_open_deletion(api):
    deletion = api.delete(2, user="nz")
    api.decide(api.amend(2, BY_2035)["id"], "accept", 1)
    body = api.get(f"/proposals/{deletion['id']}")
    assert (body["status"], body["base_version"], body["in_conflict"]) == ("open", 2, False)
    assert [u["kind"] for u in body["updates"]] == ["rebased"]
    assert old_side(body["diff"]) == BY_2035 and new_side(body["diff"]) == ""


def test_accepted_deletion_removes_the_clause_and_supersedes_the_rest(client, api, auth, ids):
    deletion = api.delete(0, user="aus")
    amendment = api.amend(0, "Recognising that climate change poses grave risks;", user="nz")
    body = api.decide(deletion["id"], "accept", 1)
    assert (body["status"], body["result_version"]) == ("accepted", 2)
    document = api.document()
    assert [c["id"] for c in document["clauses"]] == ids["clauses"][1:]
    assert [c["number"] for c in document["clauses"]] == ["PP1", "OP1", "OP2"]
    clause = api.clause(0)
    assert (clause["removed"], clause["number"], clause["version"]) == (True, None, 2)
    assert clause["versions"][-1]["removed"] is True
    other = api.get(f"/proposals/{amendment['id']}")
    assert other["status"] == "superseded"
    assert [u["kind"] for u in other["updates"]] == ["superseded"]
    # The deleted clause takes no new proposals, nor inserts after it.
    refused(client, "POST", f"/clauses/{ids['clauses'][0]}/proposals", status=409,
            code="clause_deleted", headers=auth("jpn"), json={"action": "amend", "text": "X."})
    refused(client, "POST", f"/documents/{ids['doc']}/proposals", status=409,
            code="clause_deleted", headers=auth("jpn"),
            json={"action": "insert", "after_clause_id": ids["clauses"][0], "text": "X."})


def test_deletion_cannot_be_accepted_with_text(client, api, auth):
    deletion = api.delete(0)
    refused(client, "POST", f"/proposals/{deletion['id']}/decision", status=422,
            headers=auth("secretariat"),
            json={"decision": "accept", "expected_version": 1, "text": "Keep it."})


@pytest.mark.parametrize("after_index, order, numbers", [
    (1, [0, 1, "new", 2, 3], ["PP1", "PP2", "PP3", "OP1", "OP2"]),
    (2, [0, 1, 2, "new", 3], ["PP1", "PP2", "OP1", "OP2", "OP3"]),
    (3, [0, 1, 2, 3, "new"], ["PP1", "PP2", "OP1", "OP2", "OP3"]),
])
@pytest.mark.parametrize("expected_version", [0, None])
def test_accepted_insertion_appears_in_place_and_renumbers(api, ids, after_index, order,
                                                           numbers, expected_version):
    proposal = api.insert(after_index, "We will phase out coal.")
    before = counts()
    body = api.decide(proposal["id"], "accept", expected_version)
    assert counts() == (before[0], before[1], before[2] + 1)
    assert (body["status"], body["result_version"]) == ("accepted", 1)
    new_id = body["clause_id"]
    assert new_id not in ids["clauses"]
    document = api.document()
    assert [c["id"] for c in document["clauses"]] == \
        [new_id if i == "new" else ids["clauses"][i] for i in order]
    assert [c["number"] for c in document["clauses"]] == numbers
    clause = api.get(f"/clauses/{new_id}")
    assert (clause["text"], clause["version"], clause["number"]) == \
        ("We will phase out coal.", 1, numbers[order.index("new")])


def test_insertion_accepted_with_modifications(api):
    proposal = api.insert(3, "We will phase out coal.")
    body = api.decide(proposal["id"], "accept", 0, text="We will phase down coal.")
    assert (body["status"], body["decided_text"]) == ("accepted_modified",
                                                      "We will phase down coal.")
    assert api.get(f"/clauses/{body['clause_id']}")["text"] == "We will phase down coal."


@pytest.mark.parametrize("expected_version", [1, 2, "0"])
def test_insertion_decision_names_version_zero(client, api, auth, expected_version):
    proposal = api.insert(2, "We will phase out coal.")
    refused(client, "POST", f"/proposals/{proposal['id']}/decision", status=422,
            headers=auth("secretariat"),
            json={"decision": "accept", "expected_version": expected_version})


# --- listing, withdrawing, co-sponsoring, revising --------------------------------------------

def test_list_proposals_filters_by_status(client, api, auth, ids):
    first = api.amend(2, BY_2035, user="aus")
    second = api.amend(2, RENEWABLE, user="nz")
    third = api.delete(3, user="jpn")
    api.decide(second["id"], "reject", 1, note="No.")
    api.post(f"/proposals/{third['id']}/withdraw", user="jpn")

    def listed(query=""):
        body = api.get(f"/documents/{ids['doc']}/proposals{query}", user="observer")
        assert all("diff" not in p for p in body["proposals"])
        return [p["id"] for p in body["proposals"]]
    assert listed() == [first["id"], second["id"], third["id"]]
    assert listed("?status=open") == [first["id"]]
    assert listed("?status=rejected") == [second["id"]]
    assert listed("?status=withdrawn") == [third["id"]]
    assert listed("?status=accepted") == []
    assert listed("?status=") == [first["id"], second["id"], third["id"]]
    assert_error(client.get(API + f"/documents/{ids['doc']}/proposals?status=bogus",
                            headers=auth("aus")), 422, "invalid_input")


@pytest.mark.parametrize("user", ["aus", "aus2"])
def test_withdraw_by_the_proposing_economy(api, user):
    proposal = api.amend(2, BY_2035, user="aus")
    body = api.post(f"/proposals/{proposal['id']}/withdraw", user=user)
    assert body["status"] == "withdrawn" and body["decided_at"]
    assert api.clause(2)["version"] == 1


@pytest.mark.parametrize("user", ["nz", "jpn", "secretariat", "observer", "admin"])
def test_withdraw_by_anyone_else_is_403(client, api, auth, user):
    proposal = api.amend(2, BY_2035, user="aus")
    refused(client, "POST", f"/proposals/{proposal['id']}/withdraw", status=403,
            code="forbidden", headers=auth(user))


def test_withdraw_twice_is_409(client, api, auth):
    proposal = api.amend(2, BY_2035)
    api.post(f"/proposals/{proposal['id']}/withdraw")
    refused(client, "POST", f"/proposals/{proposal['id']}/withdraw", status=409,
            code="proposal_closed", headers=auth("aus"))


def test_cosponsor(api):
    proposal = api.amend(2, BY_2035, user="aus")
    assert api.post(f"/proposals/{proposal['id']}/cosponsor", user="nz")["cosponsors"] == ["NZ"]
    body = api.post(f"/proposals/{proposal['id']}/cosponsor", user="jpn")
    assert body["cosponsors"] == ["NZ", "JPN"] and body["economy"] == "AUS"
    assert api.get(f"/proposals/{proposal['id']}")["cosponsors"] == ["NZ", "JPN"]


@pytest.mark.parametrize("user, status, code", [
    ("aus", 403, "forbidden"), ("aus2", 403, "forbidden"), ("secretariat", 403, "forbidden"),
    ("observer", 403, "forbidden"), ("admin", 403, "forbidden"),
])
def test_cosponsor_refused(client, api, auth, user, status, code):
    proposal = api.amend(2, BY_2035, user="aus")
    refused(client, "POST", f"/proposals/{proposal['id']}/cosponsor", status=status, code=code,
            headers=auth(user))


def test_cosponsor_twice_or_closed_is_409(client, api, auth):
    proposal = api.amend(2, BY_2035, user="aus")
    api.post(f"/proposals/{proposal['id']}/cosponsor", user="nz")
    refused(client, "POST", f"/proposals/{proposal['id']}/cosponsor", status=409,
            code="duplicate", headers=auth("nz"))
    api.decide(proposal["id"], "reject", 1, note="No.")
    refused(client, "POST", f"/proposals/{proposal['id']}/cosponsor", status=409,
            code="proposal_closed", headers=auth("jpn"))


def test_revise_own_proposal(api):
    proposal = api.amend(2, BY_2035, rationale="Old reason.")
    text = "We will reduce emissions by 2040 and promote clean energy."
    body = api.post(f"/proposals/{proposal['id']}/revise",
                    {"text": text, "rationale": "New reason."}, user="aus2")
    assert (body["text"], body["rationale"], body["status"]) == (text, "New reason.", "open")
    assert [(u["kind"], u["from_version"], u["to_version"]) for u in body["updates"]] == \
        [("revised", 1, 1)]
    assert new_side(body["diff"]) == text


def test_revise_only_the_rationale(api):
    proposal = api.amend(2, BY_2035, rationale="Old reason.")
    body = api.post(f"/proposals/{proposal['id']}/revise",
                    {"text": BY_2035, "rationale": "Better reason."})
    assert (body["text"], body["rationale"]) == (BY_2035, "Better reason.")


def test_revise_an_insertion(api):
    proposal = api.insert(2, "We will phase out coal.")
    body = api.post(f"/proposals/{proposal['id']}/revise", {"text": "We will phase down coal."})
    assert body["text"] == "We will phase down coal."
    assert body["diff"] == [{"op": "insert", "text": "We will phase down coal."}]


BAD_REVISIONS = [
    pytest.param({"text": ""}, "aus", 422, "invalid_input", id="empty"),
    pytest.param({"text": "   "}, "aus", 422, "invalid_input", id="blank"),
    pytest.param({}, "aus", 422, "invalid_input", id="missing-text"),
    pytest.param({"text": MEGABYTE}, "aus", 422, "invalid_input", id="megabyte"),
    pytest.param({"text": BASE3}, "aus", 422, "no_change", id="back-to-clause-text"),
    pytest.param({"text": BY_2035}, "aus", 422, "no_change", id="unchanged"),
    pytest.param({"text": 5}, "aus", 422, "invalid_input", id="text-int"),
    pytest.param({"text": RENEWABLE, "rationale": 5}, "aus", 422, "invalid_input",
                 id="rationale-int"),
    pytest.param({"text": RENEWABLE, "rationale": ["a"]}, "aus", 422, "invalid_input",
                 id="rationale-list"),
    pytest.param({"text": RENEWABLE, "economy": "NZ"}, "aus", 403, "forbidden",
                 id="claims-other-economy"),
    pytest.param({"text": RENEWABLE}, "nz", 403, "forbidden", id="other-economy"),
    pytest.param({"text": RENEWABLE}, "secretariat", 403, "forbidden", id="secretariat"),
    pytest.param({"text": RENEWABLE}, "observer", 403, "forbidden", id="observer"),
]


@pytest.mark.parametrize("payload, user, status, code", BAD_REVISIONS)
def test_bad_revision_is_refused(client, api, auth, payload, user, status, code):
    proposal = api.amend(2, BY_2035, user="aus")
    refused(client, "POST", f"/proposals/{proposal['id']}/revise", status=status, code=code,
            headers=auth(user), json=payload)


@pytest.mark.parametrize("kwargs, status", NOT_A_JSON_OBJECT[:1] + NOT_A_JSON_OBJECT[5:6])
def test_revision_body_must_be_a_json_object(client, api, auth, kwargs, status):
    proposal = api.amend(2, BY_2035)
    refused(client, "POST", f"/proposals/{proposal['id']}/revise", status=status,
            code="invalid_json", headers=auth("aus"), **kwargs)


def test_revise_a_deletion_or_a_closed_proposal_is_409(client, api, auth):
    deletion = api.delete(0)
    refused(client, "POST", f"/proposals/{deletion['id']}/revise", status=409,
            code="nothing_to_revise", headers=auth("aus"), json={"text": "Anything."})
    amendment = api.amend(2, BY_2035)
    api.post(f"/proposals/{amendment['id']}/withdraw")
    refused(client, "POST", f"/proposals/{amendment['id']}/revise", status=409,
            code="proposal_closed", headers=auth("aus"), json={"text": RENEWABLE})


# --- comments --------------------------------------------------------------------------------

def test_comment_on_a_clause(api, ids):
    before = counts()
    body = api.comment(0, "We **support** this.")
    assert counts() == (before[0], before[1] + 1, before[2])
    assert {k: body[k] for k in ("clause_id", "proposal_id", "parent_id", "author", "economy",
                                 "body", "resolved")} == {
        "clause_id": ids["clauses"][0], "proposal_id": None, "parent_id": None,
        "author": "aus", "economy": "AUS", "body": "We **support** this.", "resolved": False}
    assert body["body_html"] == "<p>We <strong>support</strong> this.</p>"


def test_replies_and_listing(api):
    root = api.comment(0, "First.", user="aus")
    reply = api.comment(0, "Reply.", user="nz", parent_id=root["id"])
    other = api.comment(1, "Elsewhere.", user="jpn")
    assert (reply["parent_id"], reply["clause_id"], reply["economy"]) == \
        (root["id"], root["clause_id"], "NZ")
    listed = api.get(f"/clauses/{root['clause_id']}/comments", user="observer")["comments"]
    assert [(c["id"], c["parent_id"], c["body"]) for c in listed] == \
        [(root["id"], None, "First."), (reply["id"], root["id"], "Reply.")]
    assert other["id"] not in [c["id"] for c in listed]


def test_secretariat_comments_for_the_host(api):
    assert api.comment(0, "Noted.", user="secretariat")["economy"] == "THA"


def test_comment_on_a_proposal(api, ids):
    proposal = api.amend(2, BY_2035)
    body = api.post(f"/proposals/{proposal['id']}/comments", {"body": "Why 2035?"}, user="nz",
                    status=201)
    assert (body["proposal_id"], body["clause_id"]) == (proposal["id"], ids["clauses"][2])
    reply = api.post(f"/proposals/{proposal['id']}/comments",
                     {"body": "Science.", "parent_id": body["id"]}, status=201)
    assert (reply["parent_id"], reply["proposal_id"]) == (body["id"], proposal["id"])
    listed = api.get(f"/clauses/{ids['clauses'][2]}/comments")["comments"]
    assert [c["id"] for c in listed] == [body["id"], reply["id"]]
    # Replying from the clause's own thread list keeps the reply in the proposal's thread.
    via_clause = api.comment(2, "Agreed.", user="jpn", parent_id=body["id"])
    assert (via_clause["proposal_id"], via_clause["clause_id"]) == \
        (proposal["id"], ids["clauses"][2])


BAD_COMMENTS = [
    pytest.param({"body": ""}, 422, "invalid_input", id="empty"),
    pytest.param({"body": " \n\t "}, 422, "invalid_input", id="blank"),
    pytest.param({}, 422, "invalid_input", id="missing-body"),
    pytest.param({"body": None}, 422, "invalid_input", id="null-body"),
    pytest.param({"body": 5}, 422, "invalid_input", id="body-int"),
    pytest.param({"body": {"md": "x"}}, 422, "invalid_input", id="body-dict"),
    pytest.param({"body": "c" * 10_001}, 422, "invalid_input", id="10001-chars"),
    pytest.param({"body": MEGABYTE}, 422, "invalid_input", id="megabyte"),
    pytest.param({"body": "Bell\x07"}, 422, "invalid_input", id="control-char"),
    pytest.param({"body": "Hi", "parent_id": "1"}, 422, "invalid_input", id="parent-string"),
    pytest.param({"body": "Hi", "parent_id": 1.0}, 422, "invalid_input", id="parent-float"),
    pytest.param({"body": "Hi", "parent_id": 999}, 404, "not_found", id="parent-unknown"),
    pytest.param({"body": "Hi", "parent_id": 3000000000}, 404, "not_found", id="parent-huge"),
    pytest.param({"body": "Hi", "parent_id": 0}, 404, "not_found", id="parent-zero"),
    pytest.param({"body": "Hi", "economy": "NZ"}, 403, "forbidden", id="for-another-economy"),
]


@pytest.mark.parametrize("payload, status, code", BAD_COMMENTS)
@pytest.mark.parametrize("subject", ["clause", "proposal"])
def test_bad_comment_is_refused(client, api, auth, ids, payload, status, code, subject):
    if subject == "clause":
        url = f"/clauses/{ids['clauses'][0]}/comments"
    else:
        url = f"/proposals/{api.amend(2, BY_2035)['id']}/comments"
    refused(client, "POST", url, status=status, code=code, headers=auth("aus"), json=payload)


@pytest.mark.parametrize("kwargs, status", NOT_A_JSON_OBJECT[:1] + NOT_A_JSON_OBJECT[3:6])
def test_comment_body_must_be_a_json_object(client, auth, ids, kwargs, status):
    refused(client, "POST", f"/clauses/{ids['clauses'][0]}/comments", status=status,
            code="invalid_json", headers=auth("aus"), **kwargs)


@pytest.mark.parametrize("user", ["observer", "admin"])
def test_observer_and_admin_cannot_comment(client, api, auth, ids, user):
    proposal = api.amend(2, BY_2035)
    refused(client, "POST", f"/clauses/{ids['clauses'][0]}/comments", status=403,
            code="forbidden", headers=auth(user), json={"body": "Hi"})
    refused(client, "POST", f"/proposals/{proposal['id']}/comments", status=403,
            code="forbidden", headers=auth(user), json={"body": "Hi"})


def test_reply_to_another_clauses_thread_is_422(client, api, auth, ids):
    root = api.comment(0, "On PP1.")
    refused(client, "POST", f"/clauses/{ids['clauses'][1]}/comments", status=422,
            headers=auth("nz"), json={"body": "Reply.", "parent_id": root["id"]})


def test_reply_to_a_clause_thread_through_a_proposal_is_422(client, api, auth, ids):
    root = api.comment(2, "On OP1.")
    proposal = api.amend(2, BY_2035)
    refused(client, "POST", f"/proposals/{proposal['id']}/comments", status=422,
            headers=auth("nz"), json={"body": "Reply.", "parent_id": root["id"]})


def test_reply_to_another_proposals_thread_is_422(client, api, auth):
    first = api.amend(2, BY_2035, user="aus")
    second = api.amend(2, RENEWABLE, user="nz")
    root = api.post(f"/proposals/{first['id']}/comments", {"body": "On the first."}, status=201)
    refused(client, "POST", f"/proposals/{second['id']}/comments", status=422,
            headers=auth("nz"), json={"body": "Reply.", "parent_id": root["id"]})


def test_reply_to_another_clauses_proposal_thread_is_422(client, api, auth, ids):
    proposal = api.amend(1, "Recalling the Putrajaya Vision 2040 and its goals;", user="nz")
    root = api.post(f"/proposals/{proposal['id']}/comments", {"body": "On PP2's proposal."},
                    user="nz", status=201)
    refused(client, "POST", f"/clauses/{ids['clauses'][3]}/comments", status=422,
            headers=auth("aus"), json={"body": "Reply from OP2.", "parent_id": root["id"]})


class _HtmlAudit(HTMLParser):
    """Collects every tag and attribute of rendered HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]

    handle_startendtag = handle_starttag


XSS_BODIES = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1) )",
    "[click](javascript&#58;alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '[x](http://ok.example "t" onmouseover="alert(1)")',
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "`<script>alert(1)</script>`",
    "> <script>alert(1)</script>",
]


@pytest.mark.parametrize("source", XSS_BODIES)
def test_comment_markdown_is_rendered_safe(api, source):
    body = api.comment(0, source)
    assert body["body"] == source.strip()  # kept as written
    html = body["body_html"]
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<iframe" not in lowered
    audit = _HtmlAudit()
    audit.feed(html)
    assert set(audit.tags) <= {"p", "a", "code", "pre", "blockquote", "strong", "em"}
    for name, value in audit.attributes:
        assert not name.lower().startswith("on"), html
        assert name in ("href", "title", "rel"), html
        if name == "href":
            compact = "".join(ch for ch in value.lower() if ch.isprintable() and not ch.isspace())
            assert compact.startswith(("http:", "https:", "mailto:")) or ":" not in compact, html
    # Whatever survives of "javascript:" or "onerror" is inert text (escaped in the paragraph,
    # or inside a quoted title), never a tag, an event attribute or a link target.
    assert not any(name.lower() in ("onerror", "onload", "onmouseover") for name, _ in
                   audit.attributes)
    assert not any("javascript" in value.lower() for name, value in audit.attributes
                   if name == "href")


def test_safe_links_survive(api):
    html = api.comment(0, "See [the text](https://apec.example/doc).")["body_html"]
    assert 'href="https://apec.example/doc"' in html and "nofollow" in html


def test_resolve_and_reopen_a_thread(api):
    root = api.comment(0, "Question?", user="aus")
    reply = api.comment(0, "Answer.", user="nz", parent_id=root["id"])
    body = api.post(f"/comments/{reply['id']}/resolve", user="aus2")  # resolves the root
    assert (body["id"], body["resolved"]) == (root["id"], True)
    listed = api.get(f"/clauses/{root['clause_id']}/comments")["comments"]
    assert [c["resolved"] for c in listed] == [True, False]
    body = api.post(f"/comments/{root['id']}/reopen", user="secretariat")
    assert (body["id"], body["resolved"]) == (root["id"], False)


@pytest.mark.parametrize("user", ["nz", "observer", "admin"])
def test_resolve_refused_for_other_economies(client, api, auth, user):
    root = api.comment(0, "Question?", user="aus")
    refused(client, "POST", f"/comments/{root['id']}/resolve", status=403, code="forbidden",
            headers=auth(user))
    api.post(f"/comments/{root['id']}/resolve", user="secretariat")
    refused(client, "POST", f"/comments/{root['id']}/reopen", status=403, code="forbidden",
            headers=auth(user))


def test_resolve_twice_and_reopen_unresolved_are_409(client, api, auth):
    root = api.comment(0, "Question?")
    refused(client, "POST", f"/comments/{root['id']}/reopen", status=409, code="not_resolved",
            headers=auth("aus"))
    api.post(f"/comments/{root['id']}/resolve")
    refused(client, "POST", f"/comments/{root['id']}/resolve", status=409,
            code="already_resolved", headers=auth("secretariat"))


# --- bugs outside the API layer -------------------------------------------------------------

def test_loading_an_impossible_id_is_not_found(app):
    with pytest.raises(NotFound):
        get_proposal(2**63)
