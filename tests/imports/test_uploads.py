"""One gate for every uploaded Word file: bad uploads are refused with a clear message."""
import pytest

from drafting.domain.errors import InvalidInput
from drafting.services.imports import (MAX_UPLOAD_BYTES, UploadTooLarge, read_docx_upload,
                                       safe_filename)
from tests.imports.builders import (corrupt_docx, p, r, raw_docx, zero_draft_docx, zip_bomb,
                                    zip_with)


def test_a_real_docx_passes():
    upload = read_docx_upload(zero_draft_docx(), "C:\\Users\\tha\\Zero draft.docx")
    assert upload.filename == "Zero draft.docx"
    assert "word/document.xml" in upload.parts


@pytest.mark.parametrize("data, filename, code, words", [
    (b"", "draft.docx", "empty_upload", "empty"),
    (b"Recognising the risks;\nWe will act.\n", "draft.docx", "not_docx", "not a Word"),
    (b"%PDF-1.7 not a word file", "draft.docx", "not_docx", "not a Word"),
    (zero_draft_docx(), "draft.doc", "not_docx", "save it as"),
    (zero_draft_docx(), "draft.pdf", "not_docx", "only .docx"),
    (zip_with({"hello.txt": b"hi"}), "draft.docx", "not_docx", "no [Content_Types].xml"),
    (zip_with({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}), "a.docx",
     "not_docx", "no word/document.xml"),
    (raw_docx(p(r("x")), content_types_extra=".macroEnabled"), "a.docx", "not_docx",
     "macro-enabled"),
    (corrupt_docx(), "draft.docx", "corrupt_docx", "damaged"),
    (zero_draft_docx()[:3000], "draft.docx", "corrupt_docx", "damaged"),
    (zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document"}),
     "a.docx", "corrupt_docx", "not valid XML"),
])
def test_bad_files_are_refused(data, filename, code, words):
    with pytest.raises(InvalidInput) as refused:
        read_docx_upload(data, filename)
    assert refused.value.code == code and refused.value.status == 422
    assert words in refused.value.message


def test_a_zip_bomb_over_the_unpacked_limit_is_refused():
    with pytest.raises(InvalidInput) as refused:
        read_docx_upload(zip_bomb(30 * 1024 * 1024), "bomb.docx")
    assert refused.value.code == "suspicious_archive"
    assert "unpack to 30 MB" in refused.value.message


def test_a_part_compressed_a_thousand_times_is_refused():
    bomb = zip_bomb(5 * 1024 * 1024)  # under the size limit, but a ratio no Word part has
    assert len(bomb) < 50_000
    with pytest.raises(InvalidInput) as refused:
        read_docx_upload(bomb, "bomb.docx")
    assert refused.value.code == "suspicious_archive" and "zip bomb" in refused.value.message


def test_too_many_parts_are_refused():
    many = zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<x/>",
                     **{f"word/media/{i}.bin": b"" for i in range(2100)}})
    with pytest.raises(InvalidInput, match="parts"):
        read_docx_upload(many, "many.docx")


def test_an_oversized_upload_is_413_before_anything_is_read():
    with pytest.raises(UploadTooLarge) as refused:
        read_docx_upload(b"PK" + b"x" * MAX_UPLOAD_BYTES, "big.docx")
    assert refused.value.status == 413 and "up to 5 MB" in refused.value.message
    with pytest.raises(UploadTooLarge):
        read_docx_upload(zero_draft_docx(), "small.docx", max_bytes=1000)


def test_billion_laughs_entities_are_not_expanded():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
              b'main"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>')
    upload = read_docx_upload(zip_with({"[Content_Types].xml": b"<Types/>",
                                        "word/document.xml": laughs}), "l.docx")
    assert upload.filename == "l.docx"  # opened, but the entity stays unexpanded


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd.docx", "passwd.docx"), ("C:\\a\\b.docx", "b.docx"),
    ("bad\x00name.docx", "badname.docx"), ("", "upload.docx"), (None, "upload.docx"),
])
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe
