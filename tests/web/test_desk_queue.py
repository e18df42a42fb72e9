"""The merge desk's work queue: grouping, facts per proposal, filters by query string (no
JavaScript), their counts, the "seen" mark, and who may read it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import DeskMark, Proposal
from drafting.services import comments as comment_service
from drafting.services import positions as position_service
from drafting.services import proposals as proposal_service
from tests.factories import login
from tests.web.test_web_support import decide, isolated_requests, page, propose, text_of

_ = isolated_requests

AUS_OP1 = "We shall reduce emissions by 2030 and promote clean energy."
NZ_PP1 = "Recognising that climate change poses grave risks to the region;"
JPN_PP1 = "Recognising that climate change poses existential risks to the region;"


@dataclass
class Queue:
    aus: Proposal  # OP1, co-sponsored by NZ, one comment, one position since
    jpn_conflict: Proposal  # PP1, in conflict after NZ's was accepted
    jpn_delete: Proposal  # OP2, nothing else
    draft: Proposal  # AUS's draft: never on the desk


@pytest.fixture
def queue(world) -> Queue:
    world.document.circulate_immediately = True
    db.session.commit()
    nz = propose(world, "nz", 0, NZ_PP1)
    jpn_conflict = propose(world, "jpn", 0, JPN_PP1)
    decide(world, nz)
    db.session.commit()
    aus = propose(world, "aus", 2, AUS_OP1, rationale="Commitment.")
    proposal_service.cosponsor_proposal(world.user("nz"), aus)
    comment_service.add_comment(world.user("jpn"), proposal=aus, body="We could live with it.")
    position_service.set_position(world.user("jpn"), world.clauses[2], "support")
    jpn_delete = propose(world, "jpn", 3, action="delete")
    draft = proposal_service.submit_proposal(world.user("aus"), world.document, "amend",
                                             clause=world.clauses[3], text="DRAFT-ONLY words.",
                                             draft=True)
    db.session.commit()
    assert db.session.get(Proposal, jpn_conflict.id).in_conflict
    return Queue(aus, jpn_conflict, jpn_delete, draft)


def _desk(client, world, query: str = ""):
    response = client.get(f"/documents/{world.document.id}/desk{query}")
    assert response.status_code == 200
    return page(response)


def _cards(tree) -> list[str]:
    return tree.xpath("//div[@class='desk-groups']//article[@class='proposal-card']/@id")


def _option_labels(tree, name: str) -> list[str]:
    return [" ".join(o.text_content().split())
            for o in tree.xpath(f"//form[@role='search']//select[@name='{name}']/option")]


def _flag_labels(tree) -> list[str]:
    return [" ".join(label.text_content().split())
            for label in tree.xpath("//fieldset[@class='filter-flags']/label")]


def test_queue_groups_by_clause_in_document_order_with_facts(client, world, queue):
    login(client, "secretariat")
    tree = _desk(client, world)
    groups = tree.xpath("//section[@class='desk-group']/@id")
    assert groups == [f"clause-{world.clauses[i].id}" for i in (0, 2, 3)]
    assert _cards(tree) == [f"proposal-{p.id}" for p in
                            (queue.jpn_conflict, queue.aus, queue.jpn_delete)]
    op1 = tree.xpath(f"//section[@id='clause-{world.clauses[2].id}']")[0]
    consensus = " ".join(op1.xpath(".//p[@class='consensus-row']")[0].text_content().split())
    assert "Support 1" in consensus and "No position 3" in consensus
    assert "✗ no consensus" in consensus
    facts = " ".join(op1.xpath(f".//article[@id='proposal-{queue.aus.id}']"
                               "//p[@class='card-facts']")[0].text_content().split())
    assert "Co-sponsored by NZ" in facts and "1 comment" in facts
    assert "Positions since submitted: ✓ Support 1" in facts and "Applies cleanly" in facts
    assert "Submitted just now" in facts or " min ago" in facts
    conflict = " ".join(tree.xpath(f"//article[@id='proposal-{queue.jpn_conflict.id}']"
                                   "//p[@class='card-facts']")[0].text_content().split())
    assert "In conflict" in conflict and "No co-sponsors" in conflict and "0 comments" in conflict
    # Drafts are not on the desk and are counted nowhere.
    assert "DRAFT-ONLY" not in text_of(client.get(f"/documents/{world.document.id}/desk"))
    assert "3 open proposals on 3 clauses" in " ".join(tree.text_content().split())


def test_every_filter_choice_shows_its_count(client, world, queue):
    login(client, "secretariat")
    tree = _desk(client, world)
    assert _option_labels(tree, "clause") == ["All clauses", "PP1 (1)", "OP1 (1)", "OP2 (1)"]
    assert _option_labels(tree, "economy") == ["All economies", "Australia (1)",
                                               "New Zealand (1)", "Japan (2)"]
    assert _flag_labels(tree) == ["In conflict (1)", "New since you last looked (3)",
                                  "With co-sponsors (1)", "Without reactions (2)"]
    # Counts are of the queue as the other filters leave it.
    tree = _desk(client, world, "?economy=JPN")
    assert _flag_labels(tree) == ["In conflict (1)", "New since you last looked (2)",
                                  "With co-sponsors (0)", "Without reactions (2)"]
    assert _option_labels(tree, "clause") == ["All clauses", "PP1 (1)", "OP1 (0)", "OP2 (1)"]


@pytest.mark.parametrize("query, expected", [
    ("?clause={op1}", ["aus"]),
    ("?economy=NZ", ["aus"]),  # a co-sponsor's proposals count as its economy's
    ("?economy=jpn", ["jpn_conflict", "jpn_delete"]),
    ("?in_conflict=1", ["jpn_conflict"]),
    ("?cosponsored=1", ["aus"]),
    ("?no_reactions=1", ["jpn_conflict", "jpn_delete"]),
    ("?economy=JPN&no_reactions=1&in_conflict=1", ["jpn_conflict"]),
    ("?sort=newest", ["jpn_delete", "aus", "jpn_conflict"]),
    ("?sort=oldest", ["jpn_conflict", "aus", "jpn_delete"]),
    ("?clause=abc&economy=%3Cscript%3E&sort=evil", ["jpn_conflict", "aus", "jpn_delete"]),
])
def test_filters_and_order_come_from_the_query_string(client, world, queue, query, expected):
    login(client, "secretariat")
    tree = _desk(client, world, query.format(op1=world.clauses[2].id))
    assert _cards(tree) == [f"proposal-{getattr(queue, name).id}" for name in expected]


def test_filter_form_is_a_plain_get_form_that_keeps_its_choices(client, world, queue):
    login(client, "secretariat")
    tree = _desk(client, world, "?economy=NZ&cosponsored=1&sort=oldest")
    form = tree.xpath("//form[@role='search'][.//select[@name='economy']]")[0]
    assert form.get("method") == "get" and not form.xpath(".//input[@name='csrf_token']")
    assert form.xpath(".//select[@name='economy']/option[@selected]/@value") == ["NZ"]
    assert form.xpath(".//input[@name='cosponsored']/@checked")
    assert form.xpath(".//select[@name='sort']/option[@selected]/@value") == ["oldest"]
    assert "1 shown" in " ".join(tree.text_content().split())
    # Deciding from a filtered queue comes back to the same filters.
    nexts = tree.xpath("//form[@class='decision-form']/input[@name='next']/@value")
    assert nexts and all("economy=NZ" in n and "cosponsored=1" in n for n in nexts)


def test_nothing_matching_says_so_and_offers_the_whole_queue(client, world, queue):
    login(client, "secretariat")
    text = " ".join(_desk(client, world, "?economy=THA").text_content().split())
    assert "No open proposal matches these filters." in text
    assert "The desk is clear." not in text


def test_new_since_last_looked_follows_the_mark_set_by_a_post(client, world, queue):
    login(client, "secretariat")
    assert len(_cards(_desk(client, world, "?new=1"))) == 3  # never marked: all new
    tree = _desk(client, world)
    form = tree.xpath("//form[contains(@action, '/desk/seen')]")[0]
    up_to = form.xpath(".//input[@name='up_to']/@value")[0]
    response = client.post(f"/documents/{world.document.id}/desk/seen",
                           data={"up_to": up_to, "next": f"/documents/{world.document.id}/desk"})
    assert response.status_code == 302
    mark = db.session.get(DeskMark, (world.user("secretariat").id, world.document.id))
    assert mark is not None
    # Reading the desk does not move the mark; only the POST did.
    assert _cards(_desk(client, world, "?new=1")) == []
    later = propose(world, "nz", 1, "Noting the New Zealand wording;")
    later.submitted_at = mark.seen_at + timedelta(minutes=1)
    db.session.commit()
    tree = _desk(client, world, "?new=1")
    assert _cards(tree) == [f"proposal-{later.id}"]
    assert "★ New" in " ".join(tree.text_content().split())
    # The mark is per user: another secretariat account has seen nothing yet.
    assert db.session.execute(select(DeskMark).where(
        DeskMark.user_id != world.user("secretariat").id)).first() is None


def test_mark_never_moves_back_nor_past_now(client, world, queue):
    login(client, "secretariat")
    url = f"/documents/{world.document.id}/desk/seen"
    client.post(url, data={"up_to": "2999-01-01T00:00:00+00:00"})
    mark = db.session.get(DeskMark, (world.user("secretariat").id, world.document.id))
    first = mark.seen_at
    assert first.year < 2999
    client.post(url, data={"up_to": "2001-01-01T00:00:00+00:00"})
    db.session.expire_all()
    assert db.session.get(DeskMark, (world.user("secretariat").id,
                                     world.document.id)).seen_at == first
    assert client.post(url, data={"up_to": "yesterday"}).status_code == 422
    assert client.post(url, data={"up_to": "2020-01-01T00:00:00"}).status_code == 422


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_reads_the_queue_or_marks_it(client, world, queue, username):
    login(client, username)
    assert client.get(f"/documents/{world.document.id}/desk?new=1").status_code == 403
    assert client.post(f"/documents/{world.document.id}/desk/seen",
                       data={"up_to": "2020-01-01T00:00:00+00:00"}).status_code == 403
    assert db.session.execute(select(DeskMark)).first() is None


def test_circulation_and_screen_controls_sit_in_the_side_panel(client, world, queue):
    login(client, "secretariat")
    tree = _desk(client, world)
    side = tree.xpath("//aside[@class='desk-side']")[0]
    assert side.xpath(".//section[@class='circulation']//form[contains(@action, '/circulation')]")
    assert side.xpath(".//section[@id='screen-controls']")
    # The queue comes first in the page.
    layout = tree.xpath("//div[@class='desk-layout']")[0]
    assert [child.get("class") for child in layout] == ["desk-queue", "desk-side"]
