"""Redline DOCX of non-Latin text: no tracked change starts or ends inside a grapheme cluster,
and one cluster never has two authors."""
import itertools
from datetime import datetime, timezone

import regex

from drafting.domain.compare import Step, attributed_changes
from drafting.exports.docx_reading import read_paragraphs, tracked_changes
from drafting.exports.docx_writer import write_docx
from drafting.exports.model import ExportDocument, ExportSection, Paragraph, Run
from drafting.extensions import db
from drafting.services import decisions, editing, exports, proposals, revisions
from drafting.services.export_files import render_file

BASE = ("ประเทศไทยสนับสนุนเศรษฐกิจชีวภาพ ไม้ดี และ Cote e\u0301conomies "
        "हिन्दी भाषा का विकास 👍🏽 한국어")
# Each economy changes a word or a mark inside a word: a Thai word in an unspaced sentence,
# a Thai tone mark, a Latin combining accent, a Devanagari vowel sign, a skin tone.
AUS_TEXT = BASE.replace("สนับสนุน", "ส่งเสริม").replace("e\u0301conomies", "e\u0300conomies")
JPN_TEXT = AUS_TEXT.replace("ไม้", "ไม่").replace("विकास", "विकासी")
SECRETARIAT_TEXT = JPN_TEXT.replace("👍🏽", "👍🏿").replace("Cote", "Côte")


def cluster_boundaries(text: str) -> set[int]:
    return {0, *itertools.accumulate(len(c) for c in regex.findall(r"\X", text))}


def assert_changes_keep_clusters_whole(docx: bytes) -> int:
    """Check every body paragraph's w:ins / w:del runs; returns how many changes were seen."""
    seen = 0
    for paragraph in read_paragraphs(docx):
        runs = paragraph.runs
        # Each side as the reader sees it (Accept all / Reject all), and everything in order.
        for shown, changed in (({"equal", "insert"}, "insert"), ({"equal", "delete"}, "delete"),
                               ({"equal", "insert", "delete"}, None)):
            text = "".join(t for op, t, _ in runs if op in shown)
            boundaries = cluster_boundaries(text)
            position = 0
            authors_by_offset: dict[int, str] = {}
            for op, piece, author in runs:
                if op not in shown:
                    continue
                if op != "equal" and (changed is None or op == changed):
                    assert {position, position + len(piece)} <= boundaries, (op, piece)
                    for offset in range(position, position + len(piece)):
                        authors_by_offset[offset] = author
                    seen += 1
                position += len(piece)
            for match in regex.finditer(r"\X", text):
                authors = {authors_by_offset.get(i) for i in range(match.start(), match.end())}
                assert len(authors - {None}) <= 1, ("two authors in one cluster", match.group())
    return seen


def test_redline_of_attributed_changes_keeps_clusters_whole():
    segments = attributed_changes(BASE, [Step(AUS_TEXT, ("AUS",)), Step(JPN_TEXT, ("JPN",)),
                                         Step(SECRETARIAT_TEXT, ("Secretariat",))])
    export = ExportDocument(
        title="Bangkok Goals", symbol="2022/SOM3/001", stage="negotiation", revision="Rev.1",
        date=datetime(2022, 11, 1, tzinfo=timezone.utc), classification="public", mode="redline",
        sections=[ExportSection("Goals", [Paragraph(
            "OP1", [Run(s.op, s.text, s.authors[0] if s.authors else None) for s in segments],
            change="changed")])])
    docx = write_docx(export)

    assert assert_changes_keep_clusters_whole(docx) >= 10
    assert {c.author for c in tracked_changes(docx)} == {"AUS", "JPN", "Secretariat"}
    deleted = {c.text for c in tracked_changes(docx) if c.kind == "delete"}
    assert {"สนับสนุน", "ไม้", "e\u0301conomies", "विकास", "👍🏽"} <= deleted


def test_service_redline_of_thai_and_combining_mark_edits_keeps_clusters_whole(world):
    sec, aus, jpn = world.user("secretariat"), world.user("aus"), world.user("jpn")
    clause = world.clauses[0]
    editing.edit_clause_text(sec, clause, BASE, expected_version=clause.version, note="")
    revisions.issue_revision(sec, world.document, "base")
    for actor, text in ((aus, AUS_TEXT), (jpn, JPN_TEXT)):
        proposal = proposals.submit_proposal(actor, world.document, "amend", clause=clause,
                                             text=text, rationale="wording")
        decisions.decide_proposal(sec, proposal, "accept", expected_version=clause.version)
    editing.edit_clause_text(sec, clause, SECRETARIAT_TEXT, expected_version=clause.version,
                             note="")
    db.session.commit()

    data = exports.export_document(sec, world.document, "redline", from_revision="1")
    docx = render_file(data, "docx").content

    assert assert_changes_keep_clusters_whole(docx) >= 10
    authors = {c.author for c in tracked_changes(docx) if c.text.strip()}
    assert {"AUS", "JPN", "Secretariat"} <= authors
