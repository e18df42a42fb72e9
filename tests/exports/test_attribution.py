"""Every format names a change's proposer and its co-sponsors alike (issue 16, item 13), and
none shows a proposal's internal id.

One scene: after Rev.1, Australia's amendment of OP1, co-sponsored by New Zealand, is accepted
(the redline from Rev.1 shows it); a second one on OP2, also co-sponsored, stays open (the
compilation shows it); the disposition table lists both.
"""
from __future__ import annotations

import re
import subprocess
import tempfile

import pytest

from drafting.exports.docx_reading import comments, tracked_changes
from drafting.extensions import db
from drafting.services import decisions, exports, proposals, revisions
from drafting.services.export_files import render_file
from tests.exports.helpers import body

ACCEPTED = "We will reduce emissions by 2030 and accelerate clean energy."
PENDING = "We encourage economies to cooperate on plastic debris and share best practices."


@pytest.fixture
def scene(world):
    secretariat, aus, nz = world.user("secretariat"), world.user("aus"), world.user("nz")
    revisions.issue_revision(secretariat, world.document, "Rev.1")
    made = []
    for clause, text, why in ((world.clauses[2], ACCEPTED, "Faster"),
                              (world.clauses[3], PENDING, "Plastics")):
        proposal = proposals.submit_proposal(aus, world.document, "amend", clause=clause,
                                             text=text, rationale=why)
        db.session.flush()
        proposals.cosponsor_proposal(nz, proposal)
        made.append(proposal)
    db.session.commit()
    decisions.decide_proposal(secretariat, made[0], "accept",
                              expected_version=made[0].clause.version)
    db.session.commit()
    return secretariat, world.document, made


def rendered(viewer, document, mode: str, fmt: str) -> bytes:
    kw = {"from_revision": "1", "to_revision": "current"} if mode == "redline" else {}
    return render_file(exports.export_document(viewer, document, mode, **kw), fmt).content


def pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        return subprocess.run(["pdftotext", "-layout", file.name, "-"], capture_output=True,
                              text=True, check=True).stdout


@pytest.mark.parametrize("mode", ["redline", "compilation"])
def test_a_tracked_change_names_proposer_and_cosponsor_in_every_format(scene, mode):
    viewer, document, _made = scene
    html = rendered(viewer, document, mode, "html").decode()
    assert 'title="Inserted by Australia, New Zealand"' in html
    assert 'title="Deleted by Australia, New Zealand"' in html
    assert '<span class="attr econ-ausnz" dir="ltr">AUS, NZ</span>' in html
    assert "{>>AUS, NZ<<}{++" in rendered(viewer, document, mode, "md").decode()
    assert "AUS, NZ" in pdf_text(rendered(viewer, document, mode, "pdf"))
    docx = rendered(viewer, document, mode, "docx")
    in_the_text = {c.text: c.author for c in tracked_changes(docx)
                   if c.text in ("promote", "accelerate", "marine", "plastic")}
    assert set(in_the_text.values()) == {"AUS, NZ"}, in_the_text


def test_the_redline_comment_names_both_and_the_rationale(scene):
    viewer, document, _made = scene
    notes = [text for _author, text in comments(rendered(viewer, document, "redline", "docx"))]
    assert "Proposed by AUS, NZ. Rationale: Faster" in notes


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf"])
def test_the_disposition_table_names_both_for_each_proposal(scene, fmt):
    viewer, document, _made = scene
    content = rendered(viewer, document, "disposition", fmt)
    text = (" ".join(t for _style, t in body(content)) if fmt == "docx"
            else pdf_text(content) if fmt == "pdf" else re.sub(r"<[^>]+>", "", content.decode()))
    flat = " ".join(text.split())
    assert flat.count("AUS, NZ (amend)") == 2, flat[:2000]


@pytest.mark.parametrize("mode, fmt", [
    (mode, fmt) for mode in ("redline", "compilation") for fmt in ("docx", "html", "md", "pdf")
] + [("disposition", fmt) for fmt in ("docx", "html", "pdf")])
def test_no_export_shows_a_proposal_id(scene, mode, fmt):
    viewer, document, made = scene
    content = rendered(viewer, document, mode, fmt)
    if fmt == "docx":
        text = " ".join(t for _style, t in body(content))
        text += " ".join(t for _author, t in comments(content))
    else:
        text = pdf_text(content) if fmt == "pdf" else content.decode()
    for proposal in made:
        assert str(proposal.id) not in text
