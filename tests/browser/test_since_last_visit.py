"""Since your last visit and positions that follow the text, in a real browser (issue 16,
items 6 and 7): the digest and its badges, "Mark as read" by the button and by the page once
read, the highlight of a paragraph arriving by live update, and the consensus matrix with a
stale position — screenshots at three sizes, and axe-core on each page.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from drafting.extensions import db
from drafting.models import ClauseVersion, DocumentVisit
from drafting.models.types import utcnow
from drafting.services import decisions, positions, proposals, visits
from tests.browser.support import login, screenshot
from tests.browser.test_accessibility import _axe_source, _describe, _run_axe

pytestmark = pytest.mark.browser

OP1 = "We will reduce emissions by 2030 and promote clean energy."
SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080), "390x844": (390, 844)}
# Playwright's waits poll until this deadline; it only bounds a failure.
WAIT_MS = 15_000


def negotiate_since_nz_last_looked(world) -> None:
    """NZ read the document five minutes ago; since then an AUS amendment to OP1 was accepted
    and AUS and JPN tabled proposals. Every economy had supported OP1 on version 1."""
    db.session.execute(update(ClauseVersion).values(created_at=utcnow() - timedelta(minutes=10)))
    visits.mark_visited(world.user("nz"), world.document, now=utcnow() - timedelta(minutes=5))
    op1 = world.clauses[2]
    for user in ("aus", "nz", "jpn"):
        positions.set_position(world.user(user), op1, "support")
    positions.set_position(world.user("nz"), world.clauses[3], "objection",
                           "Best practices must stay voluntary.")
    amendment = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                          clause=op1, text=OP1.replace("2030", "2035"),
                                          rationale="Sooner.")
    decisions.decide_proposal(world.user("secretariat"), amendment, "accept", expected_version=1)
    proposals.submit_proposal(world.user("jpn"), world.document, "amend",
                              clause=world.clauses[0], text="Recognising the serious risks;",
                              rationale="Shorter.")
    proposals.submit_proposal(world.user("aus"), world.document, "insert",
                              after_clause=world.clauses[3], text="We will share data.",
                              rationale="Data.")
    positions.set_position(world.user("jpn"), op1, "support")  # JPN reviewed on v2
    db.session.commit()


def axe_page(new_context, username):
    context = new_context(bypass_csp=True)
    context.add_init_script(script=_axe_source())
    page = context.new_page()
    login(page, username)
    return page


def check_at_every_size(page, name: str) -> None:
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        screenshot(page, f"{name}-{size}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {size}"
        violations = _run_axe(page)
        assert not violations, _describe(f"{name} {size}", violations)


def test_the_digest_badges_the_changed_paragraphs_and_axe_finds_nothing(world, new_context):
    negotiate_since_nz_last_looked(world)
    op1 = world.clauses[2].id
    nz = axe_page(new_context, "nz")
    nz.goto(f"/documents/{world.document.id}")
    digest = nz.get_by_role("region", name="Since your last visit")
    expect(digest).to_contain_text("1 paragraph changed, 3 new proposals, 1 decision.")
    expect(digest.get_by_role("link", name="OP1")).to_have_attribute("href", f"#clause-{op1}")
    badge = nz.locator(f"#clause-{op1} .change-badge")
    expect(badge).to_have_text("Changed")
    expect(nz.locator(".change-badge")).to_have_count(1)
    check_at_every_size(nz, "since-last-visit-digest")

    # A first visit says so, and badges nothing.
    observer = axe_page(new_context, "observer")
    observer.goto(f"/documents/{world.document.id}")
    expect(observer.locator("#visit-digest")).to_contain_text("Your first visit to this document.")
    expect(observer.locator(".change-badge")).to_have_count(0)


def test_the_consensus_matrix_marks_the_stale_position(world, new_context):
    negotiate_since_nz_last_looked(world)
    op1 = world.clauses[2].id
    secretariat = axe_page(new_context, "secretariat")
    secretariat.goto(f"/documents/{world.document.id}/consensus")
    row = secretariat.locator(f"#row-{op1}")
    expect(row.locator("td.cell.stale")).to_have_count(2)  # AUS and NZ, on v1
    expect(row.locator("td.cell.stale").first).to_contain_text("v1")
    expect(row.locator(".verdict")).to_have_text("… Not yet canvassed↻ 2 to review")  # THA: none
    expect(secretariat.locator(f"#row-{world.clauses[3].id} .verdict")).to_have_text("✗ Blocked")
    check_at_every_size(secretariat, "consensus-matrix-stale")
    secretariat.set_viewport_size({"width": 1366, "height": 768})
    secretariat.goto(f"/clauses/{op1}#positions")
    expect(secretariat.locator(".stale-note")).to_have_count(2)
    expect(secretariat.locator(".stale-note").first).to_have_text(
        "on v1 — the text is now v2: to review")
    screenshot(secretariat, "clause-stale-positions-1366x768")


def test_mark_as_read_by_the_button(world, page_as):
    negotiate_since_nz_last_looked(world)
    nz = page_as("nz")
    nz.goto(f"/documents/{world.document.id}")
    with nz.expect_navigation():
        nz.get_by_role("button", name="Mark as read").click()
    expect(nz.locator(".flash")).to_contain_text("Marked as read")
    expect(nz.locator("#visit-digest")).to_contain_text("Nothing new since")
    expect(nz.locator(".change-badge")).to_have_count(0)


def test_the_page_marks_itself_read_after_being_read_never_on_load(world, page_as):
    negotiate_since_nz_last_looked(world)
    nz = page_as("nz")
    nz.clock.install()
    nz.goto(f"/documents/{world.document.id}")
    expect(nz.locator("#visit-digest")).to_contain_text("1 paragraph changed")
    before = point_of(world, "nz")
    nz.clock.run_for(5_000)  # glanced at: not read yet
    assert point_of(world, "nz") == before
    nz.clock.run_for(16_000)  # 21 s visible in all
    expect(nz.locator("[data-visit-status]")).to_have_text("Marked as read.", timeout=WAIT_MS)
    assert point_of(world, "nz") > before
    # What the reader still has before them stays: the digest and its badges.
    expect(nz.locator(".change-badge")).to_have_count(1)


def point_of(world, username):
    db.session.expire_all()
    return db.session.execute(select(DocumentVisit.seen_at).where(
        DocumentVisit.user_id == world.user(username).id)).scalar()


def test_a_paragraph_arriving_by_live_update_is_highlighted(world, page_as):
    op2 = world.clauses[3]
    nz = page_as("nz")
    nz.goto(f"/documents/{world.document.id}")
    nz.evaluate("window.__liveTestMarker = 'still here'")
    expect(nz.locator(".live-arrived")).to_have_count(0)
    # The secretariat edits OP2 from its own page, through the server NZ's page listens to.
    secretariat = page_as("secretariat")
    secretariat.goto(f"/clauses/{op2.id}/edit")
    secretariat.fill("#text", "We encourage economies to cooperate on marine debris.")
    with secretariat.expect_navigation():
        secretariat.get_by_role("button", name="Save new version").click()
    arrived = nz.locator(f"#clause-{op2.id}")
    expect(arrived).to_have_class("clause live-arrived", timeout=WAIT_MS)
    expect(arrived.locator(".live-badge")).to_have_text("Updated")
    expect(nz.locator(".live-arrived")).to_have_count(1)  # only the paragraph that changed
    assert nz.evaluate("window.__liveTestMarker") == "still here"  # no reload
    # The fade respects the reader's wish for less motion.
    animation = nz.evaluate(f"getComputedStyle(document.getElementById('clause-{op2.id}'))"
                            ".animationName")
    assert animation == "live-arrived-fade"
    nz.emulate_media(reduced_motion="reduce")
    assert nz.evaluate(f"getComputedStyle(document.getElementById('clause-{op2.id}'))"
                       ".animationName") == "none"
    screenshot(nz, "live-arrived-1366x768")
