"""Right-to-left clauses on the pages: every piece of clause text sits in a container whose
direction the browser works out from the text (dir="auto"), and economy labels are isolated
left-to-right units, on every page that shows clause text."""
from __future__ import annotations

import re

import pytest

from drafting.extensions import db
from drafting.services import editing, options, revisions, screen
from tests.factories import login
from tests.web.test_web_support import page, propose

ARABIC_REV1 = "نخفض الانبعاثات بحلول عام 2030 ونعزز الطاقة."
ARABIC_OP1 = "نخفض الانبعاثات بحلول عام 2030 ونعزز الطاقة النظيفة."
AUS_OP1 = "نخفض الانبعاثات بحلول عام 2030 ونعزز APEC الطاقة المتجددة."
NZ_OP1 = "نخفض الانبعاثات بحلول عام 2035 ونعزز الطاقة النظيفة."
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff]")


@pytest.fixture
def arabic_world(world):
    """OP1 in Arabic in Rev.1, edited since, with two amendments (AUS open, NZ an option)."""
    secretariat = world.user("secretariat")
    clause = world.clauses[2]
    editing.edit_clause_text(secretariat, clause, ARABIC_REV1, expected_version=clause.version)
    revisions.issue_revision(secretariat, world.document, "Rev.1")
    editing.edit_clause_text(secretariat, clause, ARABIC_OP1, expected_version=clause.version)
    db.session.commit()
    world.aus = propose(world, "aus", 2, AUS_OP1)
    world.nz = propose(world, "nz", 2, NZ_OP1)
    options.keep_as_option(secretariat, world.nz)  # shown as an option on the pages
    screen.change_screen(secretariat, world.document, action="show", clause_id=clause.id)
    db.session.commit()
    return world


def pages_with_clause_text(world) -> dict[str, tuple[str, str]]:
    d, c = world.document.id, world.clauses[2].id
    return {
        "document-clean": ("observer", f"/documents/{d}?view=clean"),
        "document-changes": ("observer", f"/documents/{d}?view=changes"),
        "clause": ("observer", f"/clauses/{c}"),
        "proposal": ("observer", f"/proposals/{world.aus.id}"),
        "desk": ("secretariat", f"/documents/{d}/desk"),
        "compare": ("observer", f"/documents/{d}/compare"),
        "negotiating-text": ("observer", f"/documents/{d}/negotiating-text"),
        "clause-status": ("secretariat", f"/clauses/{c}/status"),
        "position": ("aus", f"/clauses/{c}/position"),
        "new-proposal": ("aus", f"/documents/{d}/propose?action=amend&clause_id={c}"),
        "screen": ("secretariat", f"/documents/{d}/screen"),
    }


def unmarked_right_to_left_text(tree) -> list[str]:
    """Pieces of Arabic text whose nearest `dir` (self or ancestor) is missing or 'ltr'.

    <option> labels are left out: an option holds text only, no element to mark.
    """
    found = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("option", "script", "style"):
            continue
        for text, start in ((element.text, element), (element.tail, element.getparent())):
            if not text or not RIGHT_TO_LEFT.search(text) or start is None:
                continue
            holder = next((e for e in [start, *start.iterancestors()] if e.get("dir")), None)
            if holder is None or holder.get("dir") == "ltr":
                found.append(f"<{start.tag} class={start.get('class')!r}>: {text.strip()[:30]}")
    return found




@pytest.mark.parametrize("name", ["document-clean", "document-changes", "clause", "proposal",
                                  "desk", "compare", "negotiating-text",
                                  "clause-status", "position", "new-proposal", "screen"])
def test_arabic_clause_text_takes_its_direction_from_the_text(client, arabic_world, name):
    username, path = pages_with_clause_text(arabic_world)[name]
    login(client, username)
    response = client.get(path)
    assert response.status_code == 200, response.data[:300]
    tree = page(response)
    assert RIGHT_TO_LEFT.search(tree.text_content()), "the page shows no Arabic text"
    assert unmarked_right_to_left_text(tree) == []
    # Economy labels inside clause text are left-to-right isolates.
    for label in tree.xpath("//sup[contains(@class, 'attr')]"):
        assert label.get("dir") == "ltr", label.text_content()


def test_the_checker_finds_arabic_text_without_a_direction():
    import lxml.html
    tree = lxml.html.fromstring(f'<div><p class="clause-text">{ARABIC_OP1}</p>'
                                f'<p dir="auto">x <del>{NZ_OP1}</del></p></div>')
    assert unmarked_right_to_left_text(tree) == [f"<p class='clause-text'>: {ARABIC_OP1[:30]}"]
