"""Footnote-like lines of a zero draft: offered in the preview as "not a clause", left out
unless the secretariat includes them."""
import io

import pytest
from sqlalchemy import select

from drafting.domain.draft_parsing import (SourceParagraph, build_draft, choose_set_aside,
                                           footnote_marker)
from drafting.domain.markdown_draft import parse_markdown
from drafting.extensions import db
from drafting.models import Document
from drafting.services import imports, reading
from tests.api.test_openapi import assert_matches_spec, spec_once
from tests.factories import login
from tests.imports.builders import (SIZED_STYLES, footnote_ref, notes_part, p, r, raw_docx,
                                    small)


@pytest.mark.parametrize("line, marker", [
    ("¹ APEC Leaders' Declaration, Putrajaya, 2020.", "¹"),
    ("¹²Source: UNEP, 2021.", "¹²"),
    ("* Source: APEC Policy Support Unit, 2022.", "*"),
    ("† Adopted by Ministers in 2021.", "†"),
    ("[^3]: See the Bangkok Goals annex.", "[^3]"),
    ("1 See https://www.apec.org/bcg for the background paper.", "1"),
    ("12 Source: FAO (2021).", "12"),
    ("2 Available at www.apec.org.", "2"),
])
def test_footnote_markers(line, marker):
    assert footnote_marker(line)[0] == marker


@pytest.mark.parametrize("line", [
    "1. We will act.",
    "1) We will act.",
    "2030 is the target year.",
    "21 economies will report on progress.",
    "PP1. Recognising the risks;",
    "We will act*.",
])
def test_clauses_are_not_footnotes(line):
    assert footnote_marker(line) is None


MARKDOWN = """# Bangkok Goals

## Preamble

PP1. Recognising that climate change poses serious risks to the region;
¹ APEC Leaders' Declaration, 2021.

## Goal 1: Climate action

1. We will reduce emissions by 2030.
2 Source: UNEP Emissions Gap Report.
2. We will cooperate on marine debris.
"""


def test_set_aside_lines_are_left_out_unless_included():
    draft = parse_markdown(MARKDOWN)
    assert draft.clause_count == 3
    assert [(i, s.heading, c.number, c.text, c.included) for i, s, c in draft.set_aside()] == [
        (0, "Preamble", "¹", "APEC Leaders' Declaration, 2021.", False),
        (1, "Goal 1: Climate action", "2", "Source: UNEP Emissions Gap Report.", False),
    ]
    assert any("look like a footnote" in note for note in draft.notes)
    choose_set_aside(draft, [1])
    assert draft.clause_count == 4 and draft.set_aside()[1][2].included
    choose_set_aside(draft, [])
    assert draft.clause_count == 3


def test_a_draft_of_footnotes_only_has_no_clause():
    draft = build_draft([SourceParagraph("Notes", 1),
                         SourceParagraph("* Source: APEC, 2022.")])
    assert draft.clause_count == 0 and "no clause" in draft.problems[0]
    choose_set_aside(draft, [0])
    assert draft.clause_count == 1 and draft.problems == []


def word_draft() -> bytes:
    """Body text in 11 pt; a footnote-style line, an 8-pt line, a "¹" line, and a paragraph
    carrying a real Word footnote."""
    footnotes = notes_part("footnote", {1: "UNFCCC, Paris Agreement, 2015."})
    return raw_docx("".join([
        p(r("Bangkok Goals"), style="Title"),
        p(r("Preamble"), style="Heading1"),
        p(r("PP1. Recognising that climate change poses serious risks to the region;"),
          footnote_ref(1)),
        p(r("Recalling the Paris Agreement and its goals;")),
        p(r("APEC Secretariat, background note."), style="FootnoteText"),
        p(r("Goal 1: Climate"), style="Heading1"),
        p(r("We will reduce emissions by 2030.")),
        p(small("Figures from the IEA World Energy Outlook, 2022.")),
        p(r("¹ See the Putrajaya Vision 2040.")),
    ]), styles=SIZED_STYLES, extra_parts={"word/footnotes.xml": footnotes})


def test_word_footnotes_note_styles_and_small_print_are_set_aside(world):
    draft = imports.read_zero_draft(world.user("secretariat"),
                                    upload=imports.Upload(word_draft(), "zero.docx"))
    assert [(c.text, c.aside.split(" (")[0]) for _, _, c in draft.set_aside()] == [
        ("UNFCCC, Paris Agreement, 2015.", "it is the text of Word footnote 1"),
        ("APEC Secretariat, background note.", "it has Word's footnote text style"),
        ("Figures from the IEA World Energy Outlook, 2022.", "it is set in a smaller font"),
        ("See the Putrajaya Vision 2040.", "it opens with the footnote marker “¹”"),
    ]
    assert "8 pt; the text is in 11 pt" in draft.set_aside()[2][2].aside
    assert draft.clause_count == 3


def post_draft(client, **data):
    data.setdefault("title", "")
    data.setdefault("symbol", "2022/SOM3/BCG/009")
    return client.post("/documents/import", data=data, content_type="multipart/form-data")


def field(page: str, name: str) -> str:
    return page.split(f'name="{name}" value="')[1].split('"')[0]


def texts(document):
    return [r.version.text for block in reading.document_view(document, viewer=None).sections
            for r in block.rows]


def test_the_preview_offers_each_line_and_the_save_follows_the_choice(client, world):
    login(client, "secretariat")
    page = post_draft(client, file=(io.BytesIO(word_draft()), "zero.docx"),
                      intent="preview").data.decode()
    assert "2 sections, 3 clauses" in page
    assert page.count('name="include-aside"') == 4 and 'name="include-aside" value="0"' in page
    assert "checked" not in page.split('name="include-aside" value="0"')[1].split(">")[0]
    assert "Looks like a footnote or source note: it is the text of Word footnote 1" in page
    token, digest = field(page, "draft_token"), field(page, "digest")
    # Preview again with one line included: it is numbered and ticked; the digest is the
    # one of the split as read, so the save still matches.
    again = post_draft(client, draft_token=token, digest=digest, intent="preview",
                       **{"include-aside": ["3"]}).data.decode()
    assert "2 sections, 4 clauses" in again and field(again, "digest") == digest
    assert 'value="3" aria-describedby="aside-reason-3" checked' in again
    saved = post_draft(client, draft_token=token, digest=digest, intent="save",
                       **{"include-aside": ["3"]})
    assert saved.status_code == 302
    document = db.session.execute(select(Document).order_by(Document.id.desc())).scalars().first()
    assert texts(document) == [
        "Recognising that climate change poses serious risks to the region;",
        "Recalling the Paris Agreement and its goals;",
        "We will reduce emissions by 2030.",
        "See the Putrajaya Vision 2040.",
    ]


def test_by_default_set_aside_lines_are_not_imported(client, world):
    login(client, "secretariat")
    page = post_draft(client, markdown=MARKDOWN, intent="preview").data.decode()
    saved = post_draft(client, markdown=MARKDOWN, intent="save", digest=field(page, "digest"))
    assert saved.status_code == 302
    document = db.session.execute(select(Document).order_by(Document.id.desc())).scalars().first()
    assert not any("Source" in t or "Declaration" in t for t in texts(document))
    assert len(texts(document)) == 3


def test_api_preview_lists_set_aside_lines_and_the_import_takes_the_choice(client, world,
                                                                          api_token):
    headers = api_token("secretariat")
    previewed = client.post("/api/v1/documents/import?preview=1", headers=headers,
                            json={"symbol": "S/9", "markdown": MARKDOWN})
    assert_matches_spec(spec_once(), "POST", "/documents/import", previewed)
    preview = previewed.get_json()
    assert preview["clauses"] == 3
    assert preview["set_aside"] == [
        {"id": 0, "section": "Preamble", "number": "¹",
         "text": "APEC Leaders' Declaration, 2021.",
         "reason": "it opens with the footnote marker “¹”", "included": False},
        {"id": 1, "section": "Goal 1: Climate action", "number": "2",
         "text": "Source: UNEP Emissions Gap Report.",
         "reason": "it opens with the number “2” before a source note", "included": False},
    ]
    created = client.post("/api/v1/documents/import", headers=headers,
                          json={"symbol": "S/9", "markdown": MARKDOWN, "include": [0]})
    assert created.status_code == 201
    assert_matches_spec(spec_once(), "POST", "/documents/import", created)
    assert created.get_json()["sections"][0]["clauses"][1]["text"] == \
        "APEC Leaders' Declaration, 2021."
    multipart = client.post("/api/v1/documents/import", headers=headers,
                            data={"file": (io.BytesIO(word_draft()), "zero.docx"),
                                  "symbol": "S/10", "include": ["0", "1"]},
                            content_type="multipart/form-data")
    assert multipart.status_code == 201 and multipart.get_json()["clauses"] == 5
    bad = client.post("/api/v1/documents/import", headers=headers,
                      json={"symbol": "S/9", "markdown": MARKDOWN, "include": "all"})
    assert bad.status_code == 422
