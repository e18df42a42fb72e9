"""Searching a document in the real browser: the box in the document header (a plain GET
form), the results page with its marked matches at three window sizes, and axe-core on it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Document
from tests.browser.support import login, screenshot
from tests.browser.test_accessibility import (FAILING_IMPACTS, WIDER_THAN_THE_WINDOW, _axe_page,
                                              _axe_source, _describe, _run_axe)

pytestmark = pytest.mark.browser

SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080), "390x844": (390, 844)}


def first_document_id() -> int:
    return db.session.execute(select(Document.id).order_by(Document.id)).scalars().first()


def test_search_from_the_document_header_and_open_a_hit(demo, page):
    login(page, "aus")
    page.goto(f"/documents/{first_document_id()}")
    box = page.get_by_role("search", name="Search this document")
    box.get_by_role("searchbox", name="Search this document").fill('"circular economy"')
    with page.expect_navigation():
        box.get_by_role("searchbox").press("Enter")
    assert "/search?q=" in page.url
    hits = page.locator(".search-hit")
    expect(hits.first).to_be_visible()
    marks = page.locator(".search-snippet mark").all_inner_texts()
    assert marks and {m.lower() for m in marks} == {"circular economy"}
    expect(page.get_by_role("searchbox")).to_have_value('"circular economy"')
    link = hits.first.get_by_role("link")
    with page.expect_navigation():
        link.click()
    assert "/clauses/" in page.url or "/proposals/" in page.url or "?rev=" in page.url


def test_the_results_page_at_three_sizes_with_no_sideways_scrolling(demo, new_context):
    document_id = first_document_id()
    for name, (width, height) in SIZES.items():
        page = new_context(viewport={"width": width, "height": height}).new_page()
        login(page, "secretariat")
        page.goto(f"/documents/{document_id}/search?q=sustainable")
        expect(page.locator(".search-hit").first).to_be_visible()
        screenshot(page, f"search-results-{name}")
        assert page.evaluate(WIDER_THAN_THE_WINDOW) == [], name
        page.goto(f"/documents/{document_id}")
        screenshot(page, f"search-box-document-{name}")
        assert page.evaluate(WIDER_THAN_THE_WINDOW) == [], name
        page.context.close()


def test_axe_finds_nothing_on_the_search_pages(demo, new_context):
    document_id = first_document_id()
    page = _axe_page(new_context, _axe_source())
    login(page, "aus")
    found = {}
    for name, query in (("results", "q=sustainable"), ("nothing found", "q=zqnothing"),
                        ("refused", "q=%3F%21"), ("empty form", "")):
        page.goto(f"/documents/{document_id}/search?{query}")
        found[name] = _run_axe(page)
    screenshot(page, "search-empty-form")
    # Nothing at all, not only nothing serious: the page is new.
    report = "\n".join(_describe(name, vs) for name, vs in found.items() if vs)
    assert not report, "axe-core found violations on the search pages:\n" + report
    assert FAILING_IMPACTS
