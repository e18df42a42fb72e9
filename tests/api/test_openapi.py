"""The OpenAPI document of /api/v1 (drafting/web/openapi.py) against the code.

- Drift, both ways: every /api/v1 rule of the URL map (endpoint × method) is described in
  OPERATIONS, and every entry of OPERATIONS has its route, served by the endpoint it names.
- The document is valid OpenAPI 3.1, every $ref resolves, every named schema is used, and it is
  what GET /api/v1/openapi.json serves (to a token holder only).
- Real answers match it: every API route of the authorisation matrix
  (tests/security/test_authorisation_matrix.py: a working request per route, in the state it
  needs) is sent as every role, and each answer — the allowed ones and the refusals — must have
  a documented status, the documented content type and a body valid against its schema.
  tests/api/test_schemathesis.py adds generated requests on top.
"""
from __future__ import annotations

import inspect
import json
import re
from functools import lru_cache

import jsonschema_rs
import pytest
import schemathesis
from werkzeug.routing import IntegerConverter

from drafting.web.openapi import BASE_PATH, ERRORS, OPERATIONS, SCHEMAS, build_spec
from tests.security.scene import build_scene, prepare
from tests.security.test_authorisation_matrix import MATRIX, ROLES, Check, _send

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def api_routes(app) -> dict[tuple[str, str], str]:
    """(METHOD, OpenAPI path relative to /api/v1) → endpoint, for every /api/v1 rule."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(BASE_PATH + "/"):
            continue
        path = rule.rule.removeprefix(BASE_PATH)
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", f"{{{name}}}")
        for method in rule.methods - IGNORED_METHODS:
            routes[(method, path)] = rule.endpoint
    return routes


def test_every_api_route_is_described(app):
    """A route added under /api/v1 needs its entry in drafting/web/openapi_operations.py OPERATIONS."""
    missing = sorted(set(api_routes(app)) - set(OPERATIONS))
    assert not missing, (
        "These /api/v1 routes are not in the OpenAPI document. Add an Operation for each to "
        "OPERATIONS in drafting/web/openapi_operations.py (endpoint, summary, success status and schema "
        "name, error statuses, query parameters, request body), and its answer's schema to "
        "SCHEMAS:\n" + "\n".join(f"  {m} {p}  (endpoint {api_routes(app)[(m, p)]})"
                                 for m, p in missing))


def test_every_description_has_its_route(app):
    """An entry of OPERATIONS without a route (renamed or removed) fails, naming it."""
    routes = api_routes(app)
    stale = sorted(set(OPERATIONS) - set(routes))
    assert not stale, ("OPERATIONS in drafting/web/openapi_operations.py describes routes the app does "
                       "not have: " + ", ".join(f"{m} {p}" for m, p in stale))
    wrong = sorted(f"{m} {p}: described as {OPERATIONS[m, p].endpoint}, served by "
                   f"{routes[m, p]}" for m, p in OPERATIONS if OPERATIONS[m, p].endpoint !=
                   routes[m, p])
    assert not wrong, "Endpoints differ:\n" + "\n".join(wrong)


def test_path_parameters_are_the_integers_the_document_says(app):
    """The document describes every path parameter as an integer: Flask must agree."""
    others = sorted(f"{rule.rule}: {name} ({type(converter).__name__})"
                    for rule in app.url_map.iter_rules() if rule.rule.startswith(BASE_PATH)
                    for name, converter in rule._converters.items()  # noqa: SLF001
                    if not isinstance(converter, IntegerConverter))
    assert not others, ("drafting/web/openapi_operations.py describes path parameters as integers only; "
                        "extend _operation_object for: " + ", ".join(others))


def test_the_document_is_valid_openapi_and_self_contained():
    spec = build_spec()
    loaded = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in loaded.get_all_operations()]  # raises if invalid
    assert len(operations) == len(OPERATIONS)
    assert spec["openapi"].startswith("3.1")
    text = json.dumps(spec)
    refs = {part.split('"')[0] for part in text.split('"$ref": "')[1:]}
    for target in refs:
        node = spec
        for key in target.removeprefix("#/").split("/"):
            assert key in node, f"unresolved $ref {target}"
            node = node[key]
    unused = sorted(name for name in SCHEMAS if f"#/components/schemas/{name}" not in refs)
    assert not unused, f"schemas described but never used: {unused}"
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            assert "401" in operation["responses"], (method, path)
            assert operation["security"] if "security" in operation else spec["security"]
            ids = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            assert ids == [part[1:-1] for part in path.split("/") if part.startswith("{")]


def test_every_error_has_one_shape():
    """Every error status of every operation points to the one Error schema."""
    spec = build_spec()
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for status in ERRORS:
        content = spec["components"]["responses"][f"E{status}"]["content"]
        assert content == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in spec["paths"].values():
        for operation in methods.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response == {"$ref": f"#/components/responses/E{status}"}


def test_the_document_is_served_to_token_holders_only(client, world, api_token):
    served = client.get(f"{BASE_PATH}/openapi.json", headers=api_token("observer"))
    assert served.status_code == 200 and served.mimetype == "application/json"
    assert served.get_json() == json.loads(json.dumps(build_spec()))
    refused = client.get(f"{BASE_PATH}/openapi.json")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "not_authenticated"
    assert_matches_spec(build_spec(), "GET", "/openapi.json", served)
    assert_matches_spec(build_spec(), "GET", "/openapi.json", refused)


# --- real answers against the document ------------------------------------------------------------

def _response_spec(spec: dict, method: str, path: str, status: int) -> dict:
    operation = spec["paths"][path][method.lower()]
    assert str(status) in operation["responses"], (
        f"{method} {path} answered {status}, which the document does not list "
        f"({', '.join(operation['responses'])}): add it to its Operation in "
        "drafting/web/openapi_operations.py, or fix the route")
    response = operation["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


@lru_cache(maxsize=None)
def _validator(schema: str, components: str):
    document = {**json.loads(schema), "components": json.loads(components),
                "$schema": "https://json-schema.org/draft/2020-12/schema"}
    return jsonschema_rs.validator_for(document, validate_formats=True)


@lru_cache(maxsize=1)
def spec_once() -> dict:
    return build_spec()


def assert_matches_spec(spec: dict, method: str, path: str, response) -> None:
    """The response of `method path` (an OpenAPI path) has a documented status, content type
    and, for JSON, a body valid against its schema (date-time formats checked too)."""
    described = _response_spec(spec, method, path, response.status_code)
    content = described.get("content")
    if not content:
        assert not response.data, f"{method} {path}: {response.status_code} has no body"
        return
    assert response.mimetype in content, (
        f"{method} {path} answered {response.mimetype}, documented {sorted(content)}")
    if response.mimetype != "application/json":
        return
    validator = _validator(json.dumps(content["application/json"]["schema"]),
                           json.dumps(spec["components"]))
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"
              for e in validator.iter_errors(response.get_json())]
    assert not errors, (f"{method} {path} → {response.status_code} does not match the "
                        "document:\n  " + "\n  ".join(errors[:10]))


API_ROUTES = [(endpoint, method, route) for endpoint, methods in MATRIX.items()
              if endpoint.startswith("api.") for method, route in methods.items()]


@pytest.mark.parametrize("endpoint,method,route", API_ROUTES,
                         ids=[f"{e} {m}" for e, m, _ in API_ROUTES])
def test_answers_of_the_matrix_requests_match_the_document(app, world, api_token, endpoint,
                                                           method, route):
    """Each role's answer to the matrix's working request, for each variant of its object."""
    spec = spec_once()
    described = {o.endpoint: path for (m, path), o in OPERATIONS.items() if m == method}
    assert endpoint in described, f"{method} {endpoint} is not in the OpenAPI document"
    path = described[endpoint]
    scene = build_scene(world)
    prepare(scene, route.setup)
    headers = {role: api_token(role) if role != "anonymous" else {} for role in ROLES}
    checks = [Check(endpoint, method, variant, role, route)
              for variant in route.expect for role in ROLES]
    # Refusals first (they change nothing), then the allowed requests.
    checks.sort(key=lambda c: c.expected == "A")
    seen = set()
    for check in checks:
        response = _send(app.test_client(), headers[check.role], check, scene)
        assert_matches_spec(spec, method, path, response)
        seen.add(response.status_code)
    assert any(200 <= s < 300 for s in seen), f"no success answer was checked: {seen}"


def test_the_checker_refuses_what_the_document_does_not_say(app):
    """assert_matches_spec is not a rubber stamp: an undocumented field, a missing one, a
    wrong type, an undocumented status or content type each fail it."""
    from flask import Response

    spec = spec_once()
    good = {"documents": [{"id": 1, "title": "T", "symbol": "S", "stage": "negotiation"}]}

    def answer(payload, status=200, mimetype="application/json"):
        return Response(json.dumps(payload), status=status, mimetype=mimetype)

    assert_matches_spec(spec, "GET", "/documents", answer(good))
    for bad in ({"documents": [{**good["documents"][0], "extra": 1}]},
                {"documents": [{"id": 1, "title": "T", "symbol": "S"}]},
                {"documents": [{**good["documents"][0], "id": "1"}]},
                {"documents": [{**good["documents"][0], "stage": "unheard_of"}]}):
        with pytest.raises(AssertionError, match="does not match"):
            assert_matches_spec(spec, "GET", "/documents", answer(bad))
    with pytest.raises(AssertionError, match="does not list"):
        assert_matches_spec(spec, "GET", "/documents", answer(good, status=409))
    with pytest.raises(AssertionError, match="documented"):
        assert_matches_spec(spec, "GET", "/documents", answer(good, mimetype="text/html"))
    with pytest.raises(AssertionError, match="does not match"):
        assert_matches_spec(spec, "GET", "/documents",
                            answer({"error": {"code": "x", "message": "y"}, "more": 1}, 401))


# --- what the views read, against what the document describes ---------------------------------

_READS_BODY = re.compile(r"_payload\(\)|request\.files|request\.form")
_BODY_FIELD = re.compile(r"""(?:_string|_optional_id|_optional_int|_id_list)\(data, "(\w+)"|"""
                         r"""data\.get\("(\w+)"|"(\w+)" (?:not )?in data""")
_QUERY_FIELD = re.compile(r"""request\.args\.get\("(\w+)"|_query_int\("(\w+)"|"""
                          r"""_query_text\("(\w+)\"""")


def _view_source(app, endpoint: str) -> str:
    return inspect.getsource(app.view_functions[endpoint])


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids=[f"{m} {p}" for m, p in sorted(OPERATIONS)])
def test_the_document_describes_every_input_the_view_reads(app, key):
    """Fields a view reads from the body or the query string are described, and a view that
    reads a body has one described (with 400/413/422); a path with an id answers 404."""
    operation = OPERATIONS[key]
    source = _view_source(app, operation.endpoint)
    body_schema = operation.json or operation.multipart
    if _READS_BODY.search(source):
        assert body_schema is not None, f"{key}: the view reads a body the document omits"
        for status in (400, 413, 422):
            assert status in operation.errors, f"{key}: a body can be refused with {status}"
    if body_schema is not None:
        described = set(operation.json["properties"] if operation.json else ()) | set(
            operation.multipart["properties"] if operation.multipart else ())
        read = {name for match in _BODY_FIELD.findall(source) for name in match if name}
        assert read <= described, f"{key}: body fields read but not described: {read - described}"
    queried = {name for match in _QUERY_FIELD.findall(source) for name in match if name}
    described_query = {p.name for p in operation.query}
    assert queried <= described_query, (
        f"{key}: query parameters read but not described: {queried - described_query}")
    if "{" in key[1]:
        assert 404 in operation.errors, f"{key}: an unknown id answers 404"
