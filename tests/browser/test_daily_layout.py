"""A delegate's day on a laptop, a tablet and a phone (issue 16, items 1, 2, 10 and 11): the
pages fit every width without sideways scrolling or words broken mid-word, the outline follows
the scroll, the per-paragraph menu works from the keyboard, long fields count and say when a
paste was cut, and axe-core finds nothing serious in light or dark colours.

Screenshots land in test-artifacts/screenshots/daily-*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Clause, Document
from tests.browser.support import login, screenshot
from tests.browser.test_accessibility import (AXE_TAGS, FAILING_IMPACTS, WIDER_THAN_THE_WINDOW,
                                              _axe_source, _describe)

pytestmark = pytest.mark.browser

SIZES = {"1366": (1366, 768), "1920": (1920, 1080), "390": (390, 844), "768": (768, 1024)}

# Text whose words a style lets break at any letter (the "Austr alia" of a narrow column).
BREAKS_WORDS = """() => [...document.body.querySelectorAll('*')].filter(el => {
    if (!el.offsetParent || el.closest('code.token')) return false;
    const style = getComputedStyle(el);
    return style.overflowWrap === 'anywhere' || style.wordBreak === 'break-all';
  }).slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'))"""


def _pages() -> dict[str, tuple[str, str]]:
    """Name → (user, path) of the pages of the day."""
    document = db.session.execute(select(Document).order_by(Document.id)).scalars().first()
    clause = db.session.execute(select(Clause).where(Clause.document_id == document.id)
                                .order_by(Clause.position)).scalars().first()
    d = document.id
    return {
        "document": ("aus", f"/documents/{d}"),
        "document-filtered": ("aus", f"/documents/{d}?view=changes&open_proposals=1"),
        "clause": ("aus", f"/clauses/{clause.id}"),
        "desk": ("secretariat", f"/documents/{d}/desk"),
        "consensus": ("secretariat", f"/documents/{d}/consensus"),
        "not-found": ("aus", f"/documents/{d}/no-such-page"),
        "forbidden": ("aus", f"/documents/{d}/desk"),
        "form-error": ("aus", f"/documents/{d}/propose?action=amend&clause_id={clause.id}"),
    }


def _submit_empty_proposal(page) -> None:
    page.fill("#text", "")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit proposal").click()


def test_pages_fit_every_width_and_pass_axe_in_light_and_dark(demo, new_context):
    pages = _pages()
    source = _axe_source()
    problems, serious = {}, {}
    contexts = {}
    for user in ("aus", "secretariat"):
        context = new_context(bypass_csp=True)
        context.add_init_script(script=source)
        contexts[user] = context.new_page()
        login(contexts[user], user)
    for size, (width, height) in SIZES.items():
        for scheme in (("light", "dark") if size == "1366" else ("light",)):
            for page in contexts.values():
                page.set_viewport_size({"width": width, "height": height})
                page.emulate_media(color_scheme=scheme)
            for name, (user, path) in pages.items():
                page = contexts[user]
                page.goto(path)
                if name == "form-error":
                    _submit_empty_proposal(page)
                    expect(page.locator("#text-error")).to_be_visible()
                label = f"{name}-{size}-{scheme}"
                if scheme == "light" and size != "768":
                    screenshot(page, f"daily-{name}-{size}")
                if size in ("390", "768"):
                    wide = page.evaluate(WIDER_THAN_THE_WINDOW)
                    if wide:
                        problems[f"{label}: wider than the window"] = wide
                broken = page.evaluate(BREAKS_WORDS)
                if broken:
                    problems[f"{label}: words may break mid-word"] = broken
                if size == "1366":
                    result = page.evaluate(
                        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                      resultTypes: ['violations']})""",
                        AXE_TAGS)
                    bad = [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]
                    if bad:
                        serious[label] = bad
    report = "\n".join(_describe(name, vs) for name, vs in serious.items())
    assert not report, "axe-core found serious or critical violations:\n" + report
    assert not problems, problems


def test_phone_header_is_one_compact_row_and_menus_fold(demo, new_context):
    d = _pages()["document"][1]
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    login(page, "aus")
    page.goto(d)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 60, header
    # The document's pages: one compact menu showing where one is.
    nav_summary = page.locator(".doc-nav-menu > summary")
    expect(nav_summary).to_be_visible()
    expect(nav_summary).to_contain_text("Text")
    expect(page.get_by_role("link", name="Consensus")).to_be_hidden()
    nav_summary.click()
    expect(page.get_by_role("link", name="Consensus")).to_be_visible()
    # The paragraph number sits above its text.
    first = page.locator("article.clause").first
    number = first.locator(".clause-number").bounding_box()
    text = first.locator(".clause-text").bounding_box()
    assert number["y"] + number["height"] <= text["y"] + 1
    # The site menu opens from its button.
    expect(page.get_by_role("button", name="Log out")).to_be_hidden()
    page.locator(".site-menu > summary").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    # The desk's filters fold behind a disclosure.
    secretariat = new_context(viewport={"width": 390, "height": 844}).new_page()
    login(secretariat, "secretariat")
    secretariat.goto(_pages()["desk"][1])
    expect(secretariat.locator("#filter-clause")).to_be_hidden()
    secretariat.locator(".filter-box > summary").click()
    expect(secretariat.locator("#filter-clause")).to_be_visible()


def test_outline_menu_and_long_fields_work_from_the_keyboard(demo, new_context):
    pages = _pages()
    page = new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(page, "aus")
    page.goto(pages["document"][1])
    # The outline is open beside the text and marks the paragraph in view as the page scrolls.
    outline = page.locator("aside.outline")
    expect(outline.locator("a[data-outline-for]").first).to_be_visible()
    articles = page.locator("article.clause")
    target = articles.nth(articles.count() // 2)
    target_id = target.get_attribute("id")
    target.scroll_into_view_if_needed()
    page.evaluate("id => document.getElementById(id).scrollIntoView({block: 'start'})", target_id)
    expect(outline.locator(f"a[data-outline-for='{target_id}']")).to_have_attribute(
        "aria-current", "location")
    # The filter applies as soon as a box is ticked (and works as a plain form without JS).
    with page.expect_navigation():
        outline.get_by_label("With open proposals").check()
    assert "open_proposals=1" in page.url
    expect(page.locator(".filter-summary")).to_contain_text("with open proposals")
    # One actions menu per paragraph: Enter opens it, Escape closes it and gives focus back.
    summary = page.locator("details.clause-menu > summary").first
    summary.focus()
    page.keyboard.press("Enter")
    menu = page.locator("details.clause-menu").first
    expect(menu).to_have_attribute("open", "")
    expect(menu.get_by_role("link", name="Propose amendment", exact=False)).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    # A long field counts, warns before the limit, and says when a paste was cut.
    page.goto(pages["form-error"][1])
    rationale = page.locator("#rationale")
    expect(page.locator("#rationale-count")).to_have_text("0 of 5,000 characters")
    rationale.fill("r" * 4600)
    expect(page.locator("#rationale-count")).to_contain_text("400 left")
    rationale.fill("")
    page.evaluate("""() => {
        const field = document.getElementById('rationale');
        field.focus();
        const data = new DataTransfer();
        data.setData('text/plain', 'x'.repeat(50000));
        field.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                         cancelable: true}));
    }""")
    expect(page.locator("#rationale-paste")).to_contain_text(
        "only the first 5,000 of its 50,000 characters fit")
