"""The OpenAPI 3.1 description of the JSON API under /api/v1, built from one table.

OPERATIONS (drafting/web/openapi_operations.py) is THE statement of the API's contract: one
entry per (method, path), naming the Flask endpoint that serves it, its query parameters, its
request body and every status it answers with its JSON schema (drafting/web/openapi_schemas.py).
`build_spec()` here turns them into the document served at GET /api/v1/openapi.json.

It cannot drift from the code unnoticed:
- tests/api/test_openapi.py compares OPERATIONS with the /api/v1 rules of the URL map both
  ways (a route without an entry here, an entry without a route, a different endpoint);
- path parameters are derived from the path (every one is an `<int:…>` in Flask);
- enums (stages, statuses, stances …) are read from drafting.domain.states;
- response schemas forbid undeclared fields, and tests/api/test_schemathesis.py plus the
  scripted walk in test_openapi.py check real answers against them.

A new /api/v1 route needs its entry in OPERATIONS (and its schemas in SCHEMAS) before CI passes.
"""
from __future__ import annotations

import re

from flask import jsonify

from drafting.web.api import bp
from drafting.web.openapi_operations import OPERATIONS, Operation
from drafting.web.openapi_schemas import (ALWAYS, ERRORS, INTEGER, RATE_LIMITED, SCHEMAS,
                                          ref)
from drafting.web.rate_limits import WRITE_METHODS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0"
BASE_PATH = "/api/v1"

# --- building the document ---------------------------------------------------------------------

_PATH_PARAMETER = re.compile(r"{([a-z_]+)}")


def _error_response(status: int) -> dict:
    return {"$ref": f"#/components/responses/E{status}"}


def _json(schema_name: str) -> dict:
    return {"application/json": {"schema": ref(schema_name)}}


def _headers(status: int) -> dict:
    """The Retry-After of a 429."""
    if status != RATE_LIMITED:
        return {}
    return {"headers": {"Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1}}}}


def _operation_object(method: str, path: str, operation: Operation) -> dict:
    endpoint = operation.endpoint.removeprefix("api.")
    same_endpoint = [m for (m, _), o in OPERATIONS.items() if o.endpoint == operation.endpoint]
    operation_id = endpoint if len(same_endpoint) == 1 else f"{endpoint}_{method.lower()}"
    parameters = [{"name": name, "in": "path", "required": True, "schema": INTEGER}
                  for name in _PATH_PARAMETER.findall(path)]
    parameters += [{"name": p.name, "in": "query", "required": False, "schema": p.schema,
                    **({"description": p.description} if p.description else {})}
                   for p in operation.query]
    responses: dict[str, dict] = {}
    if operation.answer is not None:
        responses[str(operation.ok)] = {"description": operation.summary,
                                        "content": _json(operation.answer)}
    else:
        responses[str(operation.ok)] = {"description": operation.summary,
                                        "content": operation.content}
    for status, (schema_name, why) in operation.also.items():
        responses[str(status)] = {"description": why, **(
            {"content": _json(schema_name)} if schema_name else {})}
    # A query parameter holding a control character or lone surrogate is refused with 422
    # (drafting/web/input_guard.py), whatever the operation does with it.
    with_query = (422,) if operation.query else ()
    writes = (RATE_LIMITED,) if method in WRITE_METHODS else ()
    for status in sorted({*operation.errors, *ALWAYS, *with_query, *writes}):
        responses[str(status)] = _error_response(status)
    spec = {"operationId": operation_id, "summary": operation.summary,
            "x-flask-endpoint": operation.endpoint}
    if operation.description:
        spec["description"] = operation.description
    if parameters:
        spec["parameters"] = parameters
    if operation.json is not None or operation.multipart is not None:
        content = {}
        if operation.json is not None:
            content["application/json"] = {"schema": operation.json}
        if operation.multipart is not None:
            content["multipart/form-data"] = {"schema": operation.multipart}
        spec["requestBody"] = {"required": operation.json_required, "content": content}
    spec["responses"] = dict(sorted(responses.items()))
    return spec


def build_spec() -> dict:
    """The OpenAPI document (a fresh dict each call)."""
    paths: dict[str, dict] = {}
    for (method, path), operation in sorted(OPERATIONS.items(), key=lambda kv: kv[0][1]):
        paths.setdefault(path, {})[method.lower()] = _operation_object(method, path, operation)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Drafting API",
            "version": API_VERSION,
            "description": "Collaborative drafting of a negotiated statement: documents, "
                           "clauses, proposals, positions, revisions and workflow. See "
                           "docs/api.md. Every error answers the `Error` shape.",
        },
        "servers": [{"url": BASE_PATH}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A token from `flask issue-token USERNAME` or the Account page."}},
            "schemas": SCHEMAS,
            "responses": {f"E{status}": {"description": why, "content": _json("Error"),
                                         **_headers(status)}
                          for status, why in ERRORS.items()},
        },
    }


@bp.get("/openapi.json")
def openapi():
    """This API's OpenAPI document (authenticated like every /api/v1 request).

    The server URL stays relative ("/api/v1"): clients resolve it against where they fetched
    the document, which is right behind any proxy."""
    return jsonify(build_spec())
