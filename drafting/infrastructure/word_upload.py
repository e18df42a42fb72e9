"""The one gate for uploaded Word files: size, zip structure, zip bombs, Word structure.

Every uploaded .docx goes through `read_docx_upload` before anything reads it further
(services/word_structure.py reads what it lets through).
"""
from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath


from drafting.domain.errors import DomainError, InvalidInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a statement in Word is a few hundred kB
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # real Word parts compress 3–15×
RATIO_CHECK_MIN_BYTES = 64 * 1024  # tiny parts cannot hurt whatever their ratio
MAX_ARCHIVE_ENTRIES = 2_000


class UploadTooLarge(DomainError):
    status = 413
    code = "upload_too_large"


@dataclass(frozen=True)
class Upload:
    """A file as it arrived, not yet checked: its bytes and the name the client gave it."""

    data: bytes
    filename: str | None = None


@dataclass(frozen=True)
class DocxFile:
    """An uploaded file that passed `read_docx_upload`."""

    data: bytes
    filename: str
    parts: frozenset[str]


def safe_filename(filename: str | None) -> str:
    """The file's base name, fit to quote in a rationale ("Imported from AUS edits.docx")."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C").strip()
    return name[:120] or "upload.docx"


def read_docx_upload(data: bytes, filename: str | None = None, *,
                     max_bytes: int = MAX_UPLOAD_BYTES) -> DocxFile:
    """Check that `data` is a Word .docx file safe to open; return it, or raise saying why.

    Refuses (nothing is read further): an empty or oversized upload (413), a name that is
    not .docx, anything that is not a zip archive, a damaged archive, an archive without the
    parts every Word document has, a macro-enabled document, an encrypted part, and zip bombs
    (more than MAX_UNCOMPRESSED_BYTES unpacked, or a part compressed more than
    MAX_COMPRESSION_RATIO times).
    """
    name = safe_filename(filename)
    if not data:
        raise InvalidInput("The uploaded file is empty.", code="empty_upload")
    if len(data) > max_bytes:
        raise UploadTooLarge(f"The file is {len(data) / 1048576:.1f} MB; files up to "
                             f"{max_bytes / 1048576:.0f} MB can be imported.",
                             details={"max_bytes": max_bytes})
    if filename and not name.lower().endswith(".docx"):
        hint = " Open it in Word and save it as “Word Document (.docx)” first." \
            if name.lower().endswith((".doc", ".rtf", ".odt", ".docm")) else ""
        raise InvalidInput(f"“{name}” is not a Word .docx file: only .docx files can be "
                           f"imported.{hint}", code="not_docx")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data[:4] == b"PK\x03\x04":
            raise InvalidInput(f"“{name}” is damaged and cannot be opened (the archive is "
                               "truncated or corrupt).", code="corrupt_docx")
        raise InvalidInput(f"“{name}” is not a Word .docx file (its content is not a Word "
                           "document, whatever its name says).", code="not_docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _refuse_bombs(name, infos)
            parts = frozenset(info.filename for info in infos)
            missing = [p for p in ("[Content_Types].xml", "word/document.xml") if p not in parts]
            if missing:
                raise InvalidInput(f"“{name}” is a zip archive but not a Word document (it has "
                                   f"no {' and no '.join(missing)}).", code="not_docx")
            content_types = archive.read("[Content_Types].xml")
            if b"macroEnabled" in content_types:
                raise InvalidInput(f"“{name}” is a macro-enabled document; save it as a plain "
                                   "Word Document (.docx) first.", code="not_docx")
            broken = archive.testzip()  # reads every part: sizes are bounded above
            if broken is not None:
                raise InvalidInput(f"“{name}” is damaged (the part {broken} is corrupt).",
                                   code="corrupt_docx")
            _parse_xml(archive.read("word/document.xml"), name, "word/document.xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
            OSError, NotImplementedError, RuntimeError) as error:
        raise InvalidInput(f"“{name}” is damaged and cannot be opened ({error}).",
                           code="corrupt_docx") from None
    return DocxFile(data=data, filename=name, parts=parts)


def _refuse_bombs(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ARCHIVE_ENTRIES:
        raise InvalidInput(f"“{name}” holds {len(infos):,} parts; a Word document has a few "
                           "dozen. It was not opened.", code="suspicious_archive")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise InvalidInput(f"“{name}” would unpack to {total / 1048576:,.0f} MB (at most "
                           f"{MAX_UNCOMPRESSED_BYTES / 1048576:.0f} MB are accepted). It was "
                           "not opened.", code="suspicious_archive")
    for info in infos:
        if info.flag_bits & 0x1:
            raise InvalidInput(f"“{name}” is password-protected; remove the protection and "
                               "upload it again.", code="encrypted_docx")
        if info.file_size >= RATIO_CHECK_MIN_BYTES and \
                info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise InvalidInput(f"“{name}” looks like a zip bomb (its part {info.filename} is "
                               f"compressed {info.file_size // max(info.compress_size, 1):,} "
                               "times). It was not opened.", code="suspicious_archive")


_PARSER = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _parse_xml(xml: bytes, name: str, part: str):
    from lxml import etree  # loaded by the first upload, not by every process start

    try:
        return etree.fromstring(xml, etree.XMLParser(**_PARSER))
    except etree.XMLSyntaxError as error:
        raise InvalidInput(f"“{name}” is damaged: {part} is not valid XML ({error}).",
                           code="corrupt_docx") from None


def read_part(docx: DocxFile, part: str):
    if part not in docx.parts:
        return None
    with zipfile.ZipFile(io.BytesIO(docx.data)) as archive:
        return _parse_xml(archive.read(part), docx.filename, part)


