"""LibreOffice opens our Word files and sees the same tracked changes with the same authors."""
from collections import Counter

from sqlalchemy import select

from drafting.exports.docx_reading import tracked_changes
from drafting.exports.libreoffice import convert
from drafting.extensions import db
from drafting.models import Document, User
from drafting.services import exports
from drafting.services.export_files import render_file
from tests.exports.helpers import clause_paragraphs
from tests.exports.test_exports import advance_demo


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
