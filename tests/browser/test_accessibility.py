"""Accessibility in the real browser: axe-core on the main pages, and reflow at 320 px.

axe-core comes from npm (package.json / package-lock.json; `make test` runs `npm ci`). It is
loaded only into browser contexts made with bypass_csp=True, because the app's Content
Security Policy rightly refuses inline scripts; every other browser test (test_keyboard.py
among them) runs under the real CSP.
"""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from drafting.domain.states import ProposalAction, ProposalStatus
from drafting.extensions import db
from drafting.models import Clause, Comment, Document, Proposal
from tests.browser.support import ROOT, login, screenshot

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REPORT = ROOT / "test-artifacts" / "accessibility"
# WCAG 2.1 A and AA, plus axe's best practices (landmarks, headings, regions).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}


def demo_pages() -> dict[str, str]:
    """Name → path of the main pages, on the demo negotiation."""
    document = db.session.execute(select(Document).order_by(Document.id)).scalars().first()
    # The proposal with the longest discussion, and the clause it is on.
    proposal_id = db.session.execute(
        select(Comment.proposal_id).where(Comment.proposal_id.is_not(None))
        .group_by(Comment.proposal_id).order_by(func.count().desc())).scalars().first()
    proposal = db.session.get(Proposal, proposal_id)
    clause = proposal.clause or db.session.execute(
        select(Clause).where(Clause.document_id == document.id)).scalars().first()
    d = document.id
    # An open amendment or insertion: the page to accept it with modifications.
    modifiable = db.session.execute(
        select(Proposal).where(Proposal.document_id == d, Proposal.status == ProposalStatus.OPEN,
                               Proposal.action != ProposalAction.DELETE,
                               Proposal.in_conflict.is_(False))
        .order_by(Proposal.id)).scalars().first()
    return {
        "document-clean": f"/documents/{d}?view=clean",
        "document-changes": f"/documents/{d}?view=changes",
        "clause": f"/clauses/{clause.id}",
        "proposal": f"/proposals/{proposal.id}",
        "merge-desk": f"/documents/{d}/desk",
        "accept-with-modifications": f"/proposals/{modifiable.id}/accept-with-modifications",
        "consensus-matrix": f"/documents/{d}/consensus",
        "compare": f"/documents/{d}/compare",
        "workflow": f"/documents/{d}/workflow",
        "revisions": f"/documents/{d}/revisions",
        "negotiating-text": f"/documents/{d}/negotiating-text",
        "exports": f"/documents/{d}/exports",
        "search": f"/documents/{d}/search?q=sustainable",
        "notifications": "/notifications",
        "documents": "/documents",
        "new-proposal": f"/documents/{d}/propose?action=amend&clause_id={clause.id}",
        "position": f"/clauses/{clause.id}/position",
    }


# Who looks at each page: the secretariat sees the most controls; the propose and position
# forms are a delegate's.
DELEGATE_PAGES = {"new-proposal", "position"}


def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `make node-packages` "
                    "(npm ci installs axe-core from package-lock.json)")
    return AXE.read_text(encoding="utf-8")


def _axe_page(new_context, source: str, scheme: str = "light"):
    """A page in its own context that bypasses the CSP and loads axe-core into every page,
    in the light or dark colours (the pages follow the system's `prefers-color-scheme`)."""
    context = new_context(bypass_csp=True, color_scheme=scheme)
    context.add_init_script(script=source)
    return context.new_page()


def _run_axe(page) -> list[dict]:
    """axe's violations on the page, with every <details> opened so that the forms folded
    inside them (accept with modifications, replies, status changes) are checked too."""
    result = page.evaluate(
        """tags => {
             document.querySelectorAll('details').forEach(details => { details.open = true; });
             return axe.run(document, {runOnly: {type: 'tag', values: tags},
                                       resultTypes: ['violations']});
           }""", AXE_TAGS)
    return result["violations"]


def _describe(name: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{name}] {v['impact']}: {v['id']} — {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: "
                         f"{node.get('failureSummary', '').replace(chr(10), ' ')}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation_on_the_main_pages(demo, new_context, scheme):
    source = _axe_source()
    pages = demo_pages()
    secretariat = _axe_page(new_context, source, scheme)
    login(secretariat, "secretariat")
    delegate = _axe_page(new_context, source, scheme)
    login(delegate, "aus")
    anonymous = _axe_page(new_context, source, scheme)
    suffix = "" if scheme == "light" else "-dark"

    found: dict[str, list[dict]] = {}
    anonymous.goto("/login")
    screenshot(anonymous, "login" + suffix)
    found["login"] = _run_axe(anonymous)
    anonymous.fill("#username", "aus")
    anonymous.fill("#password", "wrong password")
    anonymous.get_by_role("button", name="Log in").click()
    expect(anonymous.locator(".flash")).to_be_visible()
    found["login (failed)"] = _run_axe(anonymous)
    for name, path in pages.items():
        browser_page = delegate if name in DELEGATE_PAGES else secretariat
        response = browser_page.goto(path)
        assert response.ok, f"{name}: {path} answered {response.status}"
        screenshot(browser_page, name + suffix)
        found[name] = _run_axe(browser_page)
    # And one page as a delegate sees it, for the controls only delegates have.
    delegate.goto(pages["clause"])
    found["clause (delegate)"] = _run_axe(delegate)

    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"axe-violations{suffix}.json").write_text(json.dumps(
        {name: [{k: v[k] for k in ("id", "impact", "help", "nodes")} for v in violations]
         for name, violations in found.items()}, indent=1, ensure_ascii=False))
    failing = {name: [v for v in violations if v["impact"] in FAILING_IMPACTS]
               for name, violations in found.items()}
    report = "\n".join(_describe(name, vs) for name, vs in failing.items() if vs)
    assert not report, "axe-core found serious or critical violations:\n" + report
    assert len(found) == len(pages) + 3


# The innermost elements that reach past the window's right edge (none when the page fits).
WIDER_THAN_THE_WINDOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const wide = [...document.body.querySelectorAll('*')].filter(el =>
    el.getBoundingClientRect().right > width + 0.5 && !el.closest('.matrix-wrap'));
  return wide.filter(el => !wide.some(other => other !== el && el.contains(other)))
             .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
                               + ' "' + el.textContent.trim().slice(0, 30) + '"');
}"""


def test_main_pages_reflow_without_sideways_scrolling_at_320_pixels(demo, new_context):
    """WCAG 1.4.10 Reflow: at 320 CSS pixels wide, nothing but the consensus matrix (a data
    table, which may scroll inside its own region) makes the page scroll sideways."""
    pages = demo_pages()
    narrow = new_context(viewport={"width": 320, "height": 640}).new_page()
    login(narrow, "secretariat")
    too_wide = {}
    for name, path in pages.items():
        if name in DELEGATE_PAGES:
            continue
        narrow.goto(path)
        sticking_out = narrow.evaluate(WIDER_THAN_THE_WINDOW)
        if sticking_out:
            too_wide[name] = sticking_out
    narrow.goto(pages["consensus-matrix"])
    screenshot(narrow, "consensus-matrix-320px")
    narrow.goto(pages["document-changes"])
    screenshot(narrow, "document-changes-320px")
    assert not too_wide, f"pages wider than 320 px: {too_wide}"
