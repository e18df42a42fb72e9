"""The document page's outline, its filter (query parameters, read on the server) and the
per-paragraph actions menu (issue 16, items 1 and 2)."""
from __future__ import annotations

from datetime import timedelta

from drafting.domain.states import Stance
from drafting.extensions import db
from drafting.models import ClauseVersion
from drafting.services import positions, visits
from tests.factories import login
from tests.web.test_web_support import comment, page, propose

OP1 = "We shall reduce emissions by 2030 and promote clean energy."


def _shown(tree) -> list[str]:
    return [a.get("id") for a in tree.xpath("//article[contains(@class, 'clause')]")]


def _outline(tree) -> list[str]:
    return [" ".join(a.text_content().split())
            for a in tree.xpath("//aside[@class='outline']//ol[@class='outline-clauses']//a")]


def test_outline_lists_every_paragraph_with_status_and_open_proposal_count(client, world):
    propose(world, "aus", 2, OP1)
    propose(world, "nz", 2, "We will reduce emissions by 2035 and promote clean energy.")
    login(client, "jpn")
    tree = page(client.get(f"/documents/{world.document.id}"))
    assert _outline(tree) == ["○ PP1, Open", "○ PP2, Open",
                              "○ OP1, Open 2 open proposals", "○ OP2, Open"]
    hrefs = tree.xpath("//aside[@class='outline']//ol[@class='outline-clauses']//a/@href")
    assert hrefs == [f"#clause-{c.id}" for c in world.clauses]
    # Sections are in it, linked to their headings.
    assert tree.xpath("//a[@class='outline-section']/text()") == ["Preamble", "Goal 1: Climate"]


def test_filter_by_open_proposals_and_status_works_without_javascript(client, world):
    propose(world, "aus", 2, OP1)
    login(client, "jpn")
    url = f"/documents/{world.document.id}"
    tree = page(client.get(f"{url}?open_proposals=1"))
    assert _shown(tree) == [f"clause-{world.clauses[2].id}"]
    assert _outline(tree) == ["○ OP1, Open 1 open proposal"]
    summary = " ".join(tree.xpath("//p[@class='filter-summary']")[0].text_content().split())
    assert summary.startswith("Showing 1 of 4 paragraphs — with open proposals.")
    # The form shows what is chosen; the whole text is a link away.
    assert tree.xpath("//input[@name='open_proposals']/@checked")
    assert tree.xpath("//p[@class='filter-summary']/a/@href") == [url]
    assert _shown(page(client.get(f"{url}?status=agreed"))) == []
    assert len(_shown(page(client.get(f"{url}?status=open&status=nonsense")))) == 4
    # The changes view keeps its view when filtered.
    tree = page(client.get(f"{url}?view=changes&open_proposals=1"))
    assert tree.xpath("//form[@class='outline-filter']/input[@name='view']/@value") == ["changes"]
    assert tree.xpath(f"//article[@id='clause-{world.clauses[2].id}']//ins")


def test_counts_and_filter_never_reveal_an_uncirculated_proposal(client, world):
    world.document.circulate_immediately = False
    db.session.commit()
    propose(world, "nz", 1, "We recall our commitments, and more.")  # not circulated yet
    login(client, "aus")
    url = f"/documents/{world.document.id}"
    tree = page(client.get(url))
    assert not tree.xpath("//span[@class='outline-count']")
    assert _shown(page(client.get(f"{url}?open_proposals=1"))) == []
    client.post("/logout", data={})
    login(client, "nz")  # its own economy sees it, counted
    tree = page(client.get(f"{url}?open_proposals=1"))
    assert _shown(tree) == [f"clause-{world.clauses[1].id}"]
    assert tree.xpath("//span[@class='outline-count']")


def test_my_economy_filter_keeps_its_proposals_positions_and_comments(client, world):
    propose(world, "aus", 2, OP1)
    propose(world, "nz", 3, "We will act, quickly.")
    positions.set_position(world.user("aus"), world.clauses[0], Stance.SUPPORT)
    comment(world, "aus2", clause_index=1, body="We ask for a word.")
    db.session.commit()
    login(client, "aus")
    url = f"/documents/{world.document.id}?mine=1"
    assert _shown(page(client.get(url))) == [f"clause-{c.id}" for c in world.clauses[:3]]
    client.post("/logout", data={})
    login(client, "jpn")
    assert _shown(page(client.get(url))) == []
    client.post("/logout", data={})
    login(client, "observer")  # no economy: no such choice offered
    tree = page(client.get(f"/documents/{world.document.id}"))
    assert not tree.xpath("//input[@name='mine']")


def test_changed_since_last_visit_filter(client, world):
    point = visits.mark_visited(world.user("jpn"), world.document)
    clause = world.clauses[3]
    db.session.add(ClauseVersion(clause_id=clause.id, number=2, text="Changed words.",
                                 created_at=point + timedelta(seconds=1),
                                 created_by_id=world.user("secretariat").id))
    clause.version = 2
    db.session.commit()
    login(client, "jpn")
    url = f"/documents/{world.document.id}?changed=1"
    assert _shown(page(client.get(url))) == [f"clause-{clause.id}"]
    client.post("/logout", data={})
    login(client, "nz")  # never marked it as read: nothing is "changed" for a first visit
    assert _shown(page(client.get(url))) == []


def test_per_paragraph_actions_are_one_menu(client, world):
    login(client, "aus")
    tree = page(client.get(f"/documents/{world.document.id}"))
    menus = tree.xpath("//details[@class='clause-menu']")
    assert len(menus) == 4
    assert " ".join(menus[2].xpath("./summary")[0].text_content().split()) == "Actions on OP1"
    links = [" ".join(a.text_content().split()) for a in menus[2].xpath(".//a")]
    assert links[1:] == ["Propose amendment to OP1", "Insert a paragraph after OP1",
                         "Propose deletion of OP1"]
    client.post("/logout", data={})
    login(client, "observer")  # nothing to do but read: no menu, the number is the link
    assert not page(client.get(f"/documents/{world.document.id}")).xpath(
        "//details[@class='clause-menu']")
