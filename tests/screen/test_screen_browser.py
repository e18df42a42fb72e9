"""The chair's screen in a real browser: it follows the merge desk live, it reads and prints."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Document, User
from drafting.services import options, reading, screen
from tests.browser.support import SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser


def _demo_document() -> Document:
    return db.session.execute(select(Document).order_by(Document.id)).scalars().first()


def _contested_clause(document: Document):
    """The demo's trade paragraph: USA and PRC amendments, an objection and a reservation."""
    view = reading.document_view(document, viewer=None)
    return next(row for row in view.rows
                if {p.economy.code for p in row.open_proposals} >= {"USA", "PRC"})


def _secretariat() -> User:
    return db.session.execute(select(User).where(User.username == "secretariat")).scalar_one()


def test_the_screen_follows_the_desk_without_a_reload(demo, page_as):
    document = _demo_document()
    row = _contested_clause(document)
    room = page_as("observer")
    room.goto(f"/documents/{document.id}/screen")
    expect(room.locator(".screen-empty")).to_contain_text("No paragraph on screen.")
    # A page that reloaded would lose this mark.
    room.evaluate("window.__sameScreenPage = true")

    sec = page_as("secretariat")
    sec.goto(f"/documents/{document.id}/desk")
    group = sec.locator(f"#clause-{row.clause.id}")
    group.get_by_role("button", name=re.compile(r"^Show on screen")).click()
    expect(sec.locator(".flash")).to_contain_text(f"{row.number} is on the screen.")
    expect(group.locator(".on-screen-badge")).to_have_text("▣ On screen")
    sec.locator("#screen-controls").screenshot(path=str(SCREENSHOTS / "screen-desk-controls.png"))

    expect(room.locator(".screen-number")).to_contain_text(row.number)
    expect(room.locator(".screen-text ins.chg.econ-usa").first).to_be_visible()
    assert room.evaluate("window.__sameScreenPage") is True

    # Next paragraph, then clear: the room follows each step, still without a reload.
    sec.locator("#screen-controls").get_by_role("button", name="Next paragraph ▶").click()
    following = reading.document_view(document, viewer=None).rows
    next_number = following[[r.clause.id for r in following].index(row.clause.id) + 1].number
    expect(room.locator(".screen-number")).to_contain_text(next_number)
    sec.locator("#screen-controls").get_by_role("button", name="Clear screen").click()
    expect(room.locator(".screen-empty")).to_contain_text("No paragraph on screen.")
    assert room.evaluate("window.__sameScreenPage") is True
    screenshot(room, "screen-empty")
    db.session.expire_all()
    assert screen.on_screen_clause_id(document) is None


def test_the_screen_reads_from_the_back_of_the_room_and_prints_on_a4_landscape(demo, page_as):
    document = _demo_document()
    row = _contested_clause(document)
    options.keep_as_option(_secretariat(), next(
        p for p in row.open_proposals if p.economy.code == "PRC"))
    screen.show_on_screen(_secretariat(), document, row.clause.id)
    db.session.commit()

    room = page_as("observer")
    room.set_viewport_size({"width": 1920, "height": 1080})  # a projector
    room.goto(f"/documents/{document.id}/screen")
    expect(room.locator(".screen-number")).to_contain_text(row.number)
    expect(room.locator(".option-card")).to_have_count(2)
    expect(room.locator(".consensus-row .pos")).to_have_count(21)
    expect(room.locator(".pos.stance-objection")).to_contain_text("USA✗Objection")
    # Very large type: the paragraph reads at 45 px or more on a 1920-pixel-wide picture.
    size = room.locator(".clause-text").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 45, size
    # Nothing to scroll sideways, and no navigation chrome in sight.
    assert room.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert room.locator(".site-header").count() == 0
    screenshot(room, "screen-light")

    room.goto(f"/documents/{document.id}/screen?theme=dark")
    background = room.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 0, 0)", background
    screenshot(room, "screen-dark")

    # Print: A4 landscape (842 × 595 pt), the same content, on white paper even from the
    # dark theme.
    room.emulate_media(media="print")
    assert room.evaluate("getComputedStyle(document.body).backgroundColor") == \
        "rgb(255, 255, 255)"
    expect(room.locator(".consensus-row .pos")).to_have_count(21)
    screenshot(room, "screen-print")
    pdf = room.pdf(prefer_css_page_size=True, print_background=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "screen-print.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(round(float(w)) == 842 and round(float(h)) == 595 for w, h in boxes)
    assert room.locator(".screen-controls").is_hidden()


def test_open_document_pages_do_not_refetch_themselves_when_the_screen_moves(demo, page_as):
    """A screen move reaches every document stream, but the document page shows nothing of it:
    live.js must not re-fetch the page (a room of open pages would, at every move). A comment
    still refreshes it, so the count below does see re-fetches."""
    document = _demo_document()
    row = _contested_clause(document)
    delegate = page_as("nz")
    refetches: list[str] = []
    delegate.on("request", lambda request: refetches.append(request.url)
                if request.headers.get("x-live-refresh") else None)
    delegate.goto(f"/documents/{document.id}")
    expect(delegate.locator("[data-live-document]")).to_have_attribute("data-live-ignore",
                                                                        "screen.")

    sec = page_as("secretariat")
    sec.goto(f"/documents/{document.id}/desk")
    sec.locator(f"#clause-{row.clause.id}").get_by_role(
        "button", name=re.compile(r"^Show on screen")).click()
    expect(sec.locator(".flash")).to_contain_text(f"{row.number} is on the screen.")
    delegate.wait_for_timeout(1500)  # events arrive in ~0.1 s; a refresh would follow in 0.65 s
    assert refetches == []

    jpn = page_as("jpn")
    jpn.goto(f"/clauses/{row.clause.id}")
    jpn.locator("#comments .comment-form textarea").first.fill("Japan asks for the option.")
    with jpn.expect_navigation():
        jpn.locator("#comments .comment-form").first.get_by_role(
            "button", name="Post comment").click()
    delegate.wait_for_timeout(1500)
    assert refetches, "a comment should have refreshed the open document page"
