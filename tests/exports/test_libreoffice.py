"""LibreOffice opens our Word files, sees the same tracked changes with the same authors, and
its own Accept all / Reject all give exactly the two clean texts."""
from collections import Counter

import pytest
from sqlalchemy import select

from drafting.exports.docx_reading import comments, tracked_changes
from drafting.exports.libreoffice import (LibreOfficeFailed, convert, resolve_in_libreoffice,
                                         resolve_tracked_changes)
from drafting.extensions import db
from drafting.models import Document, User
from drafting.services import exports
from drafting.services.export_files import render_file
from tests.exports.helpers import clause_paragraphs
from tests.exports.redline_cases import (delete_first_and_last, insert_at_start_and_end,
                                         redline_with_cleans)
from tests.exports.test_exports import advance_demo
from tests.exports.test_redline_roundtrip import redline_and_cleans


def _authors(changes):
    # LibreOffice may merge or split adjacent runs of one change; what must match is who
    # changed what, not how the runs are cut.
    return Counter((c.kind, c.author) for c in changes if c.text.strip())


def test_libreoffice_reads_the_redline_like_we_do(demo, tmp_path):
    document = db.session.get(Document, 1)
    advance_demo(document)
    sec = db.session.execute(select(User).where(User.username == "secretariat")).scalar_one()
    for mode, kwargs in (("redline", {"from_revision": "1", "to_revision": "current"}),
                         ("compilation", {}), ("clean", {})):
        data = exports.export_document(sec, document, mode, **kwargs)
        ours = render_file(data, "docx").content
        source = tmp_path / f"{mode}.docx"
        source.write_bytes(ours)
        theirs = convert(source, "docx:MS Word 2007 XML", tmp_path / "lo").read_bytes()
        for accept in (True, False):
            assert clause_paragraphs(theirs, accept=accept) == \
                clause_paragraphs(ours, accept=accept), (mode, accept)
        assert set(_authors(tracked_changes(theirs))) == set(_authors(tracked_changes(ours)))
        if mode == "redline":
            assert _authors(tracked_changes(theirs))


# --- Accept all / Reject all in LibreOffice itself (UNO) -----------------------------------

def _assert_libreoffice_resolves(redline: bytes, source: bytes, target: bytes) -> None:
    """LibreOffice's Accept all gives what it reads in the target's clean DOCX, Reject all what
    it reads in the source's, paragraph for paragraph (style and text), nothing left over."""
    accepted, rejected, as_is, clean_target, clean_source = resolve_in_libreoffice([
        (redline, "accept"), (redline, "reject"), (redline, "none"), (target, "none"),
        (source, "none")])
    assert as_is["tracked_changes"] > 0
    assert accepted["tracked_changes"] == rejected["tracked_changes"] == 0
    assert accepted["paragraphs"] == clean_target["paragraphs"]
    assert rejected["paragraphs"] == clean_source["paragraphs"]
    # The summary stays a comment (LibreOffice keeps comments through Accept all).
    assert as_is["comments"] == len(comments(redline)) and accepted["comments"] >= 1
    assert not any("Summary of changes" in text for _style, text in accepted["paragraphs"])


def test_libreoffice_accept_and_reject_all_on_the_demo(demo):
    document = db.session.get(Document, 1)
    advance_demo(document)
    sec = db.session.execute(select(User).where(User.username == "secretariat")).scalar_one()

    def docx(mode, **kwargs):
        return render_file(exports.export_document(sec, document, mode, **kwargs), "docx").content

    redline = docx("redline", from_revision="1", to_revision="current")
    # The demo redline carries Word comments (rationales, the summary): LibreOffice opens it
    # (the -nogui build crashed on such files) and sees every one.
    assert len(comments(redline)) > 1
    _assert_libreoffice_resolves(redline, docx("clean", to_revision="1"),
                                 docx("clean", to_revision="current"))


@pytest.mark.parametrize("change", [delete_first_and_last, insert_at_start_and_end])
def test_libreoffice_accept_and_reject_all_on_first_and_last_clauses(world, change):
    change(world)
    _assert_libreoffice_resolves(*redline_with_cleans(world))


def test_libreoffice_on_deleted_and_added_clauses_at_the_very_end():
    # Plain data: a section of one unchanged clause, then a deleted, an added and a deleted one.
    _assert_libreoffice_resolves(*redline_and_cleans([["unchanged"],
                                                      ["deleted", "added", "deleted"]]))


def test_a_libreoffice_failure_fails_with_its_message():
    with pytest.raises(LibreOfficeFailed, match="unknown action 'explode'"):
        resolve_tracked_changes(b"not a document", "explode")
