"""GET /api/v1/documents/<id> tells a Chair's statement from a statement: its kind, its source,
whether it is open for comment, and each moved paragraph's former number."""
from __future__ import annotations

import json

from drafting.extensions import db
from drafting.services import chair_statement
from tests.api.test_openapi import _validator, spec_once
from tests.consensus.test_api import call  # noqa: F401 - fixture


def test_document_answer_names_kind_source_comment_state_and_former_numbers(call, world):
    moved = chair_statement.create_chair_statement(
        world.user("secretariat"), world.document, [world.clauses[1].id, world.clauses[2].id])
    db.session.commit()
    chair = moved.document
    statement = call("GET", f"/documents/{world.document.id}", "aus")
    assert (statement["kind"], statement["parent_document_id"],
            statement["open_for_comment"]) == ("statement", None, False)
    assert {c["formerly"] for c in statement["clauses"]} == {None}
    answer = call("GET", f"/documents/{chair.id}", "aus")
    assert (answer["kind"], answer["parent_document_id"], answer["open_for_comment"]) == (
        "chair_statement", world.document.id, False)
    assert [c["formerly"] for c in answer["clauses"]] == ["PP2", "OP1"]
    call("POST", f"/documents/{chair.id}/open-for-comment", "secretariat", {"open": True})
    assert call("GET", f"/documents/{chair.id}", "observer")["open_for_comment"] is True
    spec = spec_once()
    validator = _validator(json.dumps(spec["components"]["schemas"]["Document"]),
                           json.dumps(spec["components"]))
    for body in (statement, answer):
        validator.validate(body)
