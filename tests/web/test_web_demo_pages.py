"""Every page of the full demo negotiation renders for every role (no 500s, right refusals)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import Clause, Comment, Document, Proposal
from tests.factories import login
from tests.web.test_web_support import isolated_requests, page

_ = isolated_requests

ROLES = ["secretariat", "observer", "admin", "aus", "usa", "vn"]


def _demo_paths():
    document = db.session.execute(select(Document)).scalar_one()
    clauses = db.session.execute(select(Clause.id).order_by(Clause.id)).scalars().all()
    proposals = db.session.execute(select(Proposal).order_by(Proposal.seq)).scalars().all()
    return document, clauses, proposals


@pytest.mark.parametrize("role", ROLES)
def test_every_demo_page_renders_for_every_role(client, demo, role):
    document, clauses, proposals = _demo_paths()
    user_economy = None if role in ("observer", "admin", "secretariat") else role.upper()
    login(client, role)
    expectations = {
        "/documents": 200,
        f"/documents/{document.id}": 200,
        f"/documents/{document.id}?view=changes": 200,
        f"/documents/{document.id}?view=clean": 200,
        f"/documents/{document.id}/desk": 200 if role == "secretariat" else 403,
        f"/documents/{document.id}/propose": 200 if user_economy else 403,
        "/account": 200,
        "/admin/users": 200 if role == "admin" else 403,
        "/economies.css": 200,
    }
    for action in ("amend", "insert", "delete"):
        key = "clause_id" if action != "insert" else "after"
        expectations[f"/documents/{document.id}/propose?action={action}&{key}={clauses[2]}"] = \
            200 if user_economy else 403
    for clause_id in clauses:
        expectations[f"/clauses/{clause_id}"] = 200
    for proposal in proposals:
        expectations[f"/proposals/{proposal.id}"] = 200
        own = user_economy is not None and proposal.economy.code == user_economy
        expectations[f"/proposals/{proposal.id}/revise"] = 200 if own else 403
    failures = []
    for path, status in expectations.items():
        response = client.get(path)
        if response.status_code != status:
            failures.append((path, response.status_code, status))
    assert not failures, failures


def test_demo_document_page_is_complete(client, demo):
    document, clauses, proposals = _demo_paths()
    login(client, "observer")
    tree = page(client.get(f"/documents/{document.id}"))
    numbers = tree.xpath("//div[@class='clause-number']/a/text()")
    assert len(numbers) == len(set(numbers))
    pp = [n for n in numbers if n.startswith("PP")]
    op = [n for n in numbers if n.startswith("OP")]
    assert pp == [f"PP{i}" for i in range(1, len(pp) + 1)]
    assert op == [f"OP{i}" for i in range(1, len(op) + 1)]
    assert len(tree.xpath("//section[@class='doc-section']")) == 6
    changes = page(client.get(f"/documents/{document.id}?view=changes"))
    # Inline where a clause has one proposal, as alternatives where it has several.
    economies = {c.split("econ-", 1)[1] for c in changes.xpath(
        "//p[@class='clause-text' or @class='redline']//ins/@class"
        " | //p[@class='clause-text' or @class='redline']//del/@class") if "econ-" in c}
    open_codes = {p.economy.code.lower() for p in proposals
                  if p.status is ProposalStatus.OPEN and not p.in_conflict
                  and p.action.value != "insert"}
    assert open_codes <= economies


def test_demo_desk_shows_every_open_proposal(client, demo):
    document, _, proposals = _demo_paths()
    login(client, "secretariat")
    tree = page(client.get(f"/documents/{document.id}/desk"))
    shown = {int(i.split("-")[1]) for i in
             tree.xpath("//section[@class='desk-group']//article[@class='proposal-card']/@id")}
    assert shown == {p.id for p in proposals if p.status is ProposalStatus.OPEN}


def test_demo_clause_pages_show_their_comments(client, demo):
    login(client, "aus")
    comments = db.session.execute(
        select(Comment).where(Comment.proposal_id.is_(None), Comment.clause_id.is_not(None))
    ).scalars().all()
    assert comments
    for c in comments:
        tree = page(client.get(f"/clauses/{c.clause_id}"))
        assert tree.xpath(f"//article[@id='comment-{c.id}']"), c.id
