"""Accept with modifications in a real browser: the editor's three texts, its live preview,
the server-side Preview without JavaScript, and refusals that stay on the merge desk."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from drafting.extensions import db
from drafting.models import Clause, Proposal
from drafting.services import proposals as proposal_service
from tests.browser.support import login, proposal_called, proposal_title, screenshot

pytestmark = pytest.mark.browser

ORIGINAL = "We will reduce emissions by 2030 and promote clean energy."
PROPOSED = "We shall reduce emissions by 2030 and promote clean energy."
MODIFIED = "We shall reduce emissions by 2030 and promote clean and renewable energy."
VIEWPORTS = {"1366x768": (1366, 768), "1920x1080": (1920, 1080), "390x844": (390, 844)}


def _proposal(world) -> int:
    proposal = proposal_service.submit_proposal(
        world.user("aus"), world.document, "amend", clause=world.clauses[2], text=PROPOSED,
        rationale="“Shall” states the commitment.")
    db.session.commit()
    return proposal.id


def test_editor_previews_live_and_applies_exactly_the_previewed_wording(world, page_as):
    proposal_id = _proposal(world)
    sec = page_as("secretariat")
    sec.goto(f"/documents/{world.document.id}/desk")
    card = sec.locator(f"#proposal-{proposal_id}")
    expect(card.locator("textarea")).to_have_count(0)  # Accept never carries other wording
    card.get_by_role("link", name="Accept with modifications…").click()
    expect(sec.locator("h1")).to_have_text(
        f"Accept {proposal_called(proposal_id)} with modifications")
    # The three texts: the current clause, Australia's proposal, the secretariat's wording.
    expect(sec.locator("blockquote.current-text")).to_have_text(ORIGINAL)
    expect(sec.locator("section[aria-labelledby='economy-h'] ins")).to_have_text(["shall"])
    wording = sec.get_by_role("textbox", name="The Secretariat's wording")
    expect(wording).to_have_value(PROPOSED)
    preview = sec.locator("#modification-preview")
    expect(preview.locator("ins[data-economy='AUS']")).to_have_text(["shall"])
    expect(preview.locator("ins[data-economy='Secretariat']")).to_have_count(0)

    # Typing updates the redline without a page load, attributing the new words.
    wording.fill(MODIFIED)
    expect(preview.locator("ins[data-economy='Secretariat']")).to_contain_text(["renewable"])
    expect(preview.locator("ins[data-economy='AUS']")).to_have_text(["shall"])
    expect(sec.locator("input[name='previewed_text']")).to_have_value(MODIFIED)
    expect(sec.locator("[data-preview-status]")).to_have_text("Preview up to date.")
    sec.get_by_label("Reason / note").fill("Merged with New Zealand's idea.")
    for name, (width, height) in VIEWPORTS.items():
        sec.set_viewport_size({"width": width, "height": height})
        screenshot(sec, f"desk-accept-with-modifications-{name}")
    sec.set_viewport_size({"width": 1366, "height": 768})

    sec.get_by_role("button", name="Apply with modifications").click()
    expect(sec.locator(".flash")).to_contain_text(f"{proposal_title(proposal_id)}: accepted with "
                                                  "modifications.")
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    assert (proposal.status.value, proposal.decided_text) == ("accepted_modified", MODIFIED)
    assert db.session.get(Clause, world.clauses[2].id).text == MODIFIED

    # The proposal page shows the applied wording's redline, attributed.
    sec.goto(f"/proposals/{proposal_id}")
    applied = sec.locator("section.applied-redline")
    expect(applied.locator("ins[data-economy='AUS']")).to_have_text(["shall"])
    expect(applied.locator("ins[data-economy='Secretariat']")).to_contain_text(["renewable"])
    screenshot(sec, "proposal-page-applied-redline")


def test_without_javascript_preview_is_rendered_by_the_server(world, new_context):
    proposal_id = _proposal(world)
    page = new_context(java_script_enabled=False).new_page()
    login(page, "secretariat")
    page.goto(f"/proposals/{proposal_id}/accept-with-modifications")
    page.get_by_role("textbox", name="The Secretariat's wording").fill(MODIFIED)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#modification-preview")
    expect(preview.locator("ins[data-economy='Secretariat']")).to_contain_text(["renewable"])
    expect(page.get_by_role("textbox", name="The Secretariat's wording")).to_have_value(MODIFIED)
    page.get_by_role("button", name="Apply with modifications").click()
    expect(page.locator(".flash")).to_contain_text("accepted with modifications")
    db.session.expire_all()
    assert db.session.get(Proposal, proposal_id).decided_text == MODIFIED


def test_a_refused_reject_stays_on_the_desk_beside_its_card(world, page_as):
    proposal_id = _proposal(world)
    sec = page_as("secretariat")
    sec.goto(f"/documents/{world.document.id}/desk")
    card = sec.locator(f"#proposal-{proposal_id}")
    # Australia rewrites the proposal while the desk is open.
    proposal_service.revise_proposal(world.user("aus"), db.session.get(Proposal, proposal_id),
                                     text="We must reduce emissions by 2030 and promote clean "
                                          "energy.")
    db.session.commit()
    card.get_by_label("Reason / note").fill("Not agreed in the room.")
    card.get_by_role("button", name="Reject").click()
    card = sec.locator(f"#proposal-{proposal_id}")
    expect(card.get_by_role("alert")).to_contain_text("decide again")
    expect(card.get_by_label("Reason / note")).to_have_value("Not agreed in the room.")
    expect(card.locator(".redline ins")).to_contain_text(["must"])
    expect(sec.get_by_text("Back to the documents")).to_have_count(0)
    screenshot(sec, "desk-refused-decision-beside-card")
    # The changed card's buttons wait for the operator to say they read the new wording;
    # deciding again on it then goes through.
    expect(card.get_by_role("button", name="Reject")).to_be_disabled()
    card.get_by_role("link", name=re.compile("I have reviewed it")).click()
    expect(card.get_by_label("Reason / note")).to_have_value("Not agreed in the room.")
    card.get_by_role("button", name="Reject").click()
    expect(sec.locator(".flash")).to_contain_text(f"{proposal_title(proposal_id)}: rejected.")
