"""A form that creates something is sent once, however often its button is pressed while
the first submission is on its way (static/app.js; the server's side is
tests/web/test_form_idempotency.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from drafting.extensions import db
from drafting.models import Proposal

pytestmark = pytest.mark.browser


def test_a_second_press_while_the_form_is_on_its_way_is_dropped(world, page_as):
    aus = page_as("aus")
    clause = world.clauses[2]
    aus.goto(f"/documents/{world.document.id}/propose?action=amend&clause_id={clause.id}")
    aus.fill("#text", "We will halve emissions by 2030 and promote clean energy.")
    # The answer goes to a frame (which refuses to show it: pages are never framed), so the
    # form stays on the page for the second press, as it does while a slow answer is awaited;
    # a listener added last sees what app.js decided.
    aus.evaluate("""() => {
        const sink = document.createElement('iframe');
        sink.name = 'sink';
        document.body.appendChild(sink);
        document.querySelector('form.proposal-form').target = 'sink';
        window.submits = [];
        window.addEventListener('submit', e => window.submits.push(e.defaultPrevented));
    }""")
    submit = aus.get_by_role("button", name="Submit proposal")
    with aus.expect_response(lambda r: r.request.method == "POST"
                             and r.url.endswith("/proposals")) as answer:
        submit.click(no_wait_after=True)
    aus.wait_for_function("() => window.submits.length === 1")
    expect(aus.locator("form.proposal-form")).to_have_attribute("aria-busy", "true")
    submit.click(no_wait_after=True)
    aus.wait_for_function("() => window.submits.length === 2")
    assert aus.evaluate("() => window.submits") == [False, True]
    assert answer.value.status == 302
    db.session.expire_all()
    assert db.session.execute(select(func.count(Proposal.id))).scalar() == 1
