"""A DOCX redline resolves exactly: Accept all gives the target's clean DOCX and Reject all
the source's, paragraph for paragraph (cover, headings and clauses), with nothing left over.

Read with our own XML reader here; tests/exports/test_libreoffice.py asks LibreOffice.
"""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.exports.docx_writer import write_docx
from drafting.exports.model import ExportDocument, ExportSection, Paragraph, Run
from tests.exports.helpers import body

PROPERTY = settings(max_examples=examples(25))
SOURCE_DATE = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
TARGET_DATE = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
CHANGES = ("unchanged", "changed", "added", "deleted")


def frame(mode: str, revision: str, date: datetime, sections) -> ExportDocument:
    return ExportDocument(title="Leaders’ Statement", symbol="2026/AELM/1", stage="Negotiation",
                          revision=revision, date=date, classification="Restricted", mode=mode,
                          sections=sections)


def paragraph(change: str, number: int, old_number: int | None = None) -> Paragraph:
    """Clause `number`; its text is derived from the number so each clause differs."""
    text = f"We will act on item {number}."
    if change == "changed":
        runs = [Run("equal", "We will "), Run("delete", "act", "AUS"),
                Run("insert", "work together", "AUS"), Run("equal", f" on item {number}.")]
    else:
        runs = [Run("equal", text)]
    old = f"OP{old_number}" if old_number is not None and old_number != number else None
    return Paragraph(f"OP{number}", runs, change=change, old_number=old,
                     author="JPN" if change in ("added", "deleted") else None,
                     comment="Proposal #7 by JPN." if change != "unchanged" else None)


def redline_and_cleans(layout: list[list[str]]):
    """The redline of sections of clause changes, and the two clean exports it must give."""
    redline, source, target = [], [], []
    old = new = 0
    for index, changes in enumerate(layout):
        paragraphs = []
        for change in changes:
            old += change != "added"
            new += change != "deleted"
            number = old if change == "deleted" else new
            paragraphs.append(paragraph(change, number, old))
        heading = f"Section {index + 1}"
        redline.append(ExportSection(heading, paragraphs))
        for kept, keep_out, side in (("old", "added", source), ("new", "deleted", target)):
            clean = [Paragraph(p.old_number or p.number if kept == "old" else p.number,
                               [Run("equal", p.old_text if kept == "old" else p.new_text)])
                     for p in paragraphs if p.change != keep_out]
            if clean:
                side.append(ExportSection(heading, clean))
    export = frame("redline", "Current text", TARGET_DATE, redline)
    export.compared = ("Rev.1", "Current text")
    export.source_revision, export.source_date = "Rev.1", SOURCE_DATE
    export.summary = {"totals": {"Clauses changed": 1}, "by_economy": {"Japan": 2}}
    return (write_docx(export), write_docx(frame("clean", "Rev.1", SOURCE_DATE, source)),
            write_docx(frame("clean", "Current text", TARGET_DATE, target)))


def assert_round_trip(layout):
    redline, source, target = redline_and_cleans(layout)
    assert body(redline, accept=True) == body(target)
    assert body(redline, accept=False) == body(source)


layouts = st.lists(st.lists(st.sampled_from(CHANGES), min_size=1, max_size=5),
                   min_size=1, max_size=4)


@PROPERTY
@given(layouts)
def test_any_redline_resolves_to_its_two_clean_texts(layout):
    assert_round_trip(layout)


def test_named_cases_resolve_exactly():
    for layout in (
        [["deleted", "unchanged", "unchanged"]],              # first clause deleted
        [["unchanged", "unchanged", "deleted"]],              # last clause deleted
        [["unchanged", "deleted", "unchanged"]],              # a middle clause deleted
        [["added", "unchanged"], ["unchanged", "added"]],     # added at the start and the end
        [["unchanged"], ["deleted", "deleted"]],              # the last section goes
        [["added", "added"], ["unchanged"]],                  # a first section comes
        [["unchanged"], ["deleted", "added", "deleted"]],     # both kinds at the end
        [["deleted"], ["added"]],                             # nothing in common
    ):
        assert_round_trip(layout)


def test_the_summary_is_a_comment_on_the_title_not_body_text():
    from drafting.exports.docx_reading import comments
    redline, _source, _target = redline_and_cleans([["changed", "deleted"]])
    for accept in (True, False):
        assert not any("Summary" in text for _style, text in body(redline, accept=accept))
    (author, text), = [c for c in comments(redline) if c[1].startswith("Redline:")]
    assert author == "Secretariat"
    assert "Summary of changes" in text and "Clauses changed: 1" in text and "Japan: 2" in text


def test_the_cover_tracks_the_revision_and_date():
    redline, _source, _target = redline_and_cleans([["changed"]])
    accepted, rejected = body(redline, accept=True), body(redline, accept=False)
    assert (None, "Current text") in accepted and (None, "04 May 2026") in accepted
    assert (None, "Rev.1") in rejected and (None, "01 March 2026") in rejected
    assert (None, "Rev.1") not in accepted and (None, "Current text") not in rejected
