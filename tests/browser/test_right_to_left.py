"""An Arabic clause in the real browser: it reads right to left, its changes and economy
labels are isolated, and the label of a change sits at the change's end (its left side)."""
from __future__ import annotations

import pytest

from tests.browser.support import SCREENSHOTS
from tests.web.test_web_rtl import arabic_world, pages_with_clause_text  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1366, 768), "wide": (1920, 1080), "phone": (390, 844)}

STYLES = """el => { const s = getComputedStyle(el);
  return {direction: s.direction, bidi: s.unicodeBidi, align: s.textAlign}; }"""

# For each economy label in the container: its box and the box of the change just before it.
LABEL_BESIDE_CHANGE = """container => [...container.querySelectorAll('sup.attr')].map(sup => {
  const change = sup.previousElementSibling, rects = change.getClientRects();
  const last = rects[rects.length - 1], label = sup.getBoundingClientRect();
  return {label: sup.textContent, labelLeft: label.left, labelRight: label.right,
          labelMiddle: (label.top + label.bottom) / 2, changeLeft: last.left,
          changeRight: last.right, changeTop: last.top, changeBottom: last.bottom};
})"""


def test_an_arabic_clause_reads_right_to_left_with_isolated_changes(arabic_world, page_as):
    page = page_as("observer")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/documents/{arabic_world.document.id}?view=changes")
    arabic = page.locator(f"#clause-{arabic_world.clauses[2].id} p.clause-text")
    english = page.locator(f"#clause-{arabic_world.clauses[3].id} p.clause-text")
    assert arabic.evaluate(STYLES)["direction"] == "rtl"
    assert english.evaluate(STYLES)["direction"] == "ltr"
    for change in arabic.locator("ins.chg, del.chg, sup.attr").all():
        assert change.evaluate(STYLES)["bidi"] == "isolate"
    labels = arabic.evaluate(LABEL_BESIDE_CHANGE)
    assert "AUS" in {label["label"] for label in labels}
    for label in labels:
        # A label follows its change in reading order: in Arabic, that is to its left.
        assert label["changeTop"] <= label["labelMiddle"] <= label["changeBottom"] + 8, label
        assert label["labelRight"] <= label["changeLeft"] + 1, label
    page.goto(f"/proposals/{arabic_world.aus.id}")
    assert page.locator("p.redline").first.evaluate(STYLES)["direction"] == "rtl"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_pages_with_an_arabic_clause_at_three_sizes(arabic_world, new_context, viewport):
    """Screenshots of every page that shows clause text (test-artifacts/screenshots/rtl-*),
    each with the Arabic clause scrolled into view and laid out right to left."""
    width, height = VIEWPORTS[viewport]
    pages = {}
    for name, (username, path) in pages_with_clause_text(arabic_world).items():
        if username not in pages:
            from tests.browser.support import login
            pages[username] = new_context(viewport={"width": width, "height": height}).new_page()
            login(pages[username], username)
        page = pages[username]
        page.goto(path)
        # The first container holding Arabic text, as a person would scroll to it.
        holder = page.locator("[dir=auto]", has_text="الانبعاثات").first
        holder.scroll_into_view_if_needed()
        assert holder.evaluate(STYLES)["direction"] == "rtl", name
        # Nothing spills sideways out of the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, name
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"rtl-{name}-{width}x{height}.png"))
