"""Turning export data into files: format checks, writers, names and media types."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from drafting.domain.errors import DomainError, InvalidInput
from drafting.exports.model import ExportDocument

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "akn": "application/akn+xml",
}
EXTENSIONS = {"docx": "docx", "pdf": "pdf", "html": "html", "md": "md", "akn": "xml"}
FORMATS_BY_MODE = {
    "clean": ("docx", "pdf", "html", "md", "akn"),
    "redline": ("docx", "pdf", "html", "md"),
    "compilation": ("docx", "pdf", "html", "md"),
    "disposition": ("docx", "html", "pdf"),
}


class ExportUnavailable(DomainError):
    """A format that needs a component this machine lacks (PDF without Pango)."""

    status = 503
    code = "export_unavailable"


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str


def check_format(mode: str, fmt: str) -> None:
    if mode not in FORMATS_BY_MODE:
        raise InvalidInput(f"mode must be one of {', '.join(FORMATS_BY_MODE)}.",
                           details={"field": "mode"})
    if fmt not in FORMATS_BY_MODE[mode]:
        raise InvalidInput(f"The {mode} text is available as {', '.join(FORMATS_BY_MODE[mode])}; "
                           f"not as {fmt!r}.", details={"field": "format"})


def render_file(export: ExportDocument, fmt: str) -> ExportFile:
    # Each writer and its library (python-docx, lxml, WeasyPrint) is imported when a file of
    # its format is first asked for, not by every process start (`flask --help` included).
    from drafting.exports.akn_writer import write_akn
    from drafting.exports.docx_writer import write_docx
    from drafting.exports.html_writer import PdfUnavailable, write_html, write_pdf
    from drafting.exports.markdown_writer import write_markdown

    check_format(export.mode, fmt)
    if fmt == "docx":
        content = write_docx(export)
    elif fmt == "pdf":
        try:
            content = write_pdf(export)
        except PdfUnavailable as error:
            raise ExportUnavailable(str(error)) from error
    elif fmt == "html":
        content = write_html(export)
    elif fmt == "md":
        content = write_markdown(export)
    else:
        content = write_akn(export)
    # Symbols may hold any script: the name keeps their letters (sent as RFC 5987 filename*,
    # with an ASCII fallback: drafting/web/exports.py).
    slug = re.sub(r"[\W_]+", "-", export.symbol).strip("-") or "document"
    point = re.sub(r"[^\w.]+|_", "-", export.revision).strip("-")
    if export.compared:
        point = "_".join(re.sub(r"[^\w.]+|_", "-", p).strip("-") for p in export.compared)
    return ExportFile(content, MEDIA_TYPES[fmt], f"{slug}_{export.mode}_{point}.{EXTENSIONS[fmt]}")


def ascii_filename(filename: str) -> str:
    """`filename` in printable ASCII for clients that ignore filename*: accents dropped, any
    other character outside [A-Za-z0-9._-] a hyphen."""
    decomposed = unicodedata.normalize("NFKD", filename)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    stem, dot, extension = plain.rpartition(".")
    stem = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._-]", "-", stem)).strip("-")
    return f"{stem or 'document'}{dot}{extension}"


def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True
