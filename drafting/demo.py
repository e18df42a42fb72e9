"""Seeding the demo negotiation: APEC's 21 economies, their users, and the BCG draft."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from drafting import demo_content
from drafting.domain.states import ClauseStatus, Role, SectionKind, Stage
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document, Economy, Section, User
from drafting.services import (accounts, clause_status, comments, decisions, positions,
                               proposals, revisions, rounds)
from drafting.services.audit import record_event

# APEC's official order of members, with APEC's own abbreviations. Colours are dark enough
# for text on white (contrast ≥ 4.5:1) and distinct from their neighbours.
ECONOMIES = [
    ("AUS", "Australia", "#1f5fa8"),
    ("BD", "Brunei Darussalam", "#8a5a00"),
    ("CDA", "Canada", "#b3261e"),
    ("CHL", "Chile", "#6b3fa0"),
    ("PRC", "People's Republic of China", "#a3161a"),
    ("HKC", "Hong Kong, China", "#00695c"),
    ("INA", "Indonesia", "#9c2a6b"),
    ("JPN", "Japan", "#2e7d32"),
    ("ROK", "Republic of Korea", "#283593"),
    ("MAS", "Malaysia", "#7a4f01"),
    ("MEX", "Mexico", "#00796b"),
    ("NZ", "New Zealand", "#4a148c"),
    ("PNG", "Papua New Guinea", "#8d3b00"),
    ("PE", "Peru", "#c2185b"),
    ("RP", "The Philippines", "#0d47a1"),
    ("RUS", "The Russian Federation", "#5d4037"),
    ("SGP", "Singapore", "#ad1457"),
    ("CT", "Chinese Taipei", "#1b5e20"),
    ("THA", "Thailand", "#4527a0"),
    ("USA", "United States", "#0b5394"),
    ("VN", "Viet Nam", "#b71c1c"),
]
HOST_CODE = "THA"


def seed_demo(password: str | None = None) -> tuple[bool, str | None]:
    """Create the demo if it is not there yet. Returns (created, password used).

    Idempotent: economies and users are created only when missing, the demo document only
    when no document of its symbol exists.
    """
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    economies = _ensure_economies()
    created_users = _ensure_users(economies, password)
    exists = db.session.execute(
        select(Document.id).where(Document.symbol == demo_content.DOCUMENT["symbol"])
    ).scalar()
    if exists:
        return bool(created_users), (password if created_users else None)
    _create_negotiation(economies)
    return True, password if (created_users or not generated) else None


def _ensure_economies() -> dict[str, Economy]:
    existing = {e.code: e for e in db.session.execute(select(Economy)).scalars()}
    for order, (code, name, colour) in enumerate(ECONOMIES, start=1):
        if code not in existing:
            economy = Economy(code=code, name=name, sort_order=order, colour=colour,
                              is_host=code == HOST_CODE)
            db.session.add(economy)
            existing[code] = economy
    db.session.flush()
    return existing


def demo_usernames() -> list[tuple[str, str]]:
    """(username, what the account is) for every demo account, for docs and the CLI."""
    accounts_list = [("secretariat", "Thailand's secretariat (merge desk)"),
                     ("observer", "observer (read and export only)"),
                     ("admin", "administrator (users and roles)")]
    accounts_list += [(code.lower(), f"delegate of {name}") for code, name, _ in ECONOMIES]
    return accounts_list


def _ensure_users(economies: dict[str, Economy], password: str) -> list[str]:
    existing = set(db.session.execute(select(User.username)).scalars())
    wanted = [("secretariat", Role.SECRETARIAT, economies[HOST_CODE], "Thai Secretariat"),
              ("observer", Role.OBSERVER, None, "APEC Secretariat observer"),
              ("admin", Role.ADMIN, None, "Administrator")]
    wanted += [(code.lower(), Role.DELEGATE, economies[code], f"{name} delegation")
               for code, name, _ in ECONOMIES]
    created = []
    for username, role, economy, display in wanted:
        if username in existing:
            continue
        accounts.create_user(None, username=username, password=password, role=role,
                             economy=economy, display_name=display)
        created.append(username)
    return created


def _user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _create_negotiation(economies: dict[str, Economy]) -> Document:
    secretariat = _user("secretariat")
    spec = demo_content.DOCUMENT
    document = Document(title=spec["title"], symbol=spec["symbol"],
                        classification=spec["classification"], stage=Stage.NEGOTIATION,
                        host_economy_id=economies[HOST_CODE].id)
    db.session.add(document)
    db.session.flush()
    clauses: dict[tuple[str, int], Clause] = {}
    position = 0
    for section_position, section_spec in enumerate(demo_content.SECTIONS, start=1):
        section = Section(document_id=document.id, position=section_position,
                          kind=SectionKind(section_spec["kind"]), heading=section_spec["heading"])
        db.session.add(section)
        db.session.flush()
        for index, text in enumerate(section_spec["clauses"]):
            position += 1
            clause = Clause(document_id=document.id, section_id=section.id, position=position,
                            version=1, status=ClauseStatus.OPEN)
            db.session.add(clause)
            db.session.flush()
            db.session.add(ClauseVersion(clause_id=clause.id, number=1, text=text,
                                         created_by_id=secretariat.id, note="Zero draft"))
            clauses[(section_spec["key"], index)] = clause
    db.session.flush()
    record_event("document.created", secretariat, document_id=document.id,
                 title=document.title, clauses=len(clauses))
    revisions.issue_revision(secretariat, document,
                             "Rev.1: circulated to all economies ahead of SOM3")
    deadline = (datetime.now(ZoneInfo("Asia/Bangkok")) + timedelta(days=14)).replace(
        hour=17, minute=0, second=0, microsecond=0, tzinfo=None)
    rounds.open_round(secretariat, document, deadline, "Asia/Bangkok",
                      note="Written proposals on Rev.1")

    submitted = []
    for spec_p in demo_content.PROPOSALS:
        delegate = _user(spec_p["economy"].lower())
        target = clauses[tuple(spec_p["clause"])]
        db.session.refresh(target)
        kwargs = ({"after_clause": target} if spec_p["action"] == "insert"
                  else {"clause": target})
        proposal = proposals.submit_proposal(delegate, document, spec_p["action"],
                                             text=spec_p["text"], rationale=spec_p["rationale"],
                                             **kwargs)
        for code in spec_p.get("cosponsors", []):
            proposals.cosponsor_proposal(_user(code.lower()), proposal)
        submitted.append(proposal)
    for spec_p, proposal in zip(demo_content.PROPOSALS, submitted):
        decision = spec_p.get("decision")
        if not decision:
            continue
        clause = proposal.clause
        decisions.decide_proposal(secretariat, proposal, decision["decision"],
                                  expected_version=clause.version if clause else 0,
                                  expected_text_version=proposal.text_version,
                                  text=decision.get("text"), note=decision.get("note", ""))

    def post(thread, *, parent=None, clause=None, proposal=None):
        author = secretariat if thread["economy"] == "SECRETARIAT" else \
            _user(thread["economy"].lower())
        comment = comments.add_comment(author, clause=clause, proposal=proposal,
                                       parent=parent, body=thread["body"])
        for reply in thread.get("replies", []):
            post(reply, parent=comment, clause=clause, proposal=proposal)

    for thread in demo_content.COMMENTS:
        kind, *ref = thread["on"]
        if kind == "clause":
            post(thread, clause=clauses[(ref[0], ref[1])])
        else:
            post(thread, proposal=submitted[ref[0]])
    _record_positions(secretariat, clauses)
    return document


# Where the room stands: (section, index) → stances; economies not named have said nothing.
_SUPPORT_ALL = {code: "support" for code, _, _ in ECONOMIES}
DEMO_POSITIONS = {
    ("preamble", 0): _SUPPORT_ALL,
    ("preamble", 1): {**_SUPPORT_ALL, "RUS": "can_accept", "PRC": "can_accept"},
    ("preamble", 3): {code: "support" for code in ("THA", "AUS", "JPN", "SGP", "MAS", "VN",
                                                   "INA", "RP", "NZ", "CHL", "PE")},
    ("goal1", 0): {"AUS": "support", "NZ": "support", "CDA": "support", "JPN": "can_accept",
                   "RUS": ("reservation", "Net-zero timelines must remain nationally "
                                          "determined; we need to consult capital.")},
    ("goal2", 2): {"USA": ("objection", "The text must not imply that legitimate trade "
                                        "measures taken for environmental reasons are "
                                        "disguised restrictions."),
                   "PRC": ("reservation", "We cannot accept language that legitimises "
                                          "unilateral trade measures."),
                   "SGP": "can_accept", "MAS": "can_accept"},
    ("goal3", 1): {"CHL": "support", "PE": "support", "MEX": "support", "ROK": "can_accept"},
}
DEMO_STATUSES = [
    (("preamble", 0), "agreed", "Agreed at SOM2 with no objection."),
    (("preamble", 1), "agreed", "Agreed at SOM2 with no objection."),
    (("preamble", 3), "agreed_ad_ref", "Agreed ad referendum, pending confirmation by capitals."),
    (("goal2", 2), "bracketed", "Competing proposals from the United States and China."),
]


def _record_positions(secretariat: User, clauses: dict[tuple[str, int], Clause]) -> None:
    for key, stances in DEMO_POSITIONS.items():
        for code, stance in stances.items():
            stance, text = stance if isinstance(stance, tuple) else (stance, "")
            positions.set_position(_user(code.lower()), clauses[key], stance, text)
    for key, status, reason in DEMO_STATUSES:
        clause_status.set_clause_status(secretariat, clauses[key], status, reason)


def database_is_empty() -> bool:
    return not db.session.execute(select(func.count(Economy.id))).scalar()
