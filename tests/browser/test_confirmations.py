"""Wide or irreversible actions ask first: a <dialog> with JavaScript, a page without it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document
from drafting.models.types import utcnow
from drafting.services import positions
from tests.browser.support import login, screenshot

pytestmark = pytest.mark.browser

VIEWPORTS = {"1366x768": (1366, 768), "1920x1080": (1920, 1080), "390x844": (390, 844)}


def _frozen(clause_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Clause, clause_id).frozen


def test_freezing_asks_in_a_dialog_with_javascript(world, page_as):
    clause = world.clauses[3]  # OP2
    sec = page_as("secretariat")
    sec.goto(f"/documents/{world.document.id}/workflow#frozen")
    sec.select_option("#freeze-clause", str(clause.id))
    sec.fill("#freeze-reason", "Agreed ad ref at SOM3")
    sec.get_by_role("button", name="Freeze clause").click()
    dialog = sec.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Freeze OP2?")
    expect(dialog).to_contain_text("0 open proposals on it stay as they are.")
    expect(dialog).to_contain_text("You can unfreeze it later from this page.")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    screenshot(sec, "confirm-dialog-freeze")
    # Cancel: the dialog goes, the form keeps what was typed, nothing is frozen.
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(sec.locator("#freeze-reason")).to_have_value("Agreed ad ref at SOM3")
    assert not _frozen(clause.id)
    # Again, and confirm: frozen, with the way back named.
    sec.get_by_role("button", name="Freeze clause").click()
    sec.locator("dialog.confirm-dialog").get_by_role("button", name="Freeze OP2").click()
    expect(sec.locator(".flash")).to_contain_text("OP2 is frozen")
    expect(sec.locator(".flash")).to_contain_text("You can unfreeze it below.")
    assert _frozen(clause.id)


def test_moving_to_the_chair_statement_is_confirmed_on_a_page_without_javascript(
        world, new_context):
    past = utcnow() - timedelta(hours=3)
    db.session.execute(update(ClauseVersion).values(created_at=past))
    db.session.commit()
    positions.set_position(world.user("nz"), world.clauses[2], "objection",
                           "Coal must be named.")
    db.session.commit()
    context = new_context(java_script_enabled=False)
    sec = context.new_page()
    login(sec, "secretariat")
    sec.goto(f"/documents/{world.document.id}/consensus")
    boxes = sec.locator("input[form='chair-statement-form'][type=checkbox]")
    expect(boxes).to_have_count(4)
    for i in range(4):
        expect(boxes.nth(i)).not_to_be_checked()  # nothing is ever pre-selected
    sec.check(f"#move-{world.clauses[2].id}")
    sec.check(f"#move-{world.clauses[3].id}")
    sec.fill("#chair-note", "No consensus at SOM3")
    sec.get_by_role("button", name="Move the ticked paragraphs to the Chair's statement").click()

    expect(sec.get_by_role("heading", level=1)).to_have_text(
        "Move 2 paragraphs to the Chair's statement?")
    moving = sec.locator("table.confirm-moving tbody tr")
    expect(moving).to_have_count(2)
    expect(moving.nth(0)).to_contain_text("NZ: Objection — Coal must be named.")
    expect(moving.nth(1)).to_contain_text("No economy has recorded a position on it.")
    expect(sec.locator("ol.remaining-paragraphs li")).to_have_count(2)
    assert db.session.execute(select(Document).where(Document.kind == "chair_statement")) \
        .scalar() is None
    for name, (width, height) in VIEWPORTS.items():
        sec.set_viewport_size({"width": width, "height": height})
        screenshot(sec, f"confirm-chair-statement-{name}")

    sec.get_by_role("button", name="Move 2 paragraphs").click()
    expect(sec.locator(".flash")).to_contain_text("created: OP1, OP2 moved from 2022/TEST/1")
    db.session.expire_all()
    chair = db.session.execute(select(Document).where(Document.kind == "chair_statement")) \
        .scalar_one()
    assert sec.url.endswith(f"/documents/{chair.id}")


def test_returning_from_the_chair_statement_is_confirmed_on_a_page_without_javascript(
        world, new_context):
    from drafting.services import chair_statement
    moved = chair_statement.create_chair_statement(
        world.user("secretariat"), world.document, [world.clauses[1].id, world.clauses[3].id])
    db.session.commit()
    chair = moved.document
    context = new_context(java_script_enabled=False)
    sec = context.new_page()
    login(sec, "secretariat")
    sec.goto(f"/documents/{chair.id}")
    expect(sec.locator(".doc-meta")).to_contain_text("Moved from 2022/TEST/1")
    expect(sec.locator(".clause-number .formerly")).to_have_text(["formerly PP2",
                                                                  "formerly OP2"])
    for name, (width, height) in VIEWPORTS.items():
        sec.set_viewport_size({"width": width, "height": height})
        screenshot(sec, f"chair-statement-page-{name}")
    sec.get_by_role("link", name="Return paragraphs to the statement").click()
    boxes = sec.locator("input[form='return-form'][type=checkbox]")
    expect(boxes).to_have_count(2)
    sec.check(f"#return-{moved.moved[1].clause.id}")
    sec.fill("#return-note", "Agreed at SOM3")
    for name, (width, height) in VIEWPORTS.items():
        sec.set_viewport_size({"width": width, "height": height})
        screenshot(sec, f"chair-statement-matrix-{name}")
    sec.get_by_role("button", name="Return the ticked paragraphs to the statement").click()

    expect(sec.get_by_role("heading", level=1)).to_have_text(
        "Return 1 paragraph to the statement?")
    returning = sec.locator("table.confirm-returning tbody tr")
    expect(returning).to_have_count(1)
    expect(returning.nth(0)).to_contain_text("formerly OP2")
    expect(returning.nth(0)).to_contain_text("returns as OP2, after OP1")
    for name, (width, height) in VIEWPORTS.items():
        sec.set_viewport_size({"width": width, "height": height})
        screenshot(sec, f"confirm-chair-return-{name}")

    sec.get_by_role("button", name="Return 1 paragraph").click()
    expect(sec.locator(".flash")).to_contain_text("Returned to 2022/TEST/1 from the Chair's "
                                                  "statement: OP2")
    assert sec.url.endswith(f"/documents/{world.document.id}")
    expect(sec.locator(".doc-meta")).to_contain_text(f"Chair's statement: {chair.symbol}")
    db.session.expire_all()
    assert db.session.get(Clause, world.clauses[3].id).removed is False


def test_a_page_action_without_javascript_shows_a_confirmation_page(world, new_context):
    context = new_context(java_script_enabled=False)
    sec = context.new_page()
    login(sec, "secretariat")
    sec.goto(f"/documents/{world.document.id}/revisions")
    sec.fill("#note", "After SOM3")
    sec.get_by_role("button", name="Issue revision").click()
    expect(sec.get_by_role("heading", level=1)).to_have_text("Issue Rev.1?")
    expect(sec.locator(".consequence")).to_contain_text(
        "Issue Rev.1, the first revision: the working draft's 4 paragraphs.")
    for name, (width, height) in VIEWPORTS.items():
        sec.set_viewport_size({"width": width, "height": height})
        screenshot(sec, f"confirm-revision-page-{name}")
    sec.get_by_role("link", name="Cancel").click()
    expect(sec).to_have_url(f"{sec.url.split('/documents')[0]}/documents/"
                            f"{world.document.id}/revisions")
    sec.get_by_role("button", name="Issue revision").click()
    sec.get_by_role("button", name="Issue Rev.1").click()
    expect(sec.locator(".flash")).to_contain_text("Rev.1 issued")
