"""Exports of clauses in other scripts: right-to-left direction (HTML, PDF, DOCX), and PDF
lines that stay inside the page with every glyph drawn from a real font.

These work on the writers' plain data (ExportDocument), so they need no database.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timezone
from io import BytesIO

import pytest
from lxml import etree

from drafting.exports.docx_writer import write_docx
from drafting.exports.html_writer import PdfUnavailable, write_html, write_pdf
from drafting.exports.model import (DispositionRow, ExportDocument, ExportSection, LegendEntry,
                                    Paragraph, Run)

SHY = "\u00ad"
ARABIC = "الاقتصاد الحيوي الدائري الأخضر APEC 2030 يعزز النمو المستدام "
HEBREW = "כלכלה ביולוגית מעגלית ירוקה APEC"
THAI = "เศรษฐกิจชีวภาพ เศรษฐกิจหมุนเวียน และเศรษฐกิจสีเขียว"
CJK = "生物循环绿色经济 バイオ循環 녹색경제"
EMOJI = "🌏🌱👍🏽"
# Soft hyphens between chunks that are each too long for half a line.
SHY_WORD = SHY.join(["Bio" + "c" * 40, "circular" + "g" * 40, "green" + "e" * 40, "economySHYEND"])
URL = ("https://example.org/" + "bcg/" * 20 + "a" * 200)[:194] + "URLEND"
LONG_WORD = "W" + "x" * 143 + "WRDEND"
A4_WIDTH_PT, SIDE_MARGIN_PT = 595.28, 20 / 25.4 * 72


def export(paragraphs, mode="redline", disposition=()):
    return ExportDocument(
        title="Bangkok Goals", symbol="2022/SOM3/001", stage="Negotiation", revision="Rev.1",
        date=datetime(2022, 8, 1, tzinfo=timezone.utc), classification="Public", mode=mode,
        sections=[ExportSection("Goal 1", list(paragraphs))],
        legend=[LegendEntry("USA", "United States", "#1f4e9c"),
                LegendEntry("CHN", "China", "#a4161a")],
        disposition=list(disposition))


def arabic_redline() -> Paragraph:
    return Paragraph("OP5", [Run("equal", ARABIC), Run("insert", "نص مدرج", "USA", "United States"),
                             Run("delete", " قديم", "CHN", "China"), Run("equal", " نهاية")],
                     change="changed")


def every_script() -> list[Paragraph]:
    return [
        Paragraph("OP1", [Run("equal", "Soft hyphens: " + SHY_WORD + " after")]),
        Paragraph("OP2", [Run("equal", "See "), Run("insert", URL, "USA")], change="changed"),
        Paragraph("OP3", [Run("equal", "Word: " + LONG_WORD + " tail")]),
        Paragraph("OP4", [Run("equal", f"{THAI} {CJK} {EMOJI}")]),
        arabic_redline(),
        Paragraph("OP6", [Run("equal", HEBREW)]),
    ]


# --- HTML --------------------------------------------------------------------------------


def text_containers(html: str) -> dict[str, str]:
    """Clause number → the dir attribute of its text container."""
    return dict(re.findall(r'<div class="num">([^<]+)</div>\s*<div class="text" dir="(\w+)"', html))


def test_html_export_writes_the_direction_of_each_clause_down():
    html = write_html(export(every_script())).decode()
    assert text_containers(html) == {"OP1": "ltr", "OP2": "ltr", "OP3": "ltr", "OP4": "ltr",
                                     "OP5": "rtl", "OP6": "rtl"}
    # Economy labels are Latin and isolated, so "USA" cannot reorder the Arabic around it.
    labels = re.findall(r'<span class="attr [^"]*"( dir="ltr")?>(\w+)</span>', html)
    assert ("USA" in [code for _, code in labels]) and all(marked for marked, _ in labels)
    assert "ins, del, .attr { unicode-bidi: isolate; }" in html


def test_html_export_marks_a_whole_inserted_arabic_clause_and_the_disposition_cells():
    added = Paragraph("OP7", [Run("equal", HEBREW)], change="added", author="USA")
    html = write_html(export([added])).decode()
    assert text_containers(html) == {"OP7": "rtl"}
    table = write_html(export([], mode="disposition", disposition=[
        DispositionRow("OP1", ARABIC, [{"id": 1, "economy": "USA", "action": "amend",
                                        "text": HEBREW, "outcome": "Accepted"}], "Plain text")]))
    cells = re.findall(r'<td dir="(\w+)">', table.decode())
    assert cells == ["rtl", "ltr"]
    assert f"<bdi>{HEBREW}</bdi>" in table.decode()


def test_html_export_wraps_long_words_and_names_a_font_for_every_script():
    html = write_html(export(every_script()), for_print=True).decode()
    assert "overflow-wrap: anywhere" in html.split(".text {")[1].split("}")[0]
    assert "hyphens: manual" in html.split(".text {")[1].split("}")[0]
    for family in ("Noto Serif", "Noto Naskh Arabic", "Noto Serif Hebrew", "Noto Serif Thai",
                   "Noto Serif CJK SC", 'local("Noto Color Emoji")', "Noto Sans CJK SC"):
        assert family in html
    assert "&#34;" not in html.split("</style>")[0]  # the stacks are not HTML-escaped


# --- DOCX --------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_paragraphs(data: bytes) -> list[etree._Element]:
    xml = zipfile.ZipFile(BytesIO(data)).read("word/document.xml")
    return etree.fromstring(xml).iter(f"{W}p")


def paragraph_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}delText"))


def test_docx_marks_right_to_left_paragraphs_and_runs():
    paragraphs = {p.find(f".//{W}t").text: p
                  for p in docx_paragraphs(write_docx(export(every_script())))
                  if p.find(f".//{W}t") is not None}
    for number in ("OP1", "OP2", "OP3", "OP4"):
        assert paragraphs[number].find(f"{W}pPr/{W}bidi") is None, number
        assert not list(paragraphs[number].iter(f"{W}rtl")), number
    for number in ("OP5", "OP6"):
        p_pr = paragraphs[number].find(f"{W}pPr")
        assert p_pr.find(f"{W}bidi") is not None, number
        # Schema order: w:bidi before w:spacing, or Word refuses the file.
        names = [etree.QName(child).localname for child in p_pr]
        assert names.index("bidi") < names.index("spacing")
    # Every run of Arabic text, inside tracked changes too, is right to left; the number is not.
    op5 = paragraphs["OP5"]
    runs = {paragraph_text(r): r.find(f"{W}rPr/{W}rtl") is not None for r in op5.iter(f"{W}r")}
    assert runs == {"OP5": False, ARABIC: True, "نص مدرج": True, " قديم": True, " نهاية": True}
    assert op5.find(f"{W}ins/{W}r/{W}rPr/{W}rtl") is not None
    assert op5.find(f"{W}del/{W}r/{W}rPr/{W}rtl") is not None


def test_docx_marks_right_to_left_disposition_cells():
    data = write_docx(export([], mode="disposition", disposition=[
        DispositionRow("OP1", ARABIC, [{"id": 1, "economy": "USA", "action": "amend",
                                        "text": HEBREW, "outcome": "Accepted"}], "Plain text")]))
    bidi = [paragraph_text(p) for p in docx_paragraphs(data) if p.find(f"{W}pPr/{W}bidi") is not None]
    assert bidi == [ARABIC]
    rtl_runs = [paragraph_text(r) for p in docx_paragraphs(data) for r in p.iter(f"{W}r")
                if r.find(f"{W}rPr/{W}rtl") is not None]
    assert rtl_runs == [ARABIC, HEBREW]


# --- PDF ---------------------------------------------------------------------------------

def _pdf_of_every_script() -> bytes:
    for tool in ("pdftotext", "pdffonts"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} (Debian: poppler-utils) is not installed")
    try:
        return write_pdf(export(every_script()))
    except PdfUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return _pdf_of_every_script()


def poppler(tool: str, pdf: bytes, *args: str) -> str:
    return subprocess.run([tool, *args, "-", "-"] if tool == "pdftotext" else [tool, "-"],
                          input=pdf, capture_output=True, check=True).stdout.decode()


def test_pdf_loses_no_text_off_the_page(pdf):
    text = poppler("pdftotext", pdf, "-layout")
    # Lines may break inside long words; a soft hyphen shows as a hyphen at a line end only.
    joined = re.sub(r"[\s\u00ad\u2010-]", "", text)
    for marker in (SHY_WORD.replace(SHY, ""), URL, LONG_WORD, "after", "tail"):
        assert marker in joined, marker[-12:]
    for marker in ("เศรษฐกิจชีวภาพ", "生物循环绿色经济", "バイオ循環", "녹색경제", "🌏", "🌱",
                   "ירוקה", "نهاية"):
        assert marker.replace(" ", "") in joined, marker


def test_pdf_text_stays_inside_the_page_margins(pdf):
    boxes = poppler("pdftotext", pdf, "-bbox")
    page_width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
    assert page_width == pytest.approx(A4_WIDTH_PT, abs=0.5)
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', boxes)
    assert len(words) > 50
    right_edge = page_width - SIDE_MARGIN_PT + 0.5
    outside = [(x_min, x_max) for x_min, x_max in words
               if float(x_max) > right_edge or float(x_min) < SIDE_MARGIN_PT - 0.5]
    assert outside == []


def test_pdf_embeds_a_real_font_for_every_script(pdf):
    listing = poppler("pdffonts", pdf).splitlines()[2:]
    fonts = {line.split()[0].split("+")[-1]: line.split()[-5] for line in listing}
    assert set(fonts.values()) == {"yes"}, fonts  # every font is embedded
    names = " ".join(fonts)
    for script in ("CJK", "Color-Emoji", "Thai", "Arabic", "Hebrew"):
        assert script in names, (script, names)
