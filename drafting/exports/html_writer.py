"""HTML (and, through WeasyPrint, PDF) of every export mode, from one template."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from drafting.domain.bidi import text_direction
from drafting.domain.render import css_class_for
from drafting.exports.model import ExportDocument, unchanged_note

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.globals["econ_class"] = css_class_for
    env.globals["text_direction"] = text_direction  # WeasyPrint ignores dir="auto"
    env.globals["unchanged_note"] = unchanged_note
    return env


def write_html(export: ExportDocument, *, for_print: bool = False) -> bytes:
    """A standalone HTML page (styles inline in <style>, no scripts)."""
    template = _environment().get_template("exports/document.html")
    return template.render(e=export, for_print=for_print).encode("utf-8")


class PdfUnavailable(RuntimeError):
    """WeasyPrint or a system library it needs (Pango) is missing on this machine."""


def write_pdf(export: ExportDocument) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: Pango/HarfBuzz shared library missing
        raise PdfUnavailable(
            "PDF export needs WeasyPrint and the Pango libraries (Debian: libpango-1.0-0 "
            f"libpangoft2-1.0-0 libharfbuzz-subset0); they are not available here: {error}"
        ) from error
    return HTML(string=write_html(export, for_print=True).decode("utf-8"),
                base_url=str(TEMPLATES)).write_pdf()
