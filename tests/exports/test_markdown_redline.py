"""The Markdown (CriticMarkup) redline: numbers belong to their changes.

A deleted clause's number is inside its deletion, an added clause's inside its insertion, and
a number changed by renumbering is a substitution {~~old~>new~~}. Read back by accepting (or
rejecting) every mark, the redline gives exactly the clean Markdown of the target (source).
"""
from __future__ import annotations

import re
from collections import Counter

from drafting.extensions import db
from drafting.models import Document
from drafting.services import decisions, exports, proposals, revisions
from drafting.services.export_files import render_file
from tests.exports.test_exports import advance_demo

CLAUSE_LINE = re.compile(r"^\*\*(?:PP|OP)\d+[a-z]*\.\*\* ")


def markdown(actor, document, mode, **kw) -> str:
    data = exports.export_document(actor, document, mode, **kw)
    return render_file(data, "md").content.decode()


def resolve(critic: str, *, accept: bool) -> str:
    """CriticMarkup with every change accepted (or rejected) and every comment dropped."""
    critic = re.sub(r"\{>>.*?<<\}", "", critic)
    critic = re.sub(r"\{~~(.*?)~>(.*?)~~\}", r"\2" if accept else r"\1", critic)
    critic = re.sub(r"\{\+\+(.*?)\+\+\}", r"\1" if accept else "", critic)
    return re.sub(r"\{--(.*?)--\}", "" if accept else r"\1", critic)


def clause_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if CLAUSE_LINE.match(line)]


def current_numbers(critic: str) -> list[str]:
    """The numbers a reader takes as current: every number outside a deletion mark."""
    shown = re.sub(r"\{--.*?--\}", "", re.sub(r"\{~~(.*?)~>(.*?)~~\}", r"\2", critic))
    return [CLAUSE_LINE.match(line).group(0) for line in clause_lines(shown)]


def assert_round_trip(redline: str, source: str, target: str) -> None:
    assert clause_lines(resolve(redline, accept=True)) == clause_lines(target)
    assert clause_lines(resolve(redline, accept=False)) == clause_lines(source)
    repeated = [n for n, count in Counter(current_numbers(redline)).items() if count > 1]
    assert repeated == []


def test_deleted_and_renumbered_clauses_carry_their_numbers(world):
    sec = world.user("secretariat")
    document = world.document
    revisions.issue_revision(sec, document, "Rev.1")
    op1 = world.clauses[2]
    proposal = proposals.submit_proposal(world.user("aus"), document, "delete", clause=op1)
    decisions.decide_proposal(sec, proposal, "accept", expected_version=op1.version)
    revisions.issue_revision(sec, document, "Rev.2", renumber=True)
    db.session.commit()
    redline = markdown(sec, document, "redline", from_revision="1", to_revision="2")
    lines = redline.splitlines()
    assert "{--**OP1.** We will reduce emissions by 2030 and promote clean energy.--}{>>AUS<<}" \
        in lines
    assert any(line.startswith("{~~**OP2.**~>**OP1.**~~} We encourage") for line in lines)
    assert_round_trip(redline, markdown(sec, document, "clean", to_revision="1"),
                      markdown(sec, document, "clean", to_revision="2"))


def test_added_clause_carries_its_number(world):
    sec = world.user("secretariat")
    document = world.document
    revisions.issue_revision(sec, document, "Rev.1")
    proposal = proposals.submit_proposal(world.user("jpn"), document, "insert",
                                         after_clause=world.clauses[2], text="We will act.")
    decisions.decide_proposal(sec, proposal, "accept", expected_version=0)
    revisions.issue_revision(sec, document, "Rev.2", renumber=True)
    db.session.commit()
    redline = markdown(sec, document, "redline", from_revision="1", to_revision="2")
    assert "{++**OP2.** We will act.++}{>>JPN<<}" in redline.splitlines()
    assert "{~~**OP2.**~>**OP3.**~~} We encourage" in redline
    assert_round_trip(redline, markdown(sec, document, "clean", to_revision="1"),
                      markdown(sec, document, "clean", to_revision="2"))


def test_the_demo_markdown_redline_round_trips(demo):
    document = db.session.get(Document, 1)
    sec = advance_demo(document)
    assert_round_trip(markdown(sec, document, "redline", from_revision="1", to_revision="current"),
                      markdown(sec, document, "clean", to_revision="1"),
                      markdown(sec, document, "clean", to_revision="current"))


def test_an_acceptance_with_modifications_names_the_secretariat_for_its_words(world):
    sec = world.user("secretariat")
    document = world.document
    revisions.issue_revision(sec, document, "Rev.1")
    op1 = world.clauses[2]
    proposal = proposals.submit_proposal(
        world.user("aus"), document, "amend", clause=op1,
        text="We shall reduce emissions by 2030 and promote clean energy.")
    decisions.decide_proposal(
        sec, proposal, "modify", expected_version=op1.version,
        expected_text_version=proposal.text_version,
        text="We shall reduce emissions by 2030 and promote clean and renewable energy.")
    db.session.commit()
    redline = markdown(sec, document, "redline", from_revision="1")
    line = next(line for line in clause_lines(redline) if "renewable" in line)
    assert "{++shall++}{>>AUS<<}" in line.replace(" ", "") or "shall++}{>>AUS<<}" in line
    assert re.search(r"\{\+\+\s*and renewable\s*\+\+\}\{>>Secretariat<<\}", line), line
