"""The Exports page in the browser: a preset downloads with a visible state, HTML opens in a
new tab (static/exports.js; the server's side is tests/exports/test_disposition_and_presets.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import screenshot

pytestmark = pytest.mark.browser


def test_a_preset_downloads_the_file_and_says_so(world, page_as):
    nz = page_as("nz")
    nz.goto(f"/documents/{world.document.id}/exports")
    for width, height in ((1366, 768), (1920, 1080), (390, 844)):
        nz.set_viewport_size({"width": width, "height": height})
        screenshot(nz, f"exports-{width}x{height}")
    with nz.expect_download() as download:
        nz.get_by_role("link", name="Disposition table, Word").click()
    assert download.value.suggested_filename.endswith(".docx")
    status = nz.locator(".export-status")
    expect(status).to_contain_text("downloaded")
    expect(nz.get_by_role("link", name="Disposition table, Word")).not_to_have_attribute(
        "aria-busy", "true")


def test_a_refused_export_is_explained_on_the_page(world, page_as):
    nz = page_as("nz")
    nz.goto(f"/documents/{world.document.id}/exports")
    # A link to a text that does not exist, as a stale bookmark would be.
    nz.evaluate("""() => {
        const link = document.querySelector('a.preset[href*="disposition"]');
        link.href = link.href + '&from=99';
    }""")
    nz.get_by_role("link", name="Disposition table, Word").click()
    expect(nz.locator(".export-status")).to_contain_text("Disposition table, Word:")
    expect(nz.locator(".export-status")).not_to_contain_text("downloaded")


def test_html_exports_open_in_a_new_tab(world, page_as):
    nz = page_as("nz")
    nz.goto(f"/documents/{world.document.id}/exports")
    clean = nz.locator("section", has=nz.get_by_role("heading", name="Clean text"))
    with nz.context.expect_page() as opened:
        clean.get_by_role("button", name="HTML (opens in a new tab)").click()
    opened.value.wait_for_load_state()
    assert "/export?" in opened.value.url and "format=html" in opened.value.url
    assert nz.url.endswith("/exports")  # the exports page stays where it was
