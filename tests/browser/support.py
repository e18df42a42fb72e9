"""Helpers for browser tests: logging a page in, screenshots (import them from here)."""
from __future__ import annotations

import re
from pathlib import Path

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def login(page, username: str, password: str = PASSWORD) -> None:
    """Log `page` in as `username` through the login form, and check it worked."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    if re.search(r"/login(\?|$)", page.url):
        errors = page.locator(".form-error, .flash").all_inner_texts()
        raise AssertionError(f"login as {username!r} failed: {errors}")
    # The log-out button may be folded into the header's menu (a phone): present is enough.
    assert page.locator("form[action$='/logout'] button").count() == 1


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def proposal_called(proposal_id: int) -> str:
    """How pages name the proposal now ("proposal #3"), read afresh from the database."""
    from drafting.extensions import db
    from drafting.models import Proposal

    db.session.expire_all()
    return db.session.get(Proposal, proposal_id).name


def proposal_title(proposal_id: int) -> str:
    """The same, opening a sentence ("Proposal #3")."""
    name = proposal_called(proposal_id)
    return name[:1].upper() + name[1:]
