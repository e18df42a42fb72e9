"""Shared helpers for the web tests (this module holds no tests of its own).

Why `isolated_requests`: the `app` fixture keeps ONE application context pushed for the whole
test, and Flask reuses an already-pushed context for every test-client request. So `flask.g`
(where Flask-Login caches the current user and Flask-WTF the CSRF token) and the SQLAlchemy
session outlive a request, which production never does: the user of one test client leaks
into the next request of another client, and an uncommitted change of a failed request is
still in the session for the next one. The fixture restores per-request behaviour: a clean
`g` at the start of each request and a rolled-back session at its end.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import lxml.html
import pytest
from flask import g
from sqlalchemy import select, text

from drafting.extensions import db
from drafting.services import comments as comment_service
from drafting.services import decisions
from drafting.services import proposals as proposal_service

# Tables whose committed content a refused request must leave untouched.
WATCHED_TABLES = ("proposals", "cosponsorships", "comments", "clause_versions", "clauses",
                  "proposal_updates", "audit_events", "users")


def install_request_isolation(app) -> None:
    def fresh_globals():
        g.__dict__.clear()

    def discard_uncommitted(exc):
        db.session.rollback()

    app.before_request_funcs.setdefault(None, []).insert(0, fresh_globals)
    app.teardown_request_funcs.setdefault(None, []).append(discard_uncommitted)


@pytest.fixture(autouse=True)
def isolated_requests(app):
    install_request_isolation(app)
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
    decisions.decide_proposal(world.user("secretariat"), proposal, decision,
                              expected_version=clause.version if clause else 0,
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
