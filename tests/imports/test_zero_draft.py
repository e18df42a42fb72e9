"""Importing a zero draft: Word round trip, pasted Markdown, preview, refusals, permissions."""
import io
import json

import pytest
from sqlalchemy import func, select

from drafting.domain.errors import InvalidInput, PermissionDenied
from drafting.domain.states import Stage
from drafting.extensions import db
from drafting.models import AuditEvent, Clause, Document, Section
from drafting.services import imports, reading
from tests.factories import login
from tests.imports.builders import zero_draft_docx, zip_bomb

MARKDOWN = """# Bangkok Goals on BCG Economy

## Preamble

PP1. Recognising that climate change poses serious risks to the region;
PP2. Recalling the Putrajaya Vision 2040;

## Goal 1: Climate action

1. We will reduce emissions by 2030 and promote clean energy.
2. We encourage economies to cooperate on marine debris.
"""


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def texts(document):
    view = reading.document_view(document, viewer=None)
    return [(s.section.heading, s.section.kind.value, [(r.number, r.version.text) for r in s.rows])
            for s in view.sections]


def test_docx_round_trip_creates_the_document(world):
    secretariat = world.user("secretariat")
    draft = imports.read_zero_draft(secretariat,
                                    upload=imports.Upload(zero_draft_docx(), "zero.docx"))
    document = imports.import_zero_draft(secretariat, draft, title="", symbol="2022/SOM3/001",
                                         classification="APEC Restricted", source="docx",
                                         filename="zero.docx")
    db.session.commit()
    assert document.title == "Bangkok Goals on Bio-Circular-Green Economy"
    assert document.stage is Stage.ZERO_DRAFT
    assert document.host_economy.code == "THA"
    assert texts(document) == [
        ("Preamble", "preamble", [
            ("PP1", "Recognising that climate change poses serious risks to the region;"),
            ("PP2", "Recalling the Putrajaya Vision 2040;")]),
        ("Goal 1: Climate action", "operative", [
            ("OP1", "We will reduce emissions by 2030 and promote clean energy."),
            ("OP2", "We will cooperate on:"),
            ("OP3", "early warning systems;")]),
        ("Goal 2: Trade", "operative", [("OP4", "We will keep markets open.")]),
    ]
    clause = db.session.execute(select(Clause).where(Clause.document_id == document.id)
                                .order_by(Clause.position)).scalars().first()
    assert clause.version == 1 and clause.versions[0].created_by_id == secretariat.id
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.kind == "document.imported")).scalar_one()
    assert event.document_id == document.id and event.actor_username == "secretariat"
    assert json.loads(event.data)["clauses"] == 6 and json.loads(event.data)["source"] == "docx"
    notes = " ".join(draft.notes)
    assert "APEC RESTRICTED" in notes and "table" in notes


def test_markdown_import_and_kind_override(world):
    secretariat = world.user("secretariat")
    draft = imports.read_zero_draft(secretariat, markdown=MARKDOWN)
    document = imports.import_zero_draft(secretariat, draft, title="", symbol="S/1",
                                         kinds=["operative", "operative"])
    assert document.title == "Bangkok Goals on BCG Economy"
    assert [n for _, _, rows in texts(document) for n, _ in rows] == ["OP1", "OP2", "OP3", "OP4"]


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_imports_a_zero_draft(world, username):
    with pytest.raises(PermissionDenied):
        imports.read_zero_draft(world.user(username), markdown=MARKDOWN)
    draft = imports.read_zero_draft(world.user("secretariat"), markdown=MARKDOWN)
    with pytest.raises(PermissionDenied):
        imports.import_zero_draft(world.user(username), draft, title="T", symbol="S")


@pytest.mark.parametrize("kwargs, field", [
    ({"title": "", "symbol": "S"}, "title"),  # no title given, none in the text
    ({"title": "T", "symbol": "  "}, "symbol"),
    ({"title": "T" * 301, "symbol": "S"}, "title"),
    ({"title": "T", "symbol": "S", "kinds": ["preamble"] * 5}, "kind"),
    ({"title": "T", "symbol": "S", "kinds": ["bogus"]}, "kind"),
])
def test_bad_fields_are_refused_and_nothing_is_saved(world, kwargs, field):
    before = count(Document)
    draft = imports.read_zero_draft(world.user("secretariat"), markdown="We will act.\n")
    with pytest.raises(InvalidInput) as refused:
        imports.import_zero_draft(world.user("secretariat"), draft, **kwargs)
    assert refused.value.details.get("field") == field
    assert count(Document) == before


def test_a_draft_without_clauses_is_422(world):
    draft = imports.read_zero_draft(world.user("secretariat"), markdown="# Only\n\n## Headings\n")
    with pytest.raises(InvalidInput) as refused:
        imports.import_zero_draft(world.user("secretariat"), draft, title="T", symbol="S")
    assert refused.value.code == "no_clauses" and "no clause" in refused.value.message


# --- pages -----------------------------------------------------------------------------

def post_draft(client, **data):
    data.setdefault("title", "")
    data.setdefault("symbol", "2022/SOM3/BCG/001")
    data.setdefault("classification", "APEC Restricted")
    return client.post("/documents/import", data=data, content_type="multipart/form-data")


def test_secretariat_sees_the_button_and_the_form(client, world):
    login(client, "secretariat")
    assert b"New document from a draft" in client.get("/documents").data
    page = client.get("/documents/import")
    assert page.status_code == 200 and b'name="markdown"' in page.data


@pytest.mark.parametrize("username", ["aus", "observer"])
def test_others_cannot_open_the_import(client, world, username):
    login(client, username)
    assert b"New document from a draft" not in client.get("/documents").data
    assert client.get("/documents/import").status_code == 403
    before = count(Document)
    assert post_draft(client, markdown=MARKDOWN, intent="save").status_code == 403
    assert count(Document) == before


def test_markdown_preview_saves_nothing_then_save_creates(client, world):
    login(client, "secretariat")
    before = (count(Document), count(Section), count(Clause), count(AuditEvent))
    preview = post_draft(client, markdown=MARKDOWN, intent="preview")
    assert preview.status_code == 200
    page = preview.data.decode()
    assert "2 sections, 4 clauses" in page and "<code>PP1.</code>" in page
    assert "Create document" in page
    assert (count(Document), count(Section), count(Clause), count(AuditEvent)) == before
    digest = page.split('name="digest" value="')[1].split('"')[0]
    saved = post_draft(client, markdown=MARKDOWN, intent="save", digest=digest,
                       **{"kind-0": "preamble", "kind-1": "operative"})
    assert saved.status_code == 302
    document = db.session.execute(select(Document).order_by(Document.id.desc())).scalars().first()
    assert saved.headers["Location"].endswith(f"/documents/{document.id}")
    assert document.title == "Bangkok Goals on BCG Economy" and document.symbol == \
        "2022/SOM3/BCG/001"
    assert count(Clause) == before[2] + 4


def test_a_save_whose_text_changed_since_the_preview_is_shown_again(client, world):
    login(client, "secretariat")
    before = count(Document)
    response = post_draft(client, markdown=MARKDOWN + "\n3. One more.\n", intent="save",
                          digest="0" * 64)
    assert response.status_code == 200 and b"changed since the preview" in response.data
    assert count(Document) == before


def test_docx_upload_preview_then_save_with_the_signed_split(client, world):
    login(client, "secretariat")
    preview = post_draft(client, file=(io.BytesIO(zero_draft_docx()), "zero.docx"),
                         intent="preview")
    page = preview.data.decode()
    assert preview.status_code == 200 and "3 sections, 6 clauses" in page
    assert "Left out, above the title" in page
    token = page.split('name="draft_token" value="')[1].split('"')[0]
    digest = page.split('name="digest" value="')[1].split('"')[0]
    # A tampered token is refused, nothing saved.
    before = count(Document)
    bad = post_draft(client, draft_token=token[:-3] + "abc", digest=digest, intent="save")
    assert bad.status_code == 422 and b"altered" in bad.data and count(Document) == before
    saved = post_draft(client, draft_token=token, digest=digest, intent="save",
                       title="Bangkok Goals (zero draft)")
    assert saved.status_code == 302
    document = db.session.execute(select(Document).order_by(Document.id.desc())).scalars().first()
    assert document.title == "Bangkok Goals (zero draft)"
    assert sum(len(s[2]) for s in texts(document)) == 6


def test_another_users_signed_split_is_refused(client, app, world):
    from drafting.web.imports import DRAFT_SALT, sign
    draft = imports.read_zero_draft(world.user("secretariat"), markdown=MARKDOWN)
    with app.test_request_context():
        token = sign({"user": world.user("aus").id, "filename": "x.docx",
                      "draft": draft.to_dict()}, DRAFT_SALT)
    login(client, "secretariat")
    response = post_draft(client, draft_token=token, intent="preview")
    assert response.status_code == 422 and b"another account" in response.data


@pytest.mark.parametrize("data, status, words", [
    ({"file": (io.BytesIO(b"just text"), "draft.docx")}, 422, "not a Word"),
    ({"file": (io.BytesIO(zip_bomb(30 * 1024 * 1024)), "draft.docx")}, 422, "was not opened"),
    ({"file": (io.BytesIO(b"PK" + b"x" * (6 * 1024 * 1024)), "big.docx")}, 413, "up to 5 MB"),
    ({"markdown": "# Heading only\n\n## Another\n"}, 200, "no clause"),
    ({"markdown": ""}, 422, "paste the text"),
])
def test_bad_uploads_are_refused_on_the_page(client, world, data, status, words):
    login(client, "secretariat")
    before = count(Document)
    response = post_draft(client, intent="save", **data)
    assert response.status_code == status
    assert words in response.data.decode()
    assert count(Document) == before


def test_a_request_over_the_server_limit_is_413(client, world):
    login(client, "secretariat")
    response = post_draft(client, file=(io.BytesIO(b"x" * (9 * 1024 * 1024)), "huge.docx"),
                          intent="preview")
    assert response.status_code == 413


# --- API -------------------------------------------------------------------------------

def test_api_markdown_preview_then_import(client, world, api_token):
    headers = api_token("secretariat")
    before = count(Document)
    preview = client.post("/api/v1/documents/import?preview=1", headers=headers,
                          json={"symbol": "S/1", "markdown": MARKDOWN})
    assert preview.status_code == 200 and count(Document) == before
    body = preview.get_json()
    assert body["clauses"] == 4 and body["title"] == "Bangkok Goals on BCG Economy"
    assert body["sections"][0]["clauses"][0] == {
        "number": "PP1.", "text": "Recognising that climate change poses serious risks to the "
                                  "region;"}
    created = client.post("/api/v1/documents/import", headers=headers,
                          json={"symbol": "S/1", "classification": "Restricted",
                                "markdown": MARKDOWN})
    assert created.status_code == 201
    body = created.get_json()
    assert body["clauses"] == 4 and body["stage"] == "zero_draft"
    assert [s["kind"] for s in body["sections"]] == ["preamble", "operative"]
    assert body["sections"][1]["clauses"][1]["number"] == "OP2"
    assert db.session.get(Document, body["id"]).classification == "Restricted"


def test_api_docx_import(client, world, api_token):
    response = client.post("/api/v1/documents/import", headers=api_token("secretariat"),
                           data={"file": (io.BytesIO(zero_draft_docx()), "zero.docx"),
                                 "symbol": "S/2"}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["clauses"] == 6


@pytest.mark.parametrize("username, payload, status, code", [
    ("aus", {"symbol": "S", "markdown": MARKDOWN}, 403, "forbidden"),
    ("observer", {"symbol": "S", "markdown": MARKDOWN}, 403, "forbidden"),
    ("secretariat", {"symbol": "S", "markdown": "# Title\n\n## Only headings\n"}, 422,
     "no_clauses"),
    ("secretariat", {"symbol": "S", "markdown": 12}, 422, "invalid_input"),
    ("secretariat", {"symbol": "S", "markdown": MARKDOWN, "kinds": "preamble"}, 422,
     "invalid_input"),
])
def test_api_refusals(client, world, api_token, username, payload, status, code):
    before = count(Document)
    response = client.post("/api/v1/documents/import", headers=api_token(username), json=payload)
    assert response.status_code == status and response.get_json()["error"]["code"] == code
    assert count(Document) == before


def test_api_refuses_a_bad_file(client, world, api_token):
    response = client.post("/api/v1/documents/import", headers=api_token("secretariat"),
                           data={"file": (io.BytesIO(b"hello"), "x.docx"), "symbol": "S"},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "not_docx"
