"""The merge desk in a real browser: two desk tabs where a decision in one changes a card in
the other, the queue's filters, the keyboard flow, axe-core and screenshots of the queue.

Every wait is on an explicit DOM state (Playwright's expect polls until it holds); the
timeouts only bound a failure.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import Document, Proposal, ScreenState
from drafting.services import comments as comment_service
from drafting.services import decisions
from drafting.services import proposals as proposal_service
from tests.browser.support import login, proposal_title, screenshot
from tests.browser.test_accessibility import AXE_TAGS, _axe_page, _axe_source, _describe

pytestmark = pytest.mark.browser

ORIGINAL = "We will reduce emissions by 2030 and promote clean energy."
AUS = "We shall reduce emissions by 2030 and promote clean energy."
NZ = "We will reduce emissions by 2030 and promote clean and renewable energy."
REBASED_NZ = "We shall reduce emissions by 2030 and promote clean and renewable energy."
WAIT_MS = 15_000
VIEWPORTS = {"1366x768": (1366, 768), "1920x1080": (1920, 1080), "390x844": (390, 844)}


def _competing(world) -> tuple[int, int]:
    """AUS and NZ amend OP1 in places that do not touch: accepting AUS rebases NZ cleanly."""
    aus = proposal_service.submit_proposal(world.user("aus"), world.document, "amend",
                                           clause=world.clauses[2], text=AUS,
                                           rationale="“Shall” states the commitment.")
    nz = proposal_service.submit_proposal(world.user("nz"), world.document, "amend",
                                          clause=world.clauses[2], text=NZ,
                                          rationale="Renewables by name.")
    db.session.commit()
    return aus.id, nz.id


def _status(proposal_id: int) -> ProposalStatus:
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id).status


def test_a_decision_in_one_tab_puts_the_rebased_card_of_the_other_in_the_changed_state(
        world, page_as):
    aus_id, nz_id = _competing(world)
    desk = f"/documents/{world.document.id}/desk"
    tab_a = page_as("secretariat")
    tab_a.goto(desk)
    tab_b = tab_a.context.new_page()  # the same operator's second tab
    tab_b.goto(desk)
    tab_b.evaluate("window.__stillHere = true")
    card_b = tab_b.locator(f"#proposal-{nz_id}")
    expect(card_b.get_by_role("button", name="Accept")).to_be_enabled()
    expect(card_b.locator(".changed-banner")).to_be_hidden()

    # Tab A accepts Australia's amendment: New Zealand's is rebased onto the new text. Tab A
    # had seen it at version 1 too: after its own decision it is flagged there as well.
    tab_a.locator(f"#proposal-{aus_id}").get_by_role("button", name="Accept").click()
    expect(tab_a.locator(".flash")).to_contain_text(f"{proposal_title(aus_id)}: accepted.")
    expect(tab_a.locator(f"#proposal-{nz_id}")).to_have_attribute("data-changed", "live")
    expect(tab_a.locator(f"#proposal-{nz_id}").get_by_role("button", name="Accept")) \
        .to_be_disabled()

    # Tab B re-renders without a reload, and the card says so: banner, highlighted redline,
    # every decision control disabled or hidden.
    expect(card_b).to_have_attribute("data-changed", "live", timeout=WAIT_MS)
    assert tab_b.evaluate("window.__stillHere === true")
    # Nobody was working in tab B: every region was refreshed, none kept with a notice (an
    # untouched select, the filters' or the screen's, is not work in progress).
    expect(tab_b.locator(".live-notice")).to_have_count(0)
    banner = card_b.locator(".changed-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Changed since you opened it — review")
    expect(banner).to_contain_text("its wording moved from version 1 to 2")
    expect(banner).to_contain_text("the clause moved from version 1 to 2")
    expect(card_b.locator(".redline.redline-changed")).to_be_visible()
    expect(card_b.locator(".redline ins")).to_contain_text(["and renewable"])
    expect(card_b.get_by_role("button", name="Accept")).to_be_disabled()
    expect(card_b.get_by_role("button", name="Reject")).to_be_disabled()
    expect(card_b.get_by_role("link", name=re.compile("Accept with modifications"))).to_be_hidden()
    expect(tab_b.locator(f"#proposal-{aus_id}")).to_have_count(0)
    for name, (width, height) in VIEWPORTS.items():
        tab_b.set_viewport_size({"width": width, "height": height})
        screenshot(tab_b, f"desk-card-changed-live-{name}")
    tab_b.set_viewport_size({"width": 1366, "height": 768})

    # The keyboard cannot accept it either.
    tab_b.locator("h1").click()
    tab_b.keyboard.press("j")
    expect(card_b).to_have_class(re.compile(r"\bkb-current\b"))
    tab_b.keyboard.press("a")
    expect(tab_b.locator("[role=status]").filter(has_text="review it first")).to_have_count(1)
    assert _status(nz_id) is ProposalStatus.OPEN

    # A reload does not count as a review: the tab remembers what it was shown.
    tab_b.reload()
    card_b = tab_b.locator(f"#proposal-{nz_id}")
    banner = card_b.locator(".changed-banner")
    expect(card_b).to_have_attribute("data-changed", "live")
    expect(card_b.get_by_role("button", name="Accept")).to_be_disabled()
    expect(banner).to_contain_text("its wording moved from version 1 to 2")

    # Once reviewed, the buttons come back, on the new wording.
    card_b.get_by_role("link", name=re.compile("I have reviewed it")).click()
    expect(card_b).not_to_have_attribute("data-changed", re.compile(".*"))
    expect(banner).to_be_hidden()
    expect(card_b.get_by_role("button", name="Accept")).to_be_enabled()
    expect(card_b.locator("input[name='expected_text_version']")).to_have_value("2")
    card_b.get_by_role("button", name="Accept").click()
    expect(tab_b.locator(".flash")).to_contain_text(f"{proposal_title(nz_id)}: accepted.")
    db.session.expire_all()
    assert world.clauses[2].current.text == REBASED_NZ


def test_a_stale_accept_is_refused_with_409_and_stays_on_the_desk_in_the_changed_state(
        world, page_as):
    aus_id, nz_id = _competing(world)
    desk = f"/documents/{world.document.id}/desk"
    tab_a = page_as("secretariat")
    tab_a.goto(desk)
    tab_c = tab_a.context.new_page()
    tab_c.goto(desk)
    # The operator is typing a note on New Zealand's card: live updates keep it as it is.
    card_c = tab_c.locator(f"#proposal-{nz_id}")
    card_c.get_by_label("Reason / note").fill("Agreed in the informal.")

    tab_a.locator(f"#proposal-{aus_id}").get_by_role("button", name="Accept").click()
    expect(tab_a.locator(".flash")).to_contain_text(f"{proposal_title(aus_id)}: accepted.")
    op1 = world.clauses[2].id
    expect(tab_c.locator(f"[data-live-notice-for='desk-clause-{op1}']")).to_be_visible(
        timeout=WAIT_MS)
    expect(card_c.locator("input[name='expected_text_version']")).to_have_value("1")

    with tab_c.expect_response(lambda r: r.url.endswith(f"/proposals/{nz_id}/decide")) as answer:
        card_c.get_by_role("button", name="Accept").click()
    assert answer.value.status == 409
    card_c = tab_c.locator(f"#proposal-{nz_id}")
    expect(card_c).to_have_attribute("data-changed", "server")
    expect(card_c.locator(".decision-refusal")).to_contain_text("decide again")
    expect(card_c.get_by_label("Reason / note")).to_have_value("Agreed in the informal.")
    expect(card_c.locator(".redline.redline-changed ins")).to_contain_text(["and renewable"])
    expect(card_c.get_by_role("button", name="Accept")).to_be_disabled()
    expect(card_c.get_by_role("button", name="Reject")).to_be_disabled()
    assert _status(nz_id) is ProposalStatus.OPEN
    screenshot(tab_c, "desk-card-changed-after-409")

    card_c.get_by_role("link", name=re.compile("I have reviewed it")).click()
    expect(card_c.get_by_role("button", name="Accept")).to_be_enabled()
    expect(card_c.get_by_label("Reason / note")).to_have_value("Agreed in the informal.")
    card_c.get_by_role("button", name="Accept").click()
    expect(tab_c.locator(".flash")).to_contain_text(f"{proposal_title(nz_id)}: accepted.")
    assert _status(nz_id) is ProposalStatus.ACCEPTED


def test_without_javascript_the_refused_card_is_reviewed_by_reloading_the_desk(
        world, new_context):
    aus_id, nz_id = _competing(world)
    page = new_context(java_script_enabled=False).new_page()
    login(page, "secretariat")
    page.goto(f"/documents/{world.document.id}/desk")
    # Meanwhile the other desk accepts Australia's amendment.
    decisions.decide_proposal(world.user("secretariat"), db.session.get(Proposal, aus_id),
                              "accept", expected_version=1, note="")
    db.session.commit()
    page.locator(f"#proposal-{nz_id}").get_by_role("button", name="Accept").click()
    card = page.locator(f"#proposal-{nz_id}")
    expect(card.get_by_role("button", name="Accept")).to_be_disabled()
    card.get_by_role("link", name=re.compile("I have reviewed it")).click()
    card = page.locator(f"#proposal-{nz_id}")
    expect(card.get_by_role("button", name="Accept")).to_be_enabled()
    expect(card.locator(".changed-banner")).to_be_hidden()
    card.get_by_role("button", name="Accept").click()
    expect(page.locator(".flash")).to_contain_text(f"{proposal_title(nz_id)}: accepted.")


def _queue(world) -> dict[str, int]:
    aus_id, nz_id = _competing(world)
    jpn = proposal_service.submit_proposal(world.user("jpn"), world.document, "delete",
                                           clause=world.clauses[3])
    comment_service.add_comment(world.user("secretariat"), proposal=db.session.get(
        Proposal, nz_id), body="Ask New Zealand about “renewable”.")
    db.session.commit()
    return {"aus": aus_id, "nz": nz_id, "jpn": jpn.id}


def test_queue_filters_work_without_javascript(world, new_context):
    ids = _queue(world)
    page = new_context(java_script_enabled=False).new_page()
    login(page, "secretariat")
    page.goto(f"/documents/{world.document.id}/desk")
    cards = page.locator(".desk-groups .proposal-card")
    expect(cards).to_have_count(3)
    expect(page.get_by_label("Economy")).to_contain_text("Japan (1)")
    page.get_by_label("Economy").select_option("JPN")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"economy=JPN"))
    expect(cards).to_have_count(1)
    expect(page.locator(f"#proposal-{ids['jpn']}")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label(re.compile(r"Without reactions \(2\)")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(cards).to_have_count(2)
    expect(page.locator(f"#proposal-{ids['nz']}")).to_have_count(0)  # it has a comment
    # "New since you last looked": everything, until the desk is marked as seen.
    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label(re.compile("New since you last looked")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(cards).to_have_count(3)
    page.get_by_role("button", name="Mark every proposal shown as seen").click()
    expect(page.locator(".flash")).to_contain_text("marked as seen")
    expect(page).to_have_url(re.compile(r"new=1"))
    expect(cards).to_have_count(0)
    expect(page.get_by_text("No open proposal matches these filters.")).to_be_visible()


def test_keyboard_flow_on_the_desk(world, page_as):
    ids = _queue(world)
    page = page_as("secretariat")
    page.goto(f"/documents/{world.document.id}/desk")
    expect(page.locator(".keyboard-help-line")).to_be_visible()
    expect(page.locator(f"#proposal-{ids['aus']} kbd.kbd-hint").first).to_be_visible()
    cards = [f"#proposal-{ids[k]}" for k in ("aus", "nz", "jpn")]

    page.keyboard.press("j")
    expect(page.locator(cards[0])).to_have_class(re.compile(r"\bkb-current\b"))
    expect(page.locator(cards[0])).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(cards[2])).to_have_class(re.compile(r"\bkb-current\b"))
    page.keyboard.press("k")
    expect(page.locator(cards[1])).to_have_class(re.compile(r"\bkb-current\b"))
    expect(page.locator(cards[2])).not_to_have_class(re.compile(r"\bkb-current\b"))

    # r goes to the reason field without typing itself; there, "a" is just a letter.
    page.keyboard.press("r")
    note = page.locator(cards[1]).get_by_label("Reason / note")
    expect(note).to_be_focused()
    expect(note).to_have_value("")
    page.keyboard.type("a s j k r — as agreed")
    expect(note).to_have_value("a s j k r — as agreed")
    expect(page.locator(cards[1])).to_have_class(re.compile(r"\bkb-current\b"))
    assert _status(ids["nz"]) is ProposalStatus.OPEN
    # The same in a textarea (the keep-as-option panel has none; make one as any page might).
    page.evaluate("""() => { const t = document.createElement('textarea');
                            t.id = 'scratch'; t.setAttribute('aria-label', 'scratch');
                            document.querySelector('.desk-queue').prepend(t); }""")
    page.locator("#scratch").focus()
    page.keyboard.type("a")
    expect(page.locator("#scratch")).to_have_value("a")
    assert _status(ids["nz"]) is ProposalStatus.OPEN

    # With a modifier, nothing happens.
    page.locator(cards[1]).focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Alt+a")
    page.keyboard.press("Shift+A")
    expect(page).to_have_url(re.compile(r"/desk$"))
    assert _status(ids["nz"]) is ProposalStatus.OPEN

    # ? opens the help.
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts on the merge desk")).to_be_visible()
    screenshot(page, "desk-keyboard-help")
    page.keyboard.press("Escape")
    expect(page.locator("#keyboard-help")).to_be_hidden()

    # When the form asks for a confirmation, the keyboard goes through it as a click does.
    page.evaluate(f"""() => {{ const f = document.querySelector('{cards[1]} form.decision-form');
        f.setAttribute('data-confirm', 'Accept this proposal?');
        f.setAttribute('data-confirm-title', 'Accept?'); }}""")
    page.locator(cards[1]).focus()
    page.keyboard.press("a")
    dialog = page.get_by_role("dialog", name="Accept?")
    expect(dialog).to_be_visible()
    page.keyboard.press("a")  # a dialog is asking: the shortcut does nothing
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert _status(ids["nz"]) is ProposalStatus.OPEN

    # s puts the current proposal's paragraph on the plenary screen.
    page.locator(cards[2]).focus()
    with page.expect_navigation():
        page.keyboard.press("s")
    db.session.expire_all()
    screen = db.session.get(ScreenState, world.document.id)
    assert screen is not None and screen.clause_id == world.clauses[3].id

    # a accepts the current proposal.
    page.locator(f"#proposal-{ids['jpn']}").focus()
    page.keyboard.press("a")
    expect(page.locator(".flash")).to_contain_text(f"{proposal_title(ids['jpn'])}: accepted.")
    assert _status(ids["jpn"]) is ProposalStatus.ACCEPTED


def test_desk_queue_has_no_axe_violation_and_looks_right_at_three_sizes(demo, new_context):
    document = db.session.execute(select(Document).order_by(Document.id)).scalars().first()
    page = _axe_page(new_context, _axe_source())
    login(page, "secretariat")
    page.goto(f"/documents/{document.id}/desk")
    expect(page.locator(".desk-groups .proposal-card").first).to_be_visible()
    expect(page.locator(".keyboard-help-line")).to_be_visible()
    for name, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshot(page, f"desk-queue-{name}").with_name(
            f"desk-queue-{name}-first-screen.png")))
    page.set_viewport_size({"width": 1366, "height": 768})
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})""", AXE_TAGS)["violations"]
    assert not violations, _describe("merge desk", violations)
    # And filtered, with a card in the changed state.
    page.goto(f"/documents/{document.id}/desk?new=1&sort=newest")
    page.evaluate("""() => { const card = document.querySelector('.proposal-card');
        card.setAttribute('data-changed', 'live');
        card.querySelector('.changed-banner').hidden = false; }""")
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})""", AXE_TAGS)["violations"]
    assert not violations, _describe("merge desk (filtered)", violations)
