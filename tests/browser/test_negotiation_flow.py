"""A negotiation round in a real browser: propose, comment, decide, notify, issue, export."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from drafting.exports.docx_reading import resolved_paragraphs, tracked_changes
from drafting.extensions import db
from drafting.models import Proposal
from drafting.services import revisions
from tests.browser.support import login, proposal_called, screenshot
from tests.exports.helpers import clause_paragraphs

pytestmark = pytest.mark.browser

ORIGINAL = "We will reduce emissions by 2030 and promote clean energy."
PROPOSED = "We will reduce emissions by 2030 and accelerate just clean energy transitions."
DECIDED = "We will reduce emissions by 2030 and accelerate clean energy transitions."


def test_proposal_comment_decision_notification_revision_and_docx_redline(world, page_as):
    document = world.document
    target = world.clauses[2]  # OP1 of the small statement
    revisions.issue_revision(world.user("secretariat"), document, "Rev.1 for the test")
    db.session.commit()

    # Australia proposes an amendment and sees the redline preview before submitting.
    aus = page_as("aus")
    aus.goto(f"/documents/{document.id}")
    aus.locator(f"#clause-{target.id} details.clause-menu > summary").click()  # its Actions menu
    aus.locator(f"#clause-{target.id}").get_by_role("link", name="Propose amendment").click()
    expect(aus.locator("#text")).to_have_value(ORIGINAL)
    aus.fill("#text", PROPOSED)
    aus.fill("#rationale", "Transitions must be just — and faster.")
    preview = aus.locator("#preview")
    expect(preview.locator("ins")).to_contain_text(["accelerate just"])
    expect(preview.locator("del")).to_contain_text(["promote"])
    # The server-side Preview button (the path that works without JavaScript) agrees.
    aus.get_by_role("button", name="Preview").click()
    expect(aus.locator("#preview ins")).to_contain_text(["accelerate just"])
    expect(aus.locator("#text")).to_have_value(PROPOSED)
    screenshot(aus, "flow-proposal-form-with-preview")
    aus.get_by_role("button", name="Submit proposal").click()
    expect(aus.locator("h1")).to_contain_text("Proposal #")
    proposal_id = int(re.search(r"/proposals/(\d+)", aus.url).group(1))
    expect(aus.locator(".proposal-meta")).to_contain_text("Open")
    expect(aus.locator(".redline-box ins")).to_contain_text(["accelerate just"])

    # New Zealand comments on the proposal.
    nz = page_as("nz")
    nz.goto(f"/proposals/{proposal_id}")
    nz.get_by_label("New comment").fill("New Zealand can support this, without “just”.")
    nz.get_by_role("button", name="Post comment").click()
    comment = nz.locator(".comment").filter(has_text="without “just”")
    expect(comment).to_be_visible()
    expect(comment.locator(".econ-tag")).to_have_text("NZ")
    screenshot(nz, "flow-proposal-with-comment")

    # The secretariat accepts it with a modification on the merge desk.
    sec = page_as("secretariat")
    sec.goto(f"/documents/{document.id}/desk")
    card = sec.locator(f"#proposal-{proposal_id}")
    expect(card.locator(".redline")).to_contain_text("accelerate just")
    screenshot(sec, "flow-merge-desk-before-decision")
    card.get_by_role("link", name="Accept with modifications…").click()
    sec.get_by_role("textbox", name="The Secretariat's wording").fill(DECIDED)
    expect(sec.locator("input[name='previewed_text']")).to_have_value(DECIDED)
    sec.get_by_label("Reason / note").fill("Agreed in the room without “just”.")
    sec.get_by_role("button", name="Apply with modifications").click()
    expect(sec.locator(".flash")).to_be_visible()
    expect(sec.locator(f"#proposal-{proposal_id}")).to_have_count(0)
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    assert proposal.status.value == "accepted_modified"
    assert proposal.decided_text == DECIDED

    # Australia sees the new text and is told.
    aus.goto(f"/documents/{document.id}")
    expect(aus.locator(f"#clause-{target.id} .clause-text")).to_have_text(DECIDED)
    expect(aus.locator(".notification-bell")).to_contain_text("unread")
    aus.locator(".notification-bell").click()
    unread = aus.locator("tr.unread").filter(has_text=proposal_called(proposal_id))
    # Two news about the proposal: New Zealand's comment on it, and the decision.
    expect(unread).to_have_count(2)
    expect(unread.filter(has_text=re.compile("accepted", re.IGNORECASE))).to_have_count(1)
    expect(unread.filter(has_text="comment")).to_have_count(1)
    screenshot(aus, "flow-notifications-after-decision")

    # The secretariat issues Rev.2 and downloads the Word redline Rev.1 → Rev.2.
    sec.goto(f"/documents/{document.id}/revisions")
    sec.fill("#note", "Reflects the accepted Australian amendment")
    sec.get_by_role("button", name="Issue revision").click()
    dialog = sec.locator("dialog.confirm-dialog")
    expect(dialog).to_contain_text("Issue Rev.2: 1 changed paragraph since Rev.1")
    dialog.get_by_role("button", name="Issue Rev.2").click()
    expect(sec.locator(".flash")).to_contain_text("Rev.2 issued")
    sec.goto(f"/documents/{document.id}/exports")
    sec.select_option("#red-from", "1")
    sec.select_option("#red-to", "2")
    with sec.expect_download() as download_info:
        sec.locator("form.export-form").filter(has=sec.locator("#red-from")) \
            .get_by_role("button", name="Word (.docx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    redline = open(download.path(), "rb").read()

    changes = tracked_changes(redline)
    inserted = [c for c in changes if c.kind == "insert"]
    deleted = [c for c in changes if c.kind == "delete"]
    assert any("accelerate" in c.text and c.author == "AUS" for c in inserted), changes
    assert any("promote" in c.text and c.author == "AUS" for c in deleted), changes
    assert all(c.author in {"AUS", "Secretariat"} for c in changes), changes
    assert not any("just" in c.text.split() for c in inserted), changes
    accepted = clause_paragraphs(redline, accept=True)
    rejected = clause_paragraphs(redline, accept=False)
    assert any(p.endswith(DECIDED) for p in accepted), accepted
    assert any(p.endswith(ORIGINAL) for p in rejected), rejected
    assert resolved_paragraphs(redline, accept=True) != resolved_paragraphs(redline, accept=False)


def test_wrong_password_shows_an_error_and_opens_no_session(world, page, context):
    page.goto("/login")
    page.fill("#username", "aus")
    page.fill("#password", "not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator(".flash")).to_have_text("Unknown username or wrong password.")
    expect(page.locator("#password")).to_have_value("")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    screenshot(page, "flow-login-failed")
    # No session: a protected page sends the browser back to the login form.
    page.goto(f"/documents/{world.document.id}")
    expect(page).to_have_url(re.compile(r"/login"))
    assert not any(cookie["name"].startswith("remember") for cookie in context.cookies())
    # The right password then works in the same browser.
    login(page, "aus")
    page.goto(f"/documents/{world.document.id}")
    expect(page.locator("h1")).to_have_text("Test Statement")
