"""Live updates in a real browser: pages of two economies and the secretariat side by side.

JPN proposes and comments, the secretariat decides; NZ's clause and document pages (the
outline's counts included) follow without reloading, and what NZ is typing survives; JPN's header counts the notification.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Proposal

pytestmark = pytest.mark.browser

PROPOSED = "We will reduce emissions by 2030 and promote clean and just energy transitions."
HALF_TYPED = "New Zealand would like to suggest that the Chair consi"
# Playwright's waits poll until this deadline; it only bounds a failure.
WAIT_MS = 15_000


def not_reloaded(page) -> bool:
    return page.evaluate("window.__liveTestMarker === 'still here'")


def test_open_pages_follow_changes_without_reload_and_keep_typing(world, page_as):
    document_id, op1 = world.document.id, world.clauses[2]
    op1_id = op1.id

    nz_clause = page_as("nz")
    nz_clause.goto(f"/clauses/{op1_id}")
    nz_document = nz_clause.context.new_page()
    nz_document.goto(f"/documents/{document_id}")
    jpn = page_as("jpn")
    secretariat = page_as("secretariat")
    for page in (nz_clause, nz_document):
        page.evaluate("window.__liveTestMarker = 'still here'")
    expect(nz_document.locator(f"#clause-{op1_id}")).not_to_contain_text("open proposal")
    outline_entry = nz_document.locator(f'a[data-outline-for="clause-{op1_id}"]')
    expect(outline_entry.locator(".outline-count")).to_have_count(0)
    # NZ reads on: the outline marks the paragraph in view (a page in front: a tab in the
    # background is not laid out, so nothing on it is "in view").
    nz_document.bring_to_front()
    nz_document.locator(f"#clause-{op1_id}").evaluate("el => el.scrollIntoView()")
    in_view = nz_document.locator('.outline a[aria-current="location"]')
    expect(in_view).to_have_count(1)
    in_view_for = in_view.get_attribute("data-outline-for")

    # NZ starts a comment on OP1 and leaves it half-typed, the cursor still in the box.
    comment_box = nz_clause.locator("#comments .comment-form textarea").first
    comment_box.click()
    comment_box.type(HALF_TYPED)

    # Japan proposes an amendment to OP1 from its own page.
    jpn.goto(f"/documents/{document_id}/propose?action=amend&clause_id={op1_id}")
    jpn.fill("#text", PROPOSED)
    jpn.fill("#rationale", "Just transitions.")
    with jpn.expect_navigation():
        jpn.get_by_role("button", name="Submit proposal").click()
    proposal_id, proposal_number = db.session.execute(
        select(Proposal.id, Proposal.number).where(Proposal.document_id == document_id)).one()

    # NZ's pages show it without reloading; the comment box keeps its text and the focus.
    expect(nz_clause.locator("#proposals")).to_contain_text(f"#{proposal_number}",
                                                            timeout=WAIT_MS)
    expect(nz_document.locator(f"#clause-{op1_id}")).to_contain_text("1 open proposal",
                                                                   timeout=WAIT_MS)
    # The outline beside the text counts it too, and still marks the paragraph in view.
    expect(outline_entry.locator(".outline-count")).to_have_text("1 open proposal",
                                                                 timeout=WAIT_MS)
    expect(nz_document.locator(f'a[data-outline-for="{in_view_for}"]')).to_have_attribute(
        "aria-current", "location")
    assert not_reloaded(nz_clause) and not_reloaded(nz_document)
    expect(comment_box).to_have_value(HALF_TYPED)
    expect(comment_box).to_be_focused()

    # Japan comments on OP1: the region NZ is typing in changed, so it is left alone and NZ
    # is told politely instead.
    jpn.goto(f"/clauses/{op1_id}")
    jpn.locator("#comments .comment-form textarea").first.fill("Japan supports a just transition.")
    with jpn.expect_navigation():
        jpn.locator("#comments .comment-form").first.get_by_role(
            "button", name="Post comment").click()
    notice = nz_clause.locator('[data-live-notice-for="clause-comments"]')
    expect(notice).to_be_visible(timeout=WAIT_MS)
    expect(notice).to_have_attribute("aria-live", "polite")
    expect(notice).to_contain_text("Reload to see the changes")
    expect(nz_clause.locator("#comments")).not_to_contain_text("Japan supports")
    expect(comment_box).to_have_value(HALF_TYPED)
    assert not_reloaded(nz_clause)

    # The secretariat rejects the proposal on the merge desk; Japan's header counts the
    # notification, NZ's clause page shows the decision — all without reloading.
    jpn.evaluate("window.__liveTestMarker = 'still here'")
    expect(jpn.locator(".notification-bell")).not_to_contain_text("unread")
    secretariat.goto(f"/documents/{document_id}/desk")
    card = secretariat.locator(f"#proposal-{proposal_id}")
    card.locator(f"#note-{proposal_id}").fill("Not at this stage.")
    with secretariat.expect_navigation():
        card.get_by_role("button", name="Reject").click()
    expect(jpn.locator(".notification-bell")).to_contain_text("1 unread", timeout=WAIT_MS)
    expect(nz_clause.locator("#proposals")).to_contain_text("Rejected", timeout=WAIT_MS)
    assert not_reloaded(jpn) and not_reloaded(nz_clause)
    expect(comment_box).to_have_value(HALF_TYPED)
