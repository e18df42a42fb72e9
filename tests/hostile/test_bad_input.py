"""Hostile and malformed input answers a clean 4xx, never a 500, and changes nothing.

The API cases are generated from the URL map: every POST/PUT/PATCH/DELETE route under
/api/v1 (path ids filled with real objects, called as the secretariat, who may do most
things) receives a 100,000-deep nested body, a lone surrogate and a NUL in every common
field, and a body in a charset other than UTF-8. The choke points are
drafting.web.api._payload (with its before-request check) and drafting.web.input_guard;
limits in docs/api.md.
"""
from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from drafting.domain import input_rules
from drafting.extensions import db
from drafting.models import AuditEvent, Comment, Proposal
from drafting.services import comments as comment_service
from drafting.services import proposals as proposal_service
from drafting.web import api as api_module
from tests.factories import login

API = "/api/v1"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Field names the API's bodies use for strings; a body holding all of them reaches every
# string field of every route (unknown ones are ignored by the views).
STRING_FIELDS = ("text", "body", "rationale", "note", "title", "symbol", "reason", "heading",
                 "decision", "action", "stance", "status", "markdown", "classification",
                 "override_reason", "label", "mode", "stage", "name", "economy")
DEEP = 100_000


@pytest.fixture
def scene(world):
    """A proposal and a comment beside the world's document, for the ids in paths."""
    aus = world.user("aus")
    proposal = proposal_service.submit_proposal(
        aus, world.document, "amend", clause=world.clauses[2],
        text="We will reduce emissions by 2035 and promote clean energy.", rationale="Ambition.")
    comment = comment_service.add_comment(aus, clause=world.clauses[2], body="A remark.")
    db.session.commit()
    return {"document_id": world.document.id, "clause_id": world.clauses[2].id,
            "proposal_id": proposal.id, "comment_id": comment.id, "notification_id": 1}


def _write_routes(app, scene) -> list[tuple[str, str]]:
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API + "/") or not set(rule.methods) & set(WRITE_METHODS):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(scene[name]), path)
        routes.extend((method, path) for method in sorted(set(rule.methods) & set(WRITE_METHODS)))
    return routes


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.execute(select(func.count(model.id))).scalar_one()
                 for model in (AuditEvent, Proposal, Comment))


def _assert_json_error(response, statuses, label):
    assert response.status_code in statuses, (label, response.status_code, response.data[:300])
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), (label, body)


def _hostile_bodies() -> dict[str, tuple[bytes, str, tuple[int, ...]]]:
    """name → (body bytes, Content-Type, the statuses that are a right answer)."""
    deep = b"[" * DEEP + b"]" * DEEP
    # The escape as a JSON client would send it, and the raw (UTF-8-encoded) surrogate.
    escaped = json.dumps({name: "before \ud800 after" for name in STRING_FIELDS}).encode()
    raw = json.dumps({name: "before \ud800 after" for name in STRING_FIELDS},
                     ensure_ascii=False).encode("utf-8", "surrogatepass")
    nul = json.dumps({name: "before \x00 after" for name in STRING_FIELDS}).encode()
    c1 = json.dumps({name: "before \x85 after" for name in STRING_FIELDS},
                    ensure_ascii=False).encode()
    latin1 = json.dumps({"text": "Café crème", "body": "Café"}, ensure_ascii=False)
    return {
        "deep": (deep, "application/json", (400,)),
        "escaped surrogate": (escaped, "application/json", (422,)),
        "raw surrogate": (raw, "application/json", (400,)),  # not UTF-8 at all
        "nul": (nul, "application/json", (422,)),
        "c1 control": (c1, "application/json", (422,)),
        "latin-1 charset": (latin1.encode("latin-1"), "application/json; charset=iso-8859-1",
                            (415,)),
        "utf-16 body": (latin1.encode("utf-16"), "application/json", (400,)),
        "surrogate key": (b'{"\\udfff": "x"}', "application/json", (422,)),
    }


def test_every_write_route_refuses_hostile_bodies_and_changes_nothing(app, client, scene,
                                                                      api_token):
    headers = api_token("secretariat")
    routes = _write_routes(app, scene)
    assert len(routes) > 30  # the generator found the API
    before = _counts()
    for method, path in routes:
        for name, (body, content_type, statuses) in _hostile_bodies().items():
            response = client.open(path, method=method, data=body, headers=headers,
                                   content_type=content_type)
            _assert_json_error(response, statuses, (method, path, name))
    assert _counts() == before


def _must_not_parse(*args, **kwargs):
    """Stands for the API's JSON parser where a body must be refused before parsing."""
    raise AssertionError("the body was parsed; it should have been refused before")


def test_deep_nesting_is_refused_before_parsing_with_its_limit(client, scene, api_token,
                                                               monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(api_module, "json", SimpleNamespace(loads=_must_not_parse))
        response = client.post(f"{API}/clauses/{scene['clause_id']}/comments",
                               data="[" * DEEP, content_type="application/json",
                               headers=api_token("aus"))
    _assert_json_error(response, (400,), "deep")
    assert response.get_json()["error"]["details"] == {"max_depth": input_rules.MAX_JSON_DEPTH}
    # 32 levels are fine (the body is then not an object: 422, from the parser's result).
    limit = input_rules.MAX_JSON_DEPTH
    within = "[" * limit + "]" * limit
    assert client.post(f"{API}/clauses/{scene['clause_id']}/comments", data=within,
                       content_type="application/json",
                       headers=api_token("aus")).status_code == 422
    beyond = "[" * (limit + 1) + "]" * (limit + 1)
    assert client.post(f"{API}/clauses/{scene['clause_id']}/comments", data=beyond,
                       content_type="application/json",
                       headers=api_token("aus")).status_code == 400


def test_the_surrogate_error_names_the_field(client, scene, api_token):
    response = client.post(f"{API}/clauses/{scene['clause_id']}/comments",
                           data=b'{"body": "ok \\ud800"}', content_type="application/json",
                           headers=api_token("aus"))
    _assert_json_error(response, (422,), "surrogate")
    assert response.get_json()["error"]["details"] == {"field": "body"}
    assert "lone surrogate (U+D800)" in response.get_json()["error"]["message"]


def test_a_utf8_byte_order_mark_is_accepted(client, scene, api_token):
    before = _counts()
    response = client.post(f"{API}/clauses/{scene['clause_id']}/comments",
                           data=b"\xef\xbb\xbf" + json.dumps({"body": "With a BOM."}).encode(),
                           content_type="application/json; charset=UTF-8",
                           headers=api_token("aus"))
    assert response.status_code == 201, response.data[:300]
    assert response.get_json()["body"] == "With a BOM."
    assert _counts()[2] == before[2] + 1


def test_tabs_and_line_breaks_stay_allowed_in_text(client, scene, api_token):
    response = client.post(f"{API}/clauses/{scene['clause_id']}/comments",
                           data=json.dumps({"body": "Line one\r\n\tline two"}),
                           content_type="application/json", headers=api_token("aus"))
    assert response.status_code == 201, response.data[:300]


# --- sizes of bodies and lists -----------------------------------------------------------------

def test_the_largest_id_list_under_the_body_limit_is_refused_unparsed(app, client, scene,
                                                                      api_token, monkeypatch):
    limit = app.config["MAX_CONTENT_LENGTH"]
    ids = b"1," * ((limit - 64) // 2)  # about 4 million ids, just under the request limit
    body = b'{"proposal_ids": [' + ids + b'1]}'
    assert len(body) <= limit
    headers = api_token("aus")
    before = _counts()
    with monkeypatch.context() as patched:  # no millions of objects built
        patched.setattr(api_module, "json", SimpleNamespace(loads=_must_not_parse))
        response = client.post(f"{API}/documents/{scene['document_id']}/drafts/submit",
                               data=body, content_type="application/json", headers=headers)
    _assert_json_error(response, (413,), "huge list")
    assert _counts() == before


def test_a_list_under_the_json_size_but_over_the_item_caps_is_refused(client, scene, api_token,
                                                                     monkeypatch):
    headers = api_token("aus")
    url = f"{API}/documents/{scene['document_id']}/drafts/submit"
    too_many_values = {"proposal_ids": [1] * (input_rules.MAX_JSON_ITEMS + 1)}
    with monkeypatch.context() as patched:  # counted before parsing
        patched.setattr(api_module, "json", SimpleNamespace(loads=_must_not_parse))
        response = client.post(url, json=too_many_values, headers=headers)
    _assert_json_error(response, (413,), "values")
    assert response.get_json()["error"]["details"] == {"max_items": input_rules.MAX_JSON_ITEMS}
    too_long = {"proposal_ids": [1] * (input_rules.MAX_LIST_ITEMS + 1)}
    response = client.post(url, json=too_long, headers=headers)
    _assert_json_error(response, (422,), "list")
    assert response.get_json()["error"]["details"] == {
        "field": "proposal_ids", "max_items": input_rules.MAX_LIST_ITEMS}
    from drafting.web.api_audit import MAX_IDS_PER_REQUEST
    response = client.post(url, json={"proposal_ids": list(range(1, MAX_IDS_PER_REQUEST + 2))},
                           headers=headers)
    _assert_json_error(response, (422,), "ids")
    assert response.get_json()["error"]["code"] == "too_many_items"
    # The cap counts different ids: the same ids twice over stay within it.
    twice = client.post(url, json={"proposal_ids": list(range(1, MAX_IDS_PER_REQUEST + 1)) * 2},
                        headers=headers)
    assert twice.get_json()["error"]["code"] != "too_many_items"


def test_repeated_ids_are_collapsed(client, world, scene, api_token):
    draft = proposal_service.submit_proposal(
        world.user("aus"), world.document, "amend", clause=world.clauses[3],
        text="We encourage economies to cooperate on marine debris.", draft=True)
    db.session.commit()
    response = client.post(f"{API}/documents/{scene['document_id']}/drafts/submit",
                           json={"proposal_ids": [draft.id, draft.id, draft.id]},
                           headers=api_token("aus"))
    assert response.status_code == 200, response.data[:300]
    assert [p["id"] for p in response.get_json()["proposals"]] == [draft.id]


def test_a_json_body_over_its_own_limit_is_413(app, client, scene, api_token):
    limit = app.config["MAX_JSON_BODY_BYTES"]
    body = json.dumps({"body": "x" * limit})
    response = client.post(f"{API}/clauses/{scene['clause_id']}/comments", data=body,
                           content_type="application/json", headers=api_token("aus"))
    _assert_json_error(response, (413,), "json size")


def test_a_chunked_body_over_the_request_limit_is_413(app, client, scene, api_token):
    limit = app.config["MAX_CONTENT_LENGTH"]
    headers = api_token("aus")
    before = _counts()
    # No Content-Length: the server reads the stream (chunked, as gunicorn passes it on) and
    # must stop at the limit.
    response = client.post(
        f"{API}/clauses/{scene['clause_id']}/comments",
        input_stream=io.BytesIO(b'{"body": "' + b"x" * (limit + 10) + b'"}'),
        content_type="application/json",
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    _assert_json_error(response, (413,), "chunked")
    assert _counts() == before


# --- ids written in other digits ----------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_full_width_digit_ids_in_paths_queries_and_bodies_are_refused(client, scene, api_token):
    headers, delegate = api_token("secretariat"), api_token("aus")
    wide = {key: str(value).translate(FULL_WIDTH) for key, value in scene.items()}
    for path in (f"{API}/documents/{wide['document_id']}", f"{API}/clauses/{wide['clause_id']}",
                 f"{API}/proposals/{wide['proposal_id']}"):
        response = client.get(path, headers=headers)
        _assert_json_error(response, (404,), path)
    before = _counts()
    response = client.post(f"{API}/proposals/{wide['proposal_id']}/withdraw", headers=headers)
    _assert_json_error(response, (404,), "withdraw")
    for query in ({"document_id": wide["document_id"]}, {"clause_id": wide["clause_id"]},
                  {"page": "２"}, {"document_id": "²"}, {"page": "٣"}):
        response = client.get(f"{API}/audit", query_string=query, headers=headers)
        _assert_json_error(response, (422,), query)
        assert response.get_json()["error"]["details"] == {"field": next(iter(query))}
    response = client.put(f"{API}/documents/{scene['document_id']}/screen",
                          json={"clause_id": wide["clause_id"]}, headers=headers)
    _assert_json_error(response, (422,), "screen")
    response = client.post(f"{API}/documents/{scene['document_id']}/proposals",
                           json={"action": "amend", "clause_id": wide["clause_id"],
                                 "text": "New."}, headers=delegate)
    _assert_json_error(response, (422,), "body id")
    response = client.get(f"{API}/documents/{scene['document_id']}/revisions/"
                          f"{wide['document_id']}", headers=headers)
    assert response.status_code in (404, 422), response.status_code
    assert _counts() == before


def test_full_width_ids_in_page_forms_and_queries_are_refused(client, world, scene):
    login(client, "secretariat")
    wide_clause = str(scene["clause_id"]).translate(FULL_WIDTH)
    assert client.get(f"/documents/{str(scene['document_id']).translate(FULL_WIDTH)}"
                      ).status_code == 404
    assert client.get("/audit", query_string={"document_id": "１"}).status_code == 422
    assert client.get(f"/documents/{scene['document_id']}/audit",
                      query_string={"clause_id": wide_clause}).status_code == 422
    before = _counts()
    response = client.post(f"/proposals/{scene['proposal_id']}/decide",
                           data={"decision": "accept", "expected_version": "１"})
    assert response.status_code in (400, 422), response.status_code
    response = client.post(f"/documents/{scene['document_id']}/chair-statement",
                           data={"clause_id": wide_clause})
    assert response.status_code == 400, response.status_code
    response = client.post(f"/documents/{scene['document_id']}/chair-statement",
                           data={"clause_id": "²"})
    assert response.status_code == 400, response.status_code
    assert _counts() == before


# --- control characters and surrogates in forms and queries -------------------------------------

def test_page_forms_with_control_characters_answer_a_friendly_422(client, world, scene):
    login(client, "aus")
    before = _counts()
    for hostile in ("\x00", "\x07", "\x85", "\x7f"):
        response = client.post(f"/documents/{scene['document_id']}/proposals",
                               data={"action": "amend", "clause_id": str(scene["clause_id"]),
                                     "text": f"We will{hostile} reduce.", "rationale": "Why."})
        assert response.status_code == 422, (hostile, response.status_code)
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert "text contains control characters that are not allowed" in page
        assert 'class="field-error" id="text-error"' in page  # the form again, beside the field
        assert "Traceback" not in page
        response = client.post("/comments", data={"clause_id": str(scene["clause_id"]),
                                                   "body": f"A{hostile}remark"})
        assert response.status_code == 422, (hostile, response.status_code)
        # Not free text (an id, a choice): refused before the view, as an error page.
        response = client.post(f"/documents/{scene['document_id']}/proposals",
                               data={"action": f"amend{hostile}",
                                     "clause_id": f"{scene['clause_id']}{hostile}",
                                     "text": "We will reduce.", "rationale": "Why."})
        assert response.status_code == 422 and response.mimetype == "text/html"
        assert "contains control characters that are not allowed" in response.get_data(True)
    assert _counts() == before
    client.post("/logout")
    response = client.post("/login", data={"username": "aus\x00", "password": "x"})
    assert response.status_code == 422


def test_a_lone_surrogate_in_a_form_never_reaches_the_view(client, world, scene):
    """A form cannot carry a lone surrogate: its UTF-8-like bytes (ED A0 80) are invalid UTF-8,
    which Werkzeug keeps as the literal escape (URL-encoded forms) or replaces by U+FFFD
    (multipart). Either way the answer is no 500 and no surrogate is stored."""
    login(client, "aus")
    url_encoded = f"clause_id={scene['clause_id']}&body=%ED%A0%80".encode()
    response = client.post("/comments", data=url_encoded,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    boundary = "hostile"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"clause_id\"\r\n\r\n"
                 f"{scene['clause_id']}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                 f"name=\"body\"\r\n\r\n").encode() + b"raw \xed\xa0\x80 bytes" + (
                     f"\r\n--{boundary}--\r\n").encode()
    response = client.post("/comments", data=multipart,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code < 500
    for body in db.session.execute(select(Comment.body)).scalars():
        assert input_rules.forbidden_character(body) is None, repr(body)


def test_query_strings_with_nul_are_refused_on_pages_and_api(client, world, scene, api_token):
    response = client.get(f"{API}/documents/{scene['document_id']}/proposals?status=%00open",
                          headers=api_token("aus"))
    _assert_json_error(response, (422,), "query")
    assert response.get_json()["error"]["details"] == {"field": "status"}
    login(client, "secretariat")
    response = client.get("/audit?kind=%00")
    assert response.status_code == 422 and response.mimetype == "text/html"
    response = client.get("/login?next=/%00")
    assert response.status_code == 422


# --- protocol headers on errors ----------------------------------------------------------------

def test_every_405_carries_allow(app, client, scene, api_token):
    headers = api_token("secretariat")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        unused = sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - set(rule.methods))
        if not unused:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(scene.get(name, 1)), path)
        response = client.open(path, method=unused[0], headers=headers)
        if response.status_code != 405:
            continue  # another rule serves that method at this path
        checked += 1
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        assert allowed and allowed <= {"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH",
                                       "DELETE"}, (path, response.headers)
        assert unused[0] not in allowed
    assert checked > 20
    response = client.delete(f"{API}/documents", headers=headers)
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert {"GET", "HEAD"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_readyz_503_carries_retry_after(app, client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("the database is gone")

    with monkeypatch.context() as patched:  # undone before the fixtures clean the tables
        patched.setattr(db.session, "execute", unreachable)
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"


@pytest.mark.own_app
def test_a_domain_503_carries_retry_after(app, client, world, api_token):
    from drafting.services.export_files import ExportUnavailable

    def unavailable():
        raise ExportUnavailable("PDF needs Pango.")

    app.add_url_rule(f"{API}/_unavailable", "api_unavailable", unavailable)
    app.add_url_rule("/_unavailable", "page_unavailable", unavailable)
    for path, headers in ((f"{API}/_unavailable", api_token("aus")), ("/_unavailable", {})):
        response = client.get(path, headers=headers)
        assert response.status_code == 503 and response.headers["Retry-After"] == "10", path
