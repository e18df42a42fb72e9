"""Positions in the consensus matrix, and the silence procedure, driven through the pages."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from drafting.domain.states import Role
from drafting.extensions import db
from drafting.models import SilenceProcedure
from drafting.models.types import utcnow
from drafting.services import positions
from tests.browser.support import screenshot
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_a_recorded_position_shows_in_the_consensus_matrix(world, page_as):
    clause = world.clauses[3]  # OP2
    jpn = page_as("jpn")
    jpn.goto(f"/clauses/{clause.id}#positions")
    form = jpn.locator("form.position-form")
    form.get_by_role("radio", name="Objection").check()
    form.get_by_label("What your economy cannot accept").fill(
        "“Share best practices” must stay voluntary.")
    form.get_by_role("button", name="Save position").click()
    row = jpn.locator("table.positions tr").filter(has_text="Japan")
    expect(row.locator(".stance-cell")).to_have_text("✗ Objection")

    jpn.goto(f"/documents/{world.document.id}/consensus")
    matrix_row = jpn.locator(f"#row-{clause.id}")
    jpn_cell = matrix_row.locator("td.cell").filter(has_text="JPN:")
    expect(jpn_cell).to_have_text("✗JPN: Objection")
    expect(jpn_cell).to_have_attribute("title", "Japan: Objection — “Share best practices” "
                                                "must stay voluntary.")
    expect(matrix_row.locator(".verdict")).to_have_text("✗ Blocked")
    # Nobody else has spoken on that paragraph.
    expect(matrix_row.locator("td.cell.stance-none")).to_have_count(3)
    screenshot(jpn, "flow-consensus-matrix-objection")

    # Support or acceptance from every economy turns the verdict to consensus.
    jpn.goto(f"/clauses/{clause.id}#positions")
    jpn.locator("form.position-form").get_by_role("radio", name="Support").check()
    jpn.locator("form.position-form").get_by_role("button", name="Save position").click()
    expect(row.locator(".stance-cell")).to_contain_text("Support")
    # (The others' stances are recorded through the service: the form is the one just used.)
    make_user("tha", Role.DELEGATE, world.economies["THA"])
    for username in ("aus", "nz", "tha"):
        positions.set_position(world.user(username), clause, "can_accept", "")
    db.session.commit()
    jpn.goto(f"/documents/{world.document.id}/consensus")
    expect(jpn.locator(f"#row-{clause.id} .verdict")).to_have_text("✓ Yes")


def _deadline_in(days: int) -> str:
    """A datetime-local value `days` from now in Bangkok time."""
    moment = datetime.now(ZoneInfo("Asia/Bangkok")) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M")


def _start_silence(sec, document_id: int, note: str) -> None:
    sec.goto(f"/documents/{document_id}/workflow")
    form = sec.locator("form").filter(has=sec.get_by_role("button",
                                                           name="Start silence procedure"))
    form.locator("#silence-start-deadline").fill(_deadline_in(3))
    form.locator("#silence-start-timezone").select_option("Asia/Bangkok")
    form.locator("#silence-start-note").fill(note)
    form.get_by_role("button", name="Start silence procedure").click()
    expect(sec.locator(".flash")).to_contain_text("Silence procedure started")
    expect(sec.locator("#silence .notice")).to_contain_text("Under silence")


def test_silence_procedure_broken_withdrawn_and_passed(world, page_as):
    document = world.document
    sec = page_as("secretariat")
    _start_silence(sec, document.id, "Final text for adoption")
    screenshot(sec, "flow-workflow-under-silence")

    # Japan breaks silence; a reason is required.
    jpn = page_as("jpn")
    jpn.goto(f"/documents/{document.id}/workflow")
    expect(jpn.locator(".stage").first).to_have_text("Silence procedure")
    jpn.get_by_label("Reason (required; it is shown to every economy)").fill(
        "Japan needs more time on Goal 1.")
    jpn.get_by_role("button", name="Break silence").click()
    expect(jpn.locator(".flash")).to_contain_text("Silence broken by Japan")
    expect(jpn.locator("#silence .conflict-note")).to_contain_text(
        "Silence broken by Japan")
    expect(jpn.locator(".stage").first).to_have_text("Negotiation")

    # The secretariat starts again, then withdraws the procedure.
    _start_silence(sec, document.id, "Second attempt")
    sec.locator("#cancel-reason").fill("Capitals asked for a new revision first.")
    sec.get_by_role("button", name="Withdraw and return to negotiation").click()
    # It asks first (static/confirm.js), naming the consequence.
    dialog = sec.locator("dialog.confirm-dialog")
    expect(dialog).to_contain_text("ends now and the document returns to negotiation")
    dialog.get_by_role("button", name="Withdraw the silence procedure").click()
    expect(sec.locator(".flash")).to_contain_text("Silence procedure withdrawn")
    expect(sec.locator("#silence table.data tbody tr")).to_have_count(2)

    # A third procedure passes unbroken: the deadline is moved into the past (the clock, not
    # a sleep), and the next reader of the page settles it.
    _start_silence(sec, document.id, "Third attempt")
    db.session.expire_all()
    running = db.session.execute(
        select(SilenceProcedure).where(SilenceProcedure.status == "running")).scalar_one()
    running.started_at = utcnow() - timedelta(days=3)
    running.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    jpn.goto(f"/documents/{document.id}/workflow")
    expect(jpn.locator("#silence .notice")).to_contain_text("Adopted under silence procedure")
    expect(jpn.locator(".stage").first).to_have_text("Agreed by senior officials")
    expect(jpn.get_by_role("button", name="Break silence")).to_have_count(0)
    screenshot(jpn, "flow-workflow-adopted")
