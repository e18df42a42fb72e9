"""What the reading pages show: document (clean and tracked changes), clause, proposal, desk."""
from __future__ import annotations

import re

import pytest

from tests.factories import login
from tests.web.test_web_support import comment, decide, isolated_requests, page, propose, text_of

_ = isolated_requests

OP1 = "We will reduce emissions by 2030 and promote clean energy."
AUS_OP1 = "We shall reduce emissions by 2030 and promote clean energy."
NZ_OP1 = "We will reduce emissions by 2030 and promote renewable energy."
JPN_OP1 = "We must reduce emissions by 2030 and promote clean energy."


def _clause_articles(response):
    return page(response).xpath("//article[contains(concat(' ', @class, ' '), ' clause ')]")


def test_document_page_lists_every_clause_with_numbers_and_sections(client, world):
    login(client, "aus")
    response = client.get(f"/documents/{world.document.id}")
    assert response.status_code == 200
    tree = page(response)
    articles = _clause_articles(response)
    assert [a.get("id") for a in articles] == [f"clause-{c.id}" for c in world.clauses]
    numbers = [a.xpath(".//div[@class='clause-number']/a/text()")[0] for a in articles]
    assert numbers == ["PP1", "PP2", "OP1", "OP2"]
    texts = [" ".join(a.xpath(".//p[@class='clause-text']")[0].text_content().split())
             for a in articles]
    assert texts == [t for _, t in __import__("tests.factories").factories.CLAUSE_TEXTS]
    headings = [h.text_content() for h in tree.xpath("//section[@class='doc-section']/h2")]
    assert headings == ["Preamble", "Goal 1: Climate"]
    # Each clause sits under its own section heading.
    preamble = tree.xpath("//section[@class='doc-section'][1]//article/@id")
    assert preamble == [f"clause-{world.clauses[0].id}", f"clause-{world.clauses[1].id}"]
    assert tree.xpath("//p[@class='classification']/text()") == ["Restricted"]


def test_document_page_shows_status_and_open_proposal_and_comment_counts(client, world):
    propose(world, "aus", 2, AUS_OP1)
    propose(world, "nz", 2, NZ_OP1)
    propose(world, "jpn", 2, action="insert", text="We will phase down unabated coal power.")
    propose(world, "jpn", 1, action="delete")
    comment(world, "aus", clause_index=2, body="First")
    comment(world, "nz", clause_index=2, body="Second")
    comment(world, "nz", clause_index=0, body="Only one")
    login(client, "observer")
    articles = _clause_articles(client.get(f"/documents/{world.document.id}"))
    meta = [" ".join(a.xpath(".//div[@class='clause-meta']")[0].text_content().split())
            for a in articles]
    assert meta[0].startswith("○ Open")
    # Counts only when there is something to count: no "0 open proposals · 0 comments".
    assert "open proposal" not in meta[0] and "1 comment" in meta[0] and "1 comments" not in meta[0]
    assert "1 open proposal" in meta[1] and not re.search(r"\d+ comments?", meta[1])
    assert "3 open proposals" in meta[2] and "2 comments" in meta[2]  # 2 amends + 1 insert after
    assert "open proposal" not in meta[3] and not re.search(r"\d+ comments?", meta[3])
    assert not any(" v1" in m for m in meta)  # the first version goes without saying


def test_clean_view_shows_no_tracked_changes(client, world):
    propose(world, "aus", 2, AUS_OP1)
    propose(world, "jpn", 3, action="insert", text="We will phase down unabated coal power.")
    login(client, "aus")
    for url in (f"/documents/{world.document.id}", f"/documents/{world.document.id}?view=clean",
                f"/documents/{world.document.id}?view=bogus"):
        body = client.get(url).data
        assert b"<ins" not in body and b"<del" not in body, url
        assert b"phase down unabated coal" not in body
        assert OP1.encode() in body


def test_changes_view_shows_attributed_ins_and_del(client, world):
    propose(world, "aus", 2, AUS_OP1)
    propose(world, "nz", 2, NZ_OP1)
    propose(world, "jpn", 1, action="delete")
    login(client, "observer")
    response = client.get(f"/documents/{world.document.id}?view=changes")
    assert response.status_code == 200
    tree = page(response)
    # Two competing amendments on OP1: the current text, then each as an alternative.
    article = tree.xpath(f"//article[@id='clause-{world.clauses[2].id}']")[0]
    assert article.xpath(".//p[@class='clause-text']//ins | .//p[@class='clause-text']//del") == []
    aus_alt, nz_alt = article.xpath(".//ol[@class='alternatives']/li")
    changes = [{(c.tag, c.text_content(), c.get("class")) for c in item.xpath(".//ins|.//del")}
               for item in (aus_alt, nz_alt)]
    assert {("del", "will", "chg econ-aus"), ("ins", "shall", "chg econ-aus")} <= changes[0]
    assert {("del", "clean", "chg econ-nz"), ("ins", "renewable", "chg econ-nz")} <= changes[1]
    assert [[s.text_content() for s in item.xpath(".//sup[contains(@class, 'attr')]")][0]
            for item in (aus_alt, nz_alt)] == ["AUS", "NZ"]
    for sup in article.xpath(".//sup[contains(@class, 'attr')]"):
        assert f"econ-{sup.text_content().split(',')[0].strip().lower()}" in sup.get("class")
    titles = {d.get("title") for d in article.xpath(".//ins|.//del")}
    assert "Inserted by Australia" in titles and "Deleted by New Zealand" in titles
    # JPN's deletion of PP2: the whole text struck through, labelled JPN.
    pp2 = tree.xpath(f"//article[@id='clause-{world.clauses[1].id}']//p[@class='clause-text']")[0]
    assert [d.get("class") for d in pp2.xpath(".//del")] == ["chg econ-jpn"]
    assert " ".join(pp2.xpath(".//del")[0].text_content().split()) == \
        "Recalling the Putrajaya Vision 2040;"
    # Clauses without proposals stay plain.
    pp1 = tree.xpath(f"//article[@id='clause-{world.clauses[0].id}']//p[@class='clause-text']")[0]
    assert not pp1.xpath(".//ins|.//del")


def test_changes_view_shows_insertions_and_conflicts(client, world):
    p_aus = propose(world, "aus", 2, AUS_OP1)
    p_jpn = propose(world, "jpn", 2, JPN_OP1)
    propose(world, "nz", 3, action="insert", text="We will phase down unabated coal power.")
    decide(world, p_aus)
    login(client, "aus")
    response = client.get(f"/documents/{world.document.id}?view=changes")
    tree = page(response)
    inserted = tree.xpath("//div[@class='insert-preview']//ins")
    assert [i.text_content() for i in inserted] == ["We will phase down unabated coal power."]
    assert "econ-nz" in inserted[0].get("class")
    conflict = " ".join(tree.xpath("//p[@class='conflict-note']")[0].text_content().split())
    assert "JPN's proposal on OP1 is in conflict" in conflict  # no internal id shown
    assert tree.xpath("//p[@class='conflict-note']/a/@href") == [f"/proposals/{p_jpn.id}"]
    # The conflicting proposal is not overlaid on the new text.
    op1 = tree.xpath(f"//article[@id='clause-{world.clauses[2].id}']//p[@class='clause-text']")[0]
    assert not op1.xpath(".//ins|.//del")
    assert " ".join(op1.text_content().split()) == AUS_OP1


def test_numbering_follows_accepted_insertions_and_deletions(client, world):
    insert = propose(world, "nz", 2, action="insert", text="We will phase down coal power.")
    delete = propose(world, "jpn", 0, action="delete")
    decide(world, insert)
    decide(world, delete)
    login(client, "aus")
    articles = _clause_articles(client.get(f"/documents/{world.document.id}"))
    numbers = [a.xpath(".//div[@class='clause-number']/a/text()")[0] for a in articles]
    assert numbers == ["PP1", "OP1", "OP2", "OP3"]
    texts = [" ".join(a.xpath(".//p[@class='clause-text']")[0].text_content().split())
             for a in articles]
    assert texts[0] == "Recalling the Putrajaya Vision 2040;"
    assert texts[2] == "We will phase down coal power."


def test_clause_page_shows_text_history_proposals_and_threads(client, world):
    accepted = propose(world, "aus", 2, AUS_OP1, rationale="Firmer commitment.")
    rival = propose(world, "nz", 2, NZ_OP1)
    decide(world, accepted, note="Agreed in the room.")
    root = comment(world, "nz", clause_index=2, body="NZ prefers **renewable**.")
    comment(world, "aus", clause_index=2, parent=root, body="AUS can live with that.")
    clause_id = world.clauses[2].id
    login(client, "jpn")
    response = client.get(f"/clauses/{clause_id}")
    assert response.status_code == 200
    tree = page(response)
    assert tree.xpath("//h1")[0].text_content().split()[0] == "OP1"
    assert " ".join(tree.xpath("//blockquote[@class='current-text']")[0]
                    .text_content().split()) == AUS_OP1
    # Version history: newest first, with who, when and which proposal.
    items = tree.xpath("//ol[@class='history']/li")
    assert len(items) == 2
    newest = " ".join(items[0].text_content().split())
    assert newest.startswith("Version 2")
    assert "secretariat (THA)" in newest
    assert f"from proposal #{accepted.number} (AUS)" in newest
    assert "Agreed in the room." in newest
    assert items[0].xpath(".//time/@datetime")
    assert items[0].xpath(f".//a[@href='/proposals/{accepted.id}']")
    oldest = " ".join(items[1].text_content().split())
    assert oldest.startswith("Version 1") and OP1 in oldest
    # Proposals with their tracked changes.
    cards = {c.get("id"): c for c in tree.xpath("//article[@class='proposal-card']")}
    assert set(cards) == {f"proposal-{accepted.id}", f"proposal-{rival.id}"}
    aus_card = cards[f"proposal-{accepted.id}"]
    assert [d.text_content() for d in aus_card.xpath(".//p[@class='redline']//del")] == ["will"]
    assert [i.text_content() for i in aus_card.xpath(".//p[@class='redline']//ins")] == ["shall"]
    assert "Accepted" in aus_card.text_content() and "Firmer commitment." in aus_card.text_content()
    nz_card = " ".join(cards[f"proposal-{rival.id}"].text_content().split())
    assert "Open" in nz_card and "against v2" in nz_card  # rebased onto the new version
    # Comment threads, with the reply nested under its root and Markdown rendered.
    thread = tree.xpath(f"//article[@id='comment-{root.id}']")[0]
    assert thread.xpath(".//div[@class='comment-body']//strong/text()") == ["renewable"]
    replies = thread.xpath(".//div[@class='replies']/article")
    assert len(replies) == 1 and "AUS can live with that." in replies[0].text_content()


def test_clause_page_shows_modified_acceptance(client, world):
    accepted = propose(world, "aus", 2, AUS_OP1)
    modified = "We shall reduce emissions by 2030 and promote clean and renewable energy."
    decide(world, accepted, text=modified)
    login(client, "aus")
    response = client.get(f"/clauses/{world.clauses[2].id}")
    text = text_of(response)
    assert "Accepted with modifications" in text
    assert modified in text
    assert "accepted with modifications by the Secretariat" in text  # the version history
    applied = page(response).xpath(f"//article[@id='proposal-{accepted.id}']"
                                   "//p[@class='applied-wording']")[0]
    assert [i.get("data-economy") for i in applied.xpath(".//ins")] == ["AUS", "Secretariat"]


def test_proposal_page_shows_the_applied_wording_as_an_attributed_redline(client, world):
    accepted = propose(world, "aus", 2, AUS_OP1)
    modified = "We shall reduce emissions by 2030 and promote clean and renewable energy."
    decide(world, accepted, text=modified)
    login(client, "nz")
    tree = page(client.get(f"/proposals/{accepted.id}"))
    section = tree.xpath("//section[contains(@class, 'applied-redline')]")[0]
    redline = section.xpath(".//p[@class='redline']")[0]
    # From the clause as it was decided on to what was applied: "shall" is Australia's,
    # "and renewable" the Secretariat's; nothing else changed.
    assert [(i.text_content().strip(), i.get("data-economy")) for i in redline.xpath(".//ins")] \
        == [("shall", "AUS"), ("and renewable", "Secretariat")]
    assert [(d.text_content().strip(), d.get("data-economy")) for d in redline.xpath(".//del")] \
        == [("will", "AUS")]
    assert "".join(n for n in redline.xpath(".//text()[not(ancestor::del) and "
                                            "not(ancestor::sup)]")) == modified
    # A plain acceptance has no such section.
    plain = propose(world, "nz", 3, "We encourage economies to cooperate on marine debris.")
    decide(world, plain)
    assert not page(client.get(f"/proposals/{plain.id}")).xpath(
        "//section[contains(@class, 'applied-redline')]")


def test_deleted_clause_page_says_so(client, world):
    delete = propose(world, "jpn", 1, action="delete")
    decide(world, delete)
    login(client, "aus")
    response = client.get(f"/clauses/{world.clauses[1].id}")
    assert response.status_code == 200
    text = text_of(response)
    assert "Deleted clause" in text and "This clause was deleted" in text
    assert "Version 2 — deleted" in text
    assert "Propose amendment" not in text


def test_proposal_page_shows_rebase_history(client, world):
    first = propose(world, "aus", 2, AUS_OP1)
    rebased = propose(world, "nz", 2, NZ_OP1)
    decide(world, first)
    login(client, "nz")
    response = client.get(f"/proposals/{rebased.id}")
    assert response.status_code == 200
    text = text_of(response)
    assert "rebased automatically from version 1 to 2" in text
    assert f"after proposal #{first.number} was accepted" in text
    assert "written against version 2" in text
    assert "In conflict" not in text
    tree = page(response)
    redline = tree.xpath("//section[@class='redline-box']//p[@class='redline']")[0]
    assert [d.text_content() for d in redline.xpath(".//del")] == ["clean"]
    assert [i.text_content() for i in redline.xpath(".//ins")] == ["renewable"]
    assert "shall" in redline.text_content()  # carried over from the accepted change


def test_proposal_page_shows_conflict_notice_and_revise_link(client, world):
    first = propose(world, "aus", 2, AUS_OP1)
    conflicted = propose(world, "jpn", 2, JPN_OP1)
    decide(world, first)
    login(client, "jpn")
    response = client.get(f"/proposals/{conflicted.id}")
    tree = page(response)
    notice = tree.xpath("//div[@class='conflict-note']")
    assert notice and "In conflict." in notice[0].text_content()
    assert notice[0].xpath(f".//a[@href='/proposals/{conflicted.id}/revise']")
    text = text_of(response)
    assert f"in conflict: proposal #{first.number} (AUS) was accepted as version 2" in text
    assert "written against version 1" in text
    # Another economy is told the owner must update it.
    client.post("/logout")
    login(client, "nz")
    other = text_of(client.get(f"/proposals/{conflicted.id}"))
    assert "The proposing economy must update it" in other


def test_proposal_page_shows_outcome_and_cosponsors(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1, rationale="Stronger.")
    login(client, "nz")
    client.post(f"/proposals/{proposal.id}/cosponsor")
    client.post("/logout")
    login(client, "secretariat")
    client.post(f"/proposals/{proposal.id}/decide",
                data={"decision": "reject", "expected_version": "1", "note": "No consensus."})
    text = text_of(client.get(f"/proposals/{proposal.id}"))
    assert "Co-sponsors: NZ" in text
    assert "Rejected on" in text and "Reason: No consensus." in text
    assert "secretariat (THA)" in text


def test_accepted_insertion_page_names_the_anchor_clause(client, world):
    insert = propose(world, "nz", 2, action="insert", text="We will phase down coal power.")
    login(client, "aus")
    assert "Insert new clause after OP1" in text_of(client.get(f"/proposals/{insert.id}"))
    decide(world, insert)
    # The new clause is OP2 now; the proposal was (and still reads) "after OP1".
    assert "Insert new clause after OP1" in text_of(client.get(f"/proposals/{insert.id}"))


def test_desk_groups_competing_proposals_side_by_side(client, world):
    aus = propose(world, "aus", 2, AUS_OP1)
    nz = propose(world, "nz", 2, NZ_OP1)
    jpn_insert = propose(world, "jpn", 2, action="insert", text="We will phase down coal power.")
    jpn_delete = propose(world, "jpn", 0, action="delete")
    login(client, "secretariat")
    response = client.get(f"/documents/{world.document.id}/desk")
    assert response.status_code == 200
    tree = page(response)
    groups = tree.xpath("//section[@class='desk-group']")
    assert [g.get("id") for g in groups] == [f"clause-{world.clauses[0].id}",
                                              f"clause-{world.clauses[2].id}"]
    op1 = groups[1]
    assert op1.xpath(".//h2/a/text()") == ["OP1"]
    side = op1.xpath(".//div[@class='side-by-side']")
    assert len(side) == 1
    cards = side[0].xpath("./article[@class='proposal-card']/@id")
    assert cards == [f"proposal-{aus.id}", f"proposal-{nz.id}", f"proposal-{jpn_insert.id}"]
    # Competing amendments stay apart, one card each: never merged into one sentence.
    assert not op1.xpath(".//details[@class='combined']")
    # Every card has its own decision form, on the version shown.
    for card in side[0].xpath("./article"):
        form = card.xpath(".//form[@class='decision-form']")[0]
        expected = form.xpath(".//input[@name='expected_version']/@value")[0]
        assert expected == ("0" if card.get("id") == f"proposal-{jpn_insert.id}" else "1")
        assert form.xpath(".//button[@value='accept']") and form.xpath(".//button[@value='reject']")
    pp1_cards = groups[0].xpath(".//article[@class='proposal-card']/@id")
    assert pp1_cards == [f"proposal-{jpn_delete.id}"]
    # No modified-text box for a deletion.
    assert not groups[0].xpath(".//textarea[@name='text']")
    assert "4 open proposals on 2 clauses" in text_of(response)


def test_desk_disables_accept_for_a_proposal_in_conflict(client, world):
    first = propose(world, "aus", 2, AUS_OP1)
    conflicted = propose(world, "jpn", 2, JPN_OP1)
    decide(world, first)
    login(client, "secretariat")
    tree = page(client.get(f"/documents/{world.document.id}/desk"))
    card = tree.xpath(f"//article[@id='proposal-{conflicted.id}']")[0]
    accept = card.xpath(".//button[@value='accept']")[0]
    assert accept.get("disabled") is not None
    assert card.xpath(".//input[@name='expected_version']/@value") == ["2"]


def test_empty_desk_says_so(client, world):
    login(client, "secretariat")
    assert "The desk is clear." in text_of(client.get(f"/documents/{world.document.id}/desk"))


def test_documents_index_lists_the_document(client, world):
    login(client, "observer")
    tree = page(client.get("/documents"))
    links = tree.xpath("//table//a")
    assert [(a.text_content(), a.get("href")) for a in links] == \
        [("Test Statement", f"/documents/{world.document.id}")]
    assert "Negotiation" in tree.text_content() and "Thailand" in tree.text_content()


def test_economy_colours_stylesheet(client, world):
    response = client.get("/economies.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert re.search(rb"\.econ-aus\{--econ:#[0-9a-fA-F]{6}\}", response.data)


@pytest.mark.parametrize("path", ["/static/app.css", "/static/app.js"])
def test_static_files_are_served(client, world, path):
    response = client.get(path)
    assert response.status_code == 200
    response.close()


def test_comment_count_matches_the_threads_it_links_to(client, world):
    proposal = propose(world, "aus", 2, AUS_OP1)
    comment(world, "nz", proposal=proposal, body="On the proposal, not the clause.")
    login(client, "aus")
    articles = _clause_articles(client.get(f"/documents/{world.document.id}"))
    meta = " ".join(articles[2].xpath(".//div[@class='clause-meta']")[0].text_content().split())
    clause_page = page(client.get(f"/clauses/{world.clauses[2].id}"))
    shown = len(clause_page.xpath("//section[@id='comments']//article[contains(@class,'comment')]"))
    assert shown == 0 and not re.search(r"\d+ comments?", meta)  # a count only when non-zero


def test_pages_carry_the_favicon_and_an_observer_is_told_the_role_is_read_only(client, world):
    login(client, "observer")
    tree = page(client.get(f"/documents/{world.document.id}"))
    [icon] = tree.xpath("//link[@rel='icon']/@href")
    served = client.get(icon)
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    badge = tree.xpath("//span[@class='role-badge']")[0]
    assert " ".join(badge.text_content().split()) == "observer · read-only"
    assert "cannot propose, comment or decide" in badge.get("title")
    client.post("/logout")
    login(client, "nz")
    badge = page(client.get("/documents")).xpath("//span[@class='role-badge']")[0]
    assert "read-only" not in badge.text_content() and badge.get("title") is None
