"""The inbox (grouped by document, filtered by kind), the notification preferences and an
unsubscribe page in the real browser: axe-core finds nothing serious, nothing scrolls
sideways on a phone, and full-page screenshots at three sizes for a person to look at."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from drafting.extensions import db
from drafting.mailer import unsubscribe_token
from drafting.services import comments, proposals
from drafting.services.notification_preferences import save_preferences
from tests.browser.support import login, screenshot
from tests.browser.test_accessibility import (FAILING_IMPACTS, WIDER_THAN_THE_WINDOW,
                                              _axe_page, _axe_source, _describe, _run_axe)

pytestmark = pytest.mark.browser

SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080), "390x844": (390, 844)}
OP1 = "We will reduce emissions by 2030 and promote clean energy."


@pytest.fixture
def inbox_world(world, app):
    aus = world.user("aus")
    p = proposals.submit_proposal(aus, world.document, "amend", clause=world.clauses[2],
                                  text=OP1.replace("reduce", "halve"))
    proposals.cosponsor_proposal(world.user("jpn"), p)
    question = comments.add_comment(world.user("nz"), proposal=p, body="Why halve?")
    comments.add_comment(world.user("jpn"), proposal=p, body="Agree with NZ.", parent=question)
    save_preferences(aus, email="aus@example.org", timezone="Australia/Canberra",
                     deliveries={"proposal_commented": "immediate",
                                 "proposal_cosponsored": "digest"})
    db.session.commit()
    with app.test_request_context():
        world.token = unsubscribe_token(aus.id, ["proposal_commented"])
    return world


def test_notification_pages_read_well_at_every_size(inbox_world, new_context):
    source = _axe_source()
    pages = {"inbox": "/notifications", "inbox-filtered": "/notifications?kind=proposal_commented",
             "notification-preferences": "/account/notifications",
             "unsubscribe": f"/notifications/unsubscribe/{inbox_world.token}"}
    found, too_wide = {}, {}
    for size, (width, height) in SIZES.items():
        page = _axe_page(new_context, source) if size == "1366x768" else \
            new_context(viewport={"width": width, "height": height}).new_page()
        if size == "1366x768":
            page.set_viewport_size({"width": width, "height": height})
        login(page, "aus")
        for name, path in pages.items():
            response = page.goto(path)
            assert response.ok, f"{name}: {path} answered {response.status}"
            screenshot(page, f"{name}-{size}")
            if size == "1366x768":
                found[name] = [v for v in _run_axe(page) if v["impact"] in FAILING_IMPACTS]
            if size == "390x844" and page.evaluate(WIDER_THAN_THE_WINDOW):
                too_wide[name] = page.evaluate(WIDER_THAN_THE_WINDOW)
    report = "\n".join(_describe(name, vs) for name, vs in found.items() if vs)
    assert not report, "axe-core found serious or critical violations:\n" + report
    assert not too_wide, f"pages wider than a phone: {too_wide}"


def test_choosing_a_delivery_and_unsubscribing_in_the_browser(inbox_world, page, new_context):
    login(page, "aus")
    page.goto("/account/notifications")
    page.locator("#d-comment_reply-digest").check()
    page.fill("#pref-email", "not an address")
    with page.expect_navigation():
        page.get_by_role("button", name="Save preferences").click()
    email = page.locator("#pref-email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("not an address")  # the input is kept
    expect(page.locator("#email-error")).to_be_visible()
    page.fill("#pref-email", "aus@example.org")
    page.locator("#d-comment_reply-digest").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save preferences").click()
    expect(page.locator(".flash").first).to_contain_text("Your notification preferences")
    expect(page.locator("#d-comment_reply-digest")).to_be_checked()
    # The unsubscribe link, opened in a browser where nobody is logged in.
    anonymous = new_context().new_page()
    anonymous.goto(f"/notifications/unsubscribe/{inbox_world.token}")
    with anonymous.expect_navigation():
        anonymous.get_by_role("button", name="Stop these e-mails").click()
    expect(anonymous.locator("main, body").first).to_contain_text(
        "will no longer get e-mail about")
    page.reload()
    expect(page.locator("#d-proposal_commented-app")).to_be_checked()
