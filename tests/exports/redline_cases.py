"""Negotiations whose redlines delete the first and last clauses, or add clauses at the
start and the end (a new section among them): the hard cases for a redline that must resolve
exactly. Shared by the XML-reader tests and the LibreOffice tests."""
from __future__ import annotations

from sqlalchemy import update

from drafting.domain.states import SectionKind
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Section
from drafting.services import decisions, exports, proposals, revisions
from drafting.services.export_files import render_file


def docx(actor, document, mode, **kw) -> bytes:
    data = exports.export_document(actor, document, mode, from_revision=kw.get("from_revision"),
                                   to_revision=kw.get("to_revision"))
    return render_file(data, "docx").content


def redline_with_cleans(world) -> tuple[bytes, bytes, bytes]:
    """(redline Rev.1 → current, clean Rev.1, clean current) of the world's document."""
    sec = world.user("secretariat")
    document = world.document
    return (docx(sec, document, "redline", from_revision="1"),
            docx(sec, document, "clean", to_revision="1"), docx(sec, document, "clean"))


def delete_first_and_last(world) -> None:
    """After Rev.1: AUS deletes PP1 and PP2 (the preamble goes) and NZ deletes OP2 (the last)."""
    sec = world.user("secretariat")
    revisions.issue_revision(sec, world.document, "Rev.1")
    for username, clause in (("aus", world.clauses[0]), ("aus", world.clauses[1]),
                             ("nz", world.clauses[3])):
        proposal = proposals.submit_proposal(world.user(username), world.document, "delete",
                                             clause=clause, rationale="Not needed.")
        decisions.decide_proposal(sec, proposal, "accept", expected_version=clause.version)
    db.session.commit()


def insert_at_start_and_end(world) -> None:
    """After Rev.1: a clause before PP1 (the secretariat's), JPN's clause after OP2, and a new
    last section with one clause."""
    sec = world.user("secretariat")
    document = world.document
    revisions.issue_revision(sec, document, "Rev.1")
    preamble = world.clauses[0].section_id
    db.session.execute(update(Clause).where(Clause.document_id == document.id)
                       .values(position=Clause.position + 1))
    _new_clause(document.id, preamble, 1, "Welcoming the host's leadership;", sec)
    last = world.clauses[3]
    proposal = proposals.submit_proposal(world.user("jpn"), document, "insert", after_clause=last,
                                         text="We will review progress in 2027.",
                                         rationale="A review keeps us honest.")
    decisions.decide_proposal(sec, proposal, "accept", expected_version=0)
    trade = Section(document_id=document.id, position=3, kind=SectionKind.OPERATIVE,
                    heading="Goal 2: Trade")
    db.session.add(trade)
    db.session.flush()
    _new_clause(document.id, trade.id, 100, "We will keep markets open.", sec)
    db.session.commit()
    db.session.expire_all()


def _new_clause(document_id: int, section_id: int, position: int, text: str, actor) -> None:
    clause = Clause(document_id=document_id, section_id=section_id, position=position, version=1)
    db.session.add(clause)
    db.session.flush()
    db.session.add(ClauseVersion(clause_id=clause.id, number=1, text=text,
                                 created_by_id=actor.id))
    db.session.flush()
