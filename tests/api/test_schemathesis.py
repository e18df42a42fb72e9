"""Schemathesis against the whole /api/v1, in-process, from the OpenAPI document it serves.

For every operation of GET /api/v1/openapi.json, Hypothesis generates requests from the
document — valid ones, sent as the secretariat and as an AUS delegate, and, for operations with
inputs, deliberately invalid ones, sent as one of the two (in turn) — and each answer must pass:

- not_a_server_error: never a 5xx (bad input is a 4xx with the error shape);
- status_code_conformance: the status is one the document lists for the operation;
- content_type_conformance: the Content-Type is the documented one;
- response_schema_conformance: the body matches the documented schema (strict: no
  undocumented field);
- negative_data_rejection: a request the document calls invalid is refused with a 4xx;
- allow_header_conformance: a 405 names the allowed methods in `Allow`.

(positive_data_acceptance is left out on purpose: valid data is often refused for good
reasons here — an AUS delegate may not issue a revision, a generated id names nothing.)

The world is the authorisation matrix's scene (tests/security/scene.py: open proposals and
drafts of two economies, comment threads, notifications) plus a revision, positions and a kept
option, so path ids often name real objects: half of the generated cases get their ids drawn
from the scene's. Writes go through too and change the world as the run goes on; operations
that end the negotiation (stage moves, endorsement, silence) run last so that the others still
find a live document.

Generation is derandomised (same cases every run); the figures are printed at the end, and
docs/api.md records them.
"""
from __future__ import annotations

import os
import time
import traceback
from collections import Counter
from dataclasses import dataclass

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from drafting.extensions import db
from drafting.models import (ClauseVersion, Comment, Document, Notification, Proposal,
                             Revision)
from drafting.services import positions
from drafting.web.openapi import OPERATIONS
from tests.security.scene import build_scene, prepare

CALLERS = ("secretariat", "aus")
# Enough to reach every documented answer of most operations, small enough for about a minute
# on a 2-core machine: ~60 operations × (2 callers for valid data + 1 for invalid data) × 5.
# The release run asks for more (`make fuzz-release`: SCHEMATHESIS_EXAMPLES=100, docs/api.md).
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
CHECK_NAMES = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
               "response_schema_conformance", "negative_data_rejection",
               "allow_header_conformance")
# These end or freeze the negotiation when they succeed; run last.
LAST = ("/documents/{document_id}/silence", "/documents/{document_id}/silence/break",
        "/documents/{document_id}/silence/cancel", "/documents/{document_id}/stage",
        "/documents/{document_id}/endorse", "/documents/{document_id}/chair-statement")


@dataclass
class Failure:
    operation: str
    caller: str
    check: str
    request: str
    detail: str

    def __str__(self) -> str:
        return (f"{self.operation} as {self.caller}: {self.check}\n    {self.request}\n"
                f"    {self.detail[:600]}")


def real_ids() -> dict[str, list[int]]:
    """Ids of the world's objects, by the name of the path parameter that takes them."""
    def ids(model, column=None):
        return list(db.session.execute(db.select(column or model.id)).scalars())

    return {
        "document_id": ids(Document),
        "clause_id": list(db.session.execute(db.select(ClauseVersion.clause_id).distinct())
                          .scalars()),
        "proposal_id": ids(Proposal),
        "comment_id": ids(Comment),
        "notification_id": ids(Notification),
        "number": list(db.session.execute(db.select(Revision.number).distinct()).scalars()),
    }


def _order(operation) -> tuple[int, int, str]:
    method = operation.method.upper()
    return (operation.path in LAST, method != "GET", f"{operation.path} {method}")


def _describe(case, response) -> str:
    body = case.body if not isinstance(case.body, bytes) else f"<{len(case.body)} bytes>"
    return (f"{case.method.upper()} {case.formatted_path} query={case.query!r} "
            f"media_type={case.media_type!r} body={str(body)[:300]} → {response.status_code}")


def _negated_locations(case) -> set[str]:
    """Where a negative case breaks the document's rules ("path", "header", "query", "body")."""
    meta = case.meta
    if meta is None:
        return set()
    return {str(getattr(location, "value", location)) for location, info in
            meta.components.items() if info.mode == GenerationMode.NEGATIVE}


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(world, api_token, app):
    scene = build_scene(world)
    prepare(scene, ["revision", "positions", "cosponsored", "option"])
    positions.set_position(world.user("jpn"), world.clauses[1], "objection",
                           "We cannot accept this wording.")
    db.session.commit()
    headers = {caller: api_token(caller) for caller in CALLERS}
    ids = real_ids()
    db.session.rollback()

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,
                                            headers=headers["secretariat"])
    checks = [getattr(schemathesis.checks, name) for name in CHECK_NAMES]
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)
    only = os.environ.get("SCHEMATHESIS_ONLY")  # e.g. "/documents/import" while debugging
    if only:
        operations = [o for o in operations if only in o.path]

    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    seconds: Counter[str] = Counter()
    failures: dict[tuple[str, str, str], Failure] = {}
    started = time.monotonic()

    def exercise(operation, label: str, mode: GenerationMode, caller: str) -> None:
        """MAX_EXAMPLES generated requests; failures are collected, not raised, so that one
        run reports every failing operation (and Hypothesis does not spend time shrinking)."""
        @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def run(case, data):
            negated = _negated_locations(case)
            if "path" not in negated:  # a real id would undo an invalid one
                for name in case.path_parameters or {}:
                    if ids.get(name) and data.draw(st.booleans(), label=f"real {name}"):
                        case.path_parameters[name] = data.draw(st.sampled_from(ids[name]))
            cases[label] += 1
            try:
                # A case without a valid Authorization header is sent as generated: the
                # caller's token would make it valid again.
                response = case.call(headers=None if "header" in negated else headers[caller])
            except Exception as error:  # noqa: BLE001 - the app raised through the WSGI stack
                failures.setdefault((label, caller, "exception"), Failure(
                    label, caller, "exception", f"{case.method} {case.formatted_path}",
                    "".join(traceback.format_exception(error))[-3000:]))
                db.session.rollback()
                return
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=checks)
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - failed checks
                failures.setdefault((label, caller, type(error).__name__), Failure(
                    label, caller, type(error).__name__, _describe(case, response), str(error)))
            db.session.rollback()

        run()

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        has_inputs = bool(list(operation.iter_parameters())) or bool(operation.body)
        runs = [(GenerationMode.POSITIVE, caller) for caller in CALLERS]
        if has_inputs:  # invalid input must be refused whoever sends it: one caller, in turn
            runs.append((GenerationMode.NEGATIVE, CALLERS[len(seconds) % len(CALLERS)]))
        operation_started = time.monotonic()
        for mode, caller in runs:
            exercise(operation, label, mode, caller)
        seconds[label] = time.monotonic() - operation_started

    elapsed = time.monotonic() - started
    total = sum(cases.values())
    print(f"\nschemathesis: {len(operations)} operations, {total} cases, "
          f"{len(CALLERS)} callers, {elapsed:.0f} s; statuses "
          + ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items())))
    print("slowest: " + ", ".join(f"{k} {v:.1f}s" for k, v in seconds.most_common(8)))
    assert not failures, f"{len(failures)} failing operation/caller pairs:\n" + "\n".join(
        str(f) for f in failures.values())
    # Every operation of the document was exercised (schemathesis leaves out the one that
    # serves the document itself; tests/api/test_openapi.py covers it).
    described = {f"{method} {path}" for method, path in OPERATIONS} - {"GET /openapi.json"}
    if not only:
        assert {label for label, count in cases.items() if count} == described
