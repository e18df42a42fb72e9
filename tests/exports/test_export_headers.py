"""Export responses: one charset parameter on text formats, and file names per RFC 6266 with
an RFC 5987 filename* (symbols may hold any script), from the page route and the API."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from werkzeug.http import parse_options_header

from drafting.extensions import db
from drafting.services import revisions
from drafting.services.export_files import FORMATS_BY_MODE, ascii_filename
from drafting.web.exports import content_disposition
from tests.factories import login

DISPOSITION = re.compile(r"^(attachment|inline); filename=\"([A-Za-z0-9._-]+)\"; "
                         r"filename\*=UTF-8''([A-Za-z0-9!#$&+^`|~%._-]+)$")
EXPECTED_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf", "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8", "akn": "application/akn+xml",
}
CASES = [(mode, fmt) for mode, formats in FORMATS_BY_MODE.items() for fmt in formats]


@pytest.fixture
def unicode_world(world):
    world.document.symbol = "2026/ÉCON/経済/1"
    revisions.issue_revision(world.user("secretariat"), world.document, "Rev.1")
    db.session.commit()
    return world


@pytest.mark.parametrize("mode, fmt", CASES)
def test_content_type_and_disposition_on_both_routes(unicode_world, client, api_token, mode, fmt):
    login(client, "observer")
    query = f"format={fmt}&mode={mode}" + ("&from=1&to=current" if mode == "redline" else "")
    document_id = unicode_world.document.id
    for response in (client.get(f"/documents/{document_id}/export?{query}"),
                     client.get(f"/api/v1/documents/{document_id}/export?{query}",
                                headers=api_token("jpn"))):
        assert response.status_code == 200, response.data[:300]
        content_type = response.headers["Content-Type"]
        assert content_type == EXPECTED_TYPES[fmt]
        assert content_type.count("charset") == (1 if fmt in ("html", "md") else 0)
        header = response.headers["Content-Disposition"]
        match = DISPOSITION.match(header)
        assert match, header
        kind, fallback, encoded = match.groups()
        assert kind == ("inline" if fmt == "html" else "attachment")
        name = unquote(encoded, encoding="utf-8", errors="strict")
        assert name.startswith("2026-ÉCON-経済-1_") and name.endswith(
            "." + ("xml" if fmt == "akn" else fmt))
        assert fallback.startswith("2026-ECON-1_") and fallback == ascii_filename(name)
        # What a client following RFC 6266 reads (Werkzeug prefers filename*).
        assert parse_options_header(header) == (kind, {"filename": name})


@pytest.mark.parametrize("name, fallback", [
    ("2026-AELM-1_clean_Rev.1.docx", "2026-AELM-1_clean_Rev.1.docx"),
    ("2026-ÉCON-1_redline_Rev.1_Current-text.md", "2026-ECON-1_redline_Rev.1_Current-text.md"),
    ("経済_clean_Rev.1.pdf", "_clean_Rev.1.pdf"),
    ("経済.pdf", "document.pdf"),
    ('a"b\\c;d.html', "a-b-c-d.html"),
])
def test_ascii_fallback_and_encoded_name(name, fallback):
    header = content_disposition("attachment", name)
    assert DISPOSITION.match(header), header
    assert ascii_filename(name) == fallback
    assert parse_options_header(header) == ("attachment", {"filename": name})
