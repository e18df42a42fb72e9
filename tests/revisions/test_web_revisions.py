"""Pages: document ?rev=N, revisions list and issuing, negotiating text, compare, direct edit."""
import re
from html import unescape

from drafting.domain.states import ClauseStatus
from drafting.extensions import db
from drafting.services import revisions

from tests.factories import login
from tests.revisions.helpers import BASE, accept, amend, insert_after

HALVED = BASE.replace("reduce", "halve")


def issue(world, note="Reflects SOM2 discussions"):
    rev = revisions.issue_revision(world.user("secretariat"), world.document, note)
    db.session.commit()
    return rev


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:800]
    return unescape(response.get_data(as_text=True))


def plain(html):
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_document_page_shows_a_revision_snapshot_with_banner_and_selector(client, world):
    issue(world)
    accept(world, amend(world, "aus", HALVED))
    db.session.commit()
    login(client, "nz")
    url = f"/documents/{world.document.id}"
    old = page(client, url + "?rev=1")
    assert "You are reading Rev.1" in old and "Reflects SOM2 discussions" in old
    assert BASE in old and HALVED not in old
    assert 'name="rev"' in old and "Rev.1 —" in old
    assert "Propose amendment" not in old  # proposals are made on the current text
    current = page(client, url)
    assert HALVED in current and "Current text (" in current and "changes since Rev.1" in current
    assert f"/documents/{world.document.id}/compare?from=1&amp;to=current" in \
        client.get(url).get_data(as_text=True)


def test_unknown_revision_is_404(client, world):
    issue(world)
    login(client, "observer")
    page(client, f"/documents/{world.document.id}?rev=2", 404)
    page(client, f"/documents/{world.document.id}?rev=99999999999", 404)
    page(client, f"/documents/{world.document.id}?rev=first", 422)


def test_secretariat_issues_a_revision_from_the_revisions_page(client, world):
    login(client, "secretariat")
    url = f"/documents/{world.document.id}/revisions"
    assert "Issue Rev.1" in page(client, url)
    response = client.post(url, data={"note": "After SOM3", "renumber": "1", "confirmed": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("?rev=1")
    listing = page(client, url)
    assert "Rev.1" in listing and "After SOM3" in listing and "Issue Rev.2" in listing
    response = client.post(url, data={"note": "x" * 2500})
    assert response.status_code == 422 and "too long" in response.get_data(as_text=True)
    assert len(revisions.revisions_of(world.document)) == 1


def test_delegates_see_revisions_but_cannot_issue(client, world):
    login(client, "aus")
    url = f"/documents/{world.document.id}/revisions"
    assert "Issue Rev." not in page(client, url)
    assert client.post(url, data={"note": "mine"}).status_code == 403
    assert revisions.revisions_of(world.document) == []


def test_negotiating_text_page_shows_brackets_options_and_progression(client, world):
    world.clauses[0].status = ClauseStatus.BRACKETED
    db.session.commit()
    issue(world)
    amend(world, "aus", HALVED)
    insert_after(world, "jpn", "We will cooperate on hydrogen.")
    db.session.commit()
    login(client, "observer")
    html = page(client, f"/documents/{world.document.id}/negotiating-text")
    text = plain(client.get(f"/documents/{world.document.id}/negotiating-text")
                 .get_data(as_text=True))
    assert "[Recognising that climate change poses serious risks to the region;]" in text
    assert "[We will [reduce] [AUS: halve] emissions by 2030" in text
    assert "[JPN: We will cooperate on hydrogen.]" in text
    assert "1 bracket in Rev.1 → 5 in the current text" in html
    old = plain(page(client, f"/documents/{world.document.id}/negotiating-text?rev=1"))
    assert "You are reading the negotiating text of Rev.1" in old and "AUS: " not in old
    page(client, f"/documents/{world.document.id}/negotiating-text?rev=5", 404)


def test_compare_page_attributes_changes_and_summarises(client, world):
    login(client, "jpn")
    empty = page(client, f"/documents/{world.document.id}/compare")
    assert "No revision has been issued yet" in empty
    issue(world)
    accept(world, amend(world, "aus", HALVED))
    db.session.commit()
    html = page(client, f"/documents/{world.document.id}/compare")
    assert "Comparing Rev.1 with Current text" in html
    assert 'title="Deleted by Australia"' in html and 'title="Inserted by Australia"' in html
    assert "Clauses changed</th><td>1" in html and "Proposals accepted</th><td>1" in html
    assert "inserted" in html and "deleted" in html  # legend
    only = page(client, f"/documents/{world.document.id}/compare?only=changes")
    assert "Recalling the Putrajaya Vision 2040;" not in only
    response = client.get(f"/documents/{world.document.id}/compare?from=abc")
    assert response.status_code == 422
    page(client, f"/documents/{world.document.id}/compare?from=7", 404)


def test_clause_page_offers_the_edit_form_to_the_secretariat_only(client, world):
    clause = world.clauses[2]
    login(client, "aus")
    assert "Edit text (secretariat)" not in page(client, f"/clauses/{clause.id}")
    assert client.post(f"/clauses/{clause.id}/text",
                       data={"text": "x", "expected_version": "1"}).status_code == 403
    client.post("/logout")
    login(client, "secretariat")
    assert "Edit text (secretariat)" in page(client, f"/clauses/{clause.id}")
    response = client.post(f"/clauses/{clause.id}/text",
                           data={"text": HALVED, "expected_version": "1", "note": "Editorial"})
    assert response.status_code == 302
    db.session.expire_all()
    assert clause.version == 2 and clause.text == HALVED
    assert "Secretariat edit" in page(client, f"/clauses/{clause.id}")


def test_stale_edit_keeps_the_typed_text_and_shows_the_current_one(client, world):
    clause = world.clauses[2]
    accept(world, amend(world, "nz", HALVED))
    db.session.commit()
    login(client, "secretariat")
    mine = BASE.replace("clean energy", "renewable energy")
    response = client.post(f"/clauses/{clause.id}/text",
                           data={"text": mine, "expected_version": "1"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert mine in html and HALVED in html and "current version is 2" in html
    assert 'name="expected_version" value="2"' in html
    db.session.expire_all()
    assert clause.version == 2
    editor = page(client, f"/clauses/{clause.id}/edit")
    assert 'name="expected_version" value="2"' in editor


def test_pages_render_on_the_full_demo(client, demo):
    from sqlalchemy import select

    from drafting.models import Clause, Document, User
    document = db.session.execute(select(Document)).scalars().first()
    secretariat = db.session.execute(select(User).where(User.username == "secretariat")
                                     ).scalar_one()
    revisions.issue_revision(secretariat, document, "Rev.1 for SOM3")
    db.session.commit()
    login(client, "secretariat")
    base = f"/documents/{document.id}"
    for url in (base, base + "?rev=1", base + "/negotiating-text", base + "/negotiating-text?rev=1",
                base + "/compare", base + "/compare?only=changes", base + "/revisions"):
        assert client.get(url).status_code == 200, url
    clause = db.session.execute(select(Clause).where(Clause.document_id == document.id)
                                ).scalars().first()
    assert client.get(f"/clauses/{clause.id}/edit").status_code == 200
