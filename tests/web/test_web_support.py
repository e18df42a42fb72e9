"""Shared helpers for the web tests (this module holds no tests of its own).

Request isolation (a clean `g` and a rolled-back session per request) is installed by the
`app` fixture in tests/conftest.py; `install_request_isolation` is re-exported for tests that
build an app of their own.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import lxml.html
import pytest
from sqlalchemy import select, text

from drafting.extensions import db
from tests.conftest import isolate_requests
from drafting.services import comments as comment_service
from drafting.services import decisions
from drafting.services import proposals as proposal_service

# Tables whose committed content a refused request must leave untouched.
WATCHED_TABLES = ("proposals", "cosponsorships", "comments", "clause_versions", "clauses",
                  "proposal_updates", "audit_events", "users")


install_request_isolation = isolate_requests


@pytest.fixture
def isolated_requests(app):
    """Kept for the modules that name it; the `app` fixture already isolates requests."""
    yield


def committed_rows(tables: Iterable[str] = WATCHED_TABLES) -> dict[str, list[tuple]]:
    """Every committed row of `tables`, read on a connection of its own."""
    snapshot = {}
    with db.engine.connect() as conn:
        for table in tables:
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            snapshot[table] = sorted((tuple(r) for r in rows), key=repr)
    return snapshot


def committed_count(table: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()


def page(response):
    return lxml.html.fromstring(response.data)


def text_of(response) -> str:
    """The visible text of a page, whitespace collapsed."""
    return " ".join(page(response).text_content().split())


def confirmation_form(response) -> tuple[str, list[tuple[str, str]]]:
    """(action, fields) of the confirm form on a confirmation page (web/confirming.py): the
    hidden inputs, `confirmed=1` among them, as the browser would send them."""
    forms = page(response).xpath("//form[contains(concat(' ', @class, ' '), ' confirm-form ')]")
    assert len(forms) == 1, "not a confirmation page"
    fields = [(i.get("name"), i.get("value") or "") for i in forms[0].xpath(".//input[@name]")]
    assert ("confirmed", "1") in fields
    return forms[0].get("action"), fields


def confirm(client, response, **headers):
    """Press the confirm button of the confirmation page `response`."""
    action, fields = confirmation_form(response)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(action, data=data, headers=headers)


def form_token(response) -> str:
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', response.data) or \
        re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', response.data)
    assert match, "no csrf_token in the page"
    return match.group(1).decode()


def propose(world, username, clause_index, text="", action="amend", rationale=""):
    """Submit a proposal through the service and commit (set-up, not under test)."""
    actor = world.user(username)
    clause = world.clauses[clause_index]
    kwargs = {"after_clause": clause} if action == "insert" else {"clause": clause}
    proposal = proposal_service.submit_proposal(actor, world.document, action, text=text,
                                                rationale=rationale, **kwargs)
    db.session.commit()
    return proposal


def decide(world, proposal, decision="accept", text=None, note=""):
    clause = proposal.clause
    if decision == "accept" and text is not None:
        decision = "modify"  # an acceptance with other wording is the explicit "modify"
    decisions.decide_proposal(world.user("secretariat"), proposal, decision,
                              expected_version=clause.version if clause else 0,
                              expected_text_version=proposal.text_version,
                              text=text, note=note)
    db.session.commit()
    return proposal


def comment(world, username, *, clause_index=None, proposal=None, parent=None, body="A remark."):
    made = comment_service.add_comment(
        world.user(username),
        clause=world.clauses[clause_index] if clause_index is not None else None,
        proposal=proposal, parent=parent, body=body)
    db.session.commit()
    return made


def user_id(username: str) -> int:
    from drafting.models import User
    return db.session.execute(select(User.id).where(User.username == username)).scalar_one()


__all__ = ["WATCHED_TABLES", "comment", "committed_count", "committed_rows", "decide",
           "form_token", "install_request_isolation", "isolated_requests", "page", "propose", "text_of", "user_id"]
