"""The disposition table leaves unchanged paragraphs out unless asked, is laid out in landscape,
and the Exports page offers one-click presets (issue 16, item 13)."""
import io

import docx as python_docx
from docx.enum.section import WD_ORIENT

from drafting.extensions import db
from drafting.services import exports, proposals
from drafting.services.export_files import render_file
from tests.factories import login

OP1 = "We will reduce emissions by 2030 and promote clean energy."


def with_one_proposal(world):
    proposals.submit_proposal(world.user("aus"), world.document, "amend",
                              clause=world.clauses[2], text=OP1.replace("reduce", "halve"),
                              rationale="Science calls for more.")
    db.session.commit()


def test_paragraphs_nobody_touched_are_left_out_and_counted_unless_asked(world):
    with_one_proposal(world)
    nz = world.user("nz")
    table = exports.export_document(nz, world.document, "disposition")
    assert [row.base_text for row in table.disposition] == [OP1]
    assert table.unchanged_left_out == len(world.clauses) - 1
    everything = exports.export_document(nz, world.document, "disposition",
                                         include_unchanged=True)
    assert len(everything.disposition) == len(world.clauses)
    assert everything.unchanged_left_out == 0


def test_the_files_say_what_was_left_out_and_the_word_table_is_landscape(world):
    with_one_proposal(world)
    table = exports.export_document(world.user("nz"), world.document, "disposition")
    left_out = f"{len(world.clauses) - 1} paragraphs with no proposal and no change"
    word = python_docx.Document(io.BytesIO(render_file(table, "docx").content))
    section = word.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    assert any(left_out in p.text for p in word.paragraphs)
    html = render_file(table, "html").content.decode()
    assert left_out in html and "size: A4 landscape" in html
    # People read economies and outcomes, not the proposals' internal ids.
    proposal_id = str(table.disposition[0].proposals[0]["id"])
    assert proposal_id not in html
    assert all(proposal_id not in cell.text for row in word.tables[-1].rows for cell in row.cells)


def test_the_route_takes_unchanged_and_refuses_nonsense(client, world, api_token):
    with_one_proposal(world)
    headers = api_token("nz")
    url = f"/api/v1/documents/{world.document.id}/export?mode=disposition&format=html"
    short = client.get(url, headers=headers)
    full = client.get(url + "&unchanged=1", headers=headers)
    assert short.status_code == full.status_code == 200
    assert "no proposal and no change" in short.get_data(as_text=True)
    assert "no proposal and no change" not in full.get_data(as_text=True)
    assert short.headers["ETag"] != full.headers["ETag"]  # two files, two cache entries
    wrong = client.get(url + "&unchanged=maybe", headers=headers)
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"] == {"field": "unchanged"}


def test_the_exports_page_offers_presets_and_opens_html_in_a_new_tab(client, world):
    login(client, "nz")
    page = client.get(f"/documents/{world.document.id}/exports").get_data(as_text=True)
    assert "Current text, clean PDF" in page or "PDF export is unavailable" in page
    assert "Disposition table, Word" in page
    assert 'href="/documents/%d/export?mode=disposition&amp;format=docx"' % world.document.id in page
    assert 'name="unchanged" value="1"' in page
    assert 'value="html" formtarget="_blank"' in page
    assert "exports.js" in page and 'class="export-status"' in page
