"""Small worlds for tests: a few economies, one user per role, a short document."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from drafting.domain.states import Role, SectionKind, Stage
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document, Economy, Section, User
from drafting.services import accounts

PASSWORD = "correct horse battery"

CLAUSE_TEXTS = [
    ("preamble", "Recognising that climate change poses serious risks to the region;"),
    ("preamble", "Recalling the Putrajaya Vision 2040;"),
    ("operative", "We will reduce emissions by 2030 and promote clean energy."),
    ("operative", "We encourage economies to cooperate on marine debris and share best practices."),
]


@dataclass
class World:
    economies: dict[str, Economy] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    document: Document | None = None
    clauses: list[Clause] = field(default_factory=list)

    def user(self, username: str) -> User:
        return db.session.execute(select(User).where(User.username == username)).scalar_one()


def make_economies(codes=("AUS", "NZ", "JPN", "THA")) -> dict[str, Economy]:
    names = {"AUS": "Australia", "NZ": "New Zealand", "JPN": "Japan", "THA": "Thailand",
             "USA": "United States", "PRC": "People's Republic of China"}
    economies = {}
    for order, code in enumerate(codes, start=1):
        economies[code] = Economy(code=code, name=names.get(code, code), sort_order=order,
                                  colour="#224466", is_host=code == "THA")
        db.session.add(economies[code])
    db.session.flush()
    return economies


def make_user(username: str, role: Role, economy: Economy | None = None) -> User:
    return accounts.create_user(None, username=username, password=PASSWORD, role=role,
                                economy=economy)


def make_document(host: Economy, texts=CLAUSE_TEXTS, stage: Stage = Stage.NEGOTIATION,
                  author: User | None = None) -> tuple[Document, list[Clause]]:
    document = Document(title="Test Statement", symbol="2022/TEST/1", classification="Restricted",
                        stage=stage, host_economy_id=host.id)
    db.session.add(document)
    db.session.flush()
    sections = {
        "preamble": Section(document_id=document.id, position=1, kind=SectionKind.PREAMBLE,
                            heading="Preamble"),
        "operative": Section(document_id=document.id, position=2, kind=SectionKind.OPERATIVE,
                             heading="Goal 1: Climate"),
    }
    db.session.add_all(sections.values())
    db.session.flush()
    clauses = []
    for position, (kind, text) in enumerate(texts, start=1):
        clause = Clause(document_id=document.id, section_id=sections[kind].id, position=position)
        db.session.add(clause)
        db.session.flush()
        db.session.add(ClauseVersion(clause_id=clause.id, number=1, text=text,
                                     created_by_id=author.id if author else None))
        clauses.append(clause)
    db.session.flush()
    return document, clauses


@pytest.fixture
def world(app) -> World:
    """AUS, NZ, JPN and host THA; users secretariat, observer, admin, aus, nz, jpn, aus2."""
    w = World(economies=make_economies())
    w.users["secretariat"] = make_user("secretariat", Role.SECRETARIAT, w.economies["THA"])
    w.users["observer"] = make_user("observer", Role.OBSERVER)
    w.users["admin"] = make_user("admin", Role.ADMIN)
    for code in ("AUS", "NZ", "JPN"):
        w.users[code.lower()] = make_user(code.lower(), Role.DELEGATE, w.economies[code])
    w.users["aus2"] = make_user("aus2", Role.DELEGATE, w.economies["AUS"])
    w.document, w.clauses = make_document(w.economies["THA"], author=w.users["secretariat"])
    db.session.commit()
    return w


def login(client, username: str, password: str = PASSWORD):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


@pytest.fixture
def api_token(app):
    """issue(username) → headers with a fresh bearer token for that user."""
    def issue(username: str) -> dict:
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        token = accounts.issue_token(None, user)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}
    return issue


__all__ = ["World", "api_token", "login", "make_document", "make_economies", "make_user",
           "world", "PASSWORD", "CLAUSE_TEXTS"]
