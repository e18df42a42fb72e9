"""Keyboard use in the real browser, under the app's real Content Security Policy.

Every link, button and form control on the main pages must be reachable with Tab and show a
visible focus indicator; a comment can be written and posted with the keyboard alone; and no
status is told by colour alone.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import login, screenshot
from tests.browser.test_accessibility import demo_pages

pytestmark = pytest.mark.browser

# Marks every control a keyboard user must be able to reach, and returns a description of
# each. Controls not rendered (in a closed <details>, hidden) or disabled are not expected.
# Radio buttons of one group share one tab stop (the arrow keys move within the group).
MARK_CONTROLS = """() => {
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex]';
  const controls = [...document.querySelectorAll(selector)].filter(el =>
    !el.disabled && el.type !== 'hidden' && el.getAttribute('tabindex') !== '-1'
    && el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})
    && !el.closest('[inert]'));
  return controls.map((el, index) => {
    el.dataset.kbStop = el.type === 'radio' && el.name ? 'radio:' + el.form?.id + ':' + el.name
                                                      : String(index);
    return {stop: el.dataset.kbStop,
            what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "'
                  + (el.innerText || el.value || el.getAttribute('aria-label') || '')
                      .trim().slice(0, 40) + '"'};
  });
}"""

# Records, for each element that receives focus, its mark and whether a focus indicator is
# drawn (an outline or a box shadow) while it has keyboard focus.
RECORD_FOCUS = """() => {
  window.kbLog = [];
  document.addEventListener('focusin', event => {
    const el = event.target, style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    window.kbLog.push({stop: el.dataset.kbStop || null, focusVisible: el.matches(':focus-visible'),
                       indicator: outline || shadow,
                       what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')});
  });
}"""

KEYBOARD_PAGES = ["document-clean", "document-changes", "clause", "proposal", "merge-desk",
                  "consensus-matrix", "compare", "workflow", "notifications", "new-proposal"]


def _tab_through(page) -> tuple[list[dict], list[dict]]:
    controls = page.evaluate(MARK_CONTROLS)
    page.evaluate(RECORD_FOCUS)
    expected = {c["stop"] for c in controls}
    # Start from the top of the document, as after loading the page.
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    # Some controls take several stops (a datetime-local field has one per part), so tab on
    # until everything was reached, with a generous bound.
    presses, log, reached = 0, [], set()
    while presses < 3 * len(controls) + 30 and not expected <= reached:
        for _ in range(25):
            page.keyboard.press("Tab")
        presses += 25
        log = page.evaluate("() => window.kbLog")
        reached = {entry["stop"] for entry in log}
    missing = [c for c in controls if c["stop"] in expected - reached]
    return missing, log


def test_every_control_on_the_main_pages_is_reachable_by_tab_with_visible_focus(demo,
                                                                                  page_as):
    pages = demo_pages()
    secretariat = page_as("secretariat")
    delegate = page_as("aus")
    problems = []
    checked = 0
    for name in KEYBOARD_PAGES:
        page = delegate if name == "new-proposal" else secretariat
        page.goto(pages[name])
        missing, log = _tab_through(page)
        checked += len({entry["stop"] for entry in log})
        problems += [f"{name}: not reachable by Tab: {c['what']}" for c in missing]
        problems += [f"{name}: no visible focus indicator on {e['what']}"
                     for e in log if not (e["focusVisible"] and e["indicator"])]
    page = page_as("aus")  # the login page, logged out in a fresh context
    page.get_by_role("button", name="Log out").click()
    page.goto("/login")
    missing, log = _tab_through(page)
    problems += [f"login: not reachable by Tab: {c['what']}" for c in missing]
    assert not problems, "\n".join(problems)
    assert checked > 300  # the demo pages have hundreds of controls; all were visited


def test_skip_link_is_the_first_stop_and_moves_to_the_content(world, page_as):
    page = page_as("nz")
    page.goto(f"/documents/{world.document.id}")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    # The next stop is inside <main>, past the header's navigation.
    assert page.evaluate("() => !!document.activeElement.closest('main')")


def test_a_comment_is_written_and_posted_with_the_keyboard_only(world, page_as):
    clause = world.clauses[2]
    page = page_as("nz")
    page.goto(f"/clauses/{clause.id}")
    comment_box = page.get_by_label("New comment")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name === 'body'"):
            break
    expect(comment_box).to_be_focused()
    page.keyboard.type("Typed without a mouse: “clean energy” should read “renewable energy”.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Post comment")).to_be_focused()
    page.keyboard.press("Enter")
    posted = page.locator(".comment").filter(has_text="Typed without a mouse")
    expect(posted).to_be_visible()
    expect(posted.locator(".econ-tag")).to_have_text("NZ")
    screenshot(page, "flow-clause-after-keyboard-comment")


# Elements that tell a state; each must carry text or a symbol, never only a colour.
STATE_SELECTORS = [".status", ".pstatus", ".stance", "td.cell", ".verdict-yes", ".verdict-no",
                   ".stage-step", "tr.unread td:first-child", "tr.read td:first-child"]


def _relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(foreground, background) -> float:
    lighter, darker = sorted((_relative_luminance(foreground),
                              _relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_status_is_never_told_by_colour_alone(demo, page_as):
    pages = demo_pages()
    page = page_as("secretariat")
    seen: dict[str, set[str]] = {}
    for name in ("document-clean", "consensus-matrix", "merge-desk", "workflow",
                 "notifications", "clause"):
        page.goto(pages[name])
        found = page.evaluate("""selectors => selectors.map(selector =>
            [...document.querySelectorAll(selector)].map(el => [el.className,
                                                                el.textContent.trim()]))""",
                              STATE_SELECTORS)
        for selector, elements in zip(STATE_SELECTORS, found):
            for classes, text in elements:
                assert text, f"{name}: {selector} ({classes}) shows a state by colour only"
                seen.setdefault(selector, set()).add(text)
    # The states differ in their words or symbols, not only in their colours.
    assert len(seen[".status"]) >= 3 and len(seen["td.cell"]) >= 4, seen

    # axe cannot judge a cell holding only a symbol: check the matrix symbols' contrast here.
    page.goto(pages["consensus-matrix"])
    colours = page.evaluate("""() => [...document.querySelectorAll('td.cell')].map(cell => {
        const parse = value => value.match(/\\d+/g).slice(0, 3).map(Number);
        const symbol = cell.querySelector('[aria-hidden="true"]');
        let bg = getComputedStyle(cell).backgroundColor;
        if (bg === 'rgba(0, 0, 0, 0)') bg = getComputedStyle(cell.closest('tr')).backgroundColor;
        if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
        return {cls: cell.className, fg: parse(getComputedStyle(symbol).color), bg: parse(bg)};
    })""")
    weak = {c["cls"]: round(_contrast(c["fg"], c["bg"]), 2) for c in colours
            if _contrast(c["fg"], c["bg"]) < 4.5}
    assert not weak, f"matrix symbols below 4.5:1 contrast: {weak}"


# Accessible names of the links (visible text plus visually hidden words), grouped by name.
LINKS_BY_NAME = """() => {
  const byName = {};
  for (const link of document.querySelectorAll('a[href]')) {
    if (!link.checkVisibility()) continue;
    const name = (link.getAttribute('aria-label') || link.textContent).replace(/\\s+/g, ' ').trim();
    const target = new URL(link.href, location.href);
    (byName[name] ||= new Set()).add(target.pathname + target.search + target.hash);
  }
  return Object.fromEntries(Object.entries(byName).map(([name, set]) => [name, [...set]]));
}"""


def test_links_with_the_same_name_lead_to_the_same_place(world, page_as):
    """A screen-reader user listing the links hears each name once per destination: "Propose
    amendment" on every clause must say which clause (WCAG 2.4.4, link purpose)."""
    delegate = page_as("aus")
    pages = [f"/documents/{world.document.id}",
             f"/documents/{world.document.id}?view=changes",
             f"/clauses/{world.clauses[2].id}",
             f"/documents/{world.document.id}/consensus"]
    ambiguous = {}
    for path in pages:
        delegate.goto(path)
        for name, targets in delegate.evaluate(LINKS_BY_NAME).items():
            if len(targets) > 1:
                ambiguous[f"{path}: {name!r}"] = targets
    assert not ambiguous, ambiguous
