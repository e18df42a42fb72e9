"""The two import previews in a real browser, on a laptop and on a phone: the delegation's
import report, and the zero draft's lines offered as "not a clause"."""
import pytest
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Document
from drafting.services import reading
from tests.browser.support import screenshot
from tests.imports.test_import_report import everywhere_file
from tests.imports.test_set_aside_lines import word_draft

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
def test_the_import_report_in_the_browser(world, page_as, tmp_path, size):
    page = page_as("aus")
    page.set_viewport_size(SIZES[size])
    upload = tmp_path / "AUS edits.docx"
    upload.write_bytes(everywhere_file())
    page.goto(f"/documents/{world.document.id}/import-changes")
    page.set_input_files("#file", str(upload))
    page.get_by_role("button", name="Read the file and preview").click()
    report = page.locator("table.import-report")
    report.wait_for()
    assert report.locator("tbody tr").count() == 14
    assert "rationale of item 2: New clause at the start of “Goal 1: Climate”" in \
        report.inner_text()
    # Nothing on the page is wider than the screen (the tables scroll inside their box).
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    screenshot(page, f"import-report-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_set_aside_lines_in_the_browser(world, page_as, tmp_path, size):
    page = page_as("secretariat")
    page.set_viewport_size(SIZES[size])
    upload = tmp_path / "zero.docx"
    upload.write_bytes(word_draft())
    page.goto("/documents/import")
    page.fill("#symbol", f"2022/SOM3/BCG/{size}")
    page.set_input_files("#file", str(upload))
    page.get_by_role("button", name="Preview the split").click()
    boxes = page.locator('input[name="include-aside"]')
    boxes.first.wait_for()
    assert boxes.count() == 4 and not any(b.is_checked() for b in boxes.all())
    screenshot(page, f"zero-draft-set-aside-{size}")
    page.get_by_label("Include it as a clause").nth(3).check()
    page.get_by_role("button", name="Preview again").click()
    page.get_by_text("2 sections, 4 clauses").wait_for()
    page.get_by_role("button", name="Create document (zero draft)").click()
    page.get_by_text("was created as a zero draft with 4 clauses").wait_for()
    db.session.expire_all()
    document = db.session.execute(
        select(Document).where(Document.symbol == f"2022/SOM3/BCG/{size}")).scalar_one()
    texts = [r.version.text for r in reading.document_view(document, viewer=None).rows]
    assert texts[-1] == "See the Putrajaya Vision 2040." and len(texts) == 4
