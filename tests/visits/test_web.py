"""The document page's digest, its "Mark as read" form, and the page's cache keys."""
import re

from sqlalchemy import func, select

from drafting.extensions import db
from drafting.models import DocumentVisit
from drafting.services import decisions, proposals
from tests.factories import login

OP1 = "We will reduce emissions by 2030 and promote clean energy."


def page(client, world, **headers):
    return client.get(f"/documents/{world.document.id}", headers=headers)


def digest_of(response) -> str:
    html = response.get_data(as_text=True)
    found = re.search(r'<section class="visit-digest.*?</section>', html, flags=re.S)
    assert found, "no digest on the page"
    return found.group(0)


def visits_count() -> int:
    return db.session.execute(select(func.count()).select_from(DocumentVisit)).scalar()


def test_a_first_visit_says_so_and_reading_writes_nothing(client, world):
    login(client, "aus")
    for _ in range(2):
        digest = digest_of(page(client, world))
        assert "Your first visit to this document." in digest
        assert "paragraph" not in digest and "<strong>Since " not in digest  # not "all changed"
    assert visits_count() == 0


def test_the_digest_counts_what_changed_and_lists_the_paragraphs(client, world, visited):
    visited("aus")
    mine = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                     clause=world.clauses[2], text=OP1.replace("2030", "2035"),
                                     rationale="Sooner.")
    for who, clause in (("nz", 3), ("jpn", 0)):
        proposals.submit_proposal(world.user(who), world.document, "amend",
                                  clause=world.clauses[clause], text=f"{who} wording.",
                                  rationale="Ours.")
    decisions.decide_proposal(world.user("secretariat"), mine, "accept", expected_version=1)
    db.session.commit()
    login(client, "aus")
    digest = digest_of(page(client, world))
    assert re.search(r"<strong>Since \w+day \d+ \w+, \d\d:\d\d UTC:</strong> 1 paragraph "
                     r"changed, 2 new proposals, 1 decision on your proposals\.", digest)
    assert (f'<li data-clause-id="{world.clauses[2].id}" data-change="amended">'
            f'<a href="#clause-{world.clauses[2].id}">OP1</a> text changed (now v2)</li>') in digest
    # The page's script badges the listed paragraphs: each is on the page under that id.
    html = page(client, world).get_data(as_text=True)
    assert f'id="clause-{world.clauses[2].id}" data-live-item="clause-{world.clauses[2].id}" ' \
           'data-live-version="2"' in html


def test_mark_as_read_moves_the_point_to_when_the_page_was_rendered(client, world, visited):
    visited("nz")
    login(client, "nz")
    first = page(client, world)
    rendered = re.search(r'name="seen_until" value="([^"]+)"', digest_of(first)).group(1)
    proposals.submit_proposal(world.user("aus"), world.document, "amend",
                              clause=world.clauses[2], text=OP1.replace("2030", "2035"),
                              rationale="Sooner.")
    db.session.commit()
    response = client.post(f"/documents/{world.document.id}/visit",
                           data={"seen_until": rendered})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/documents/{world.document.id}")
    page_after = page(client, world)
    assert "Marked as read" in page_after.get_data(as_text=True)
    # Not to the moment of the POST: what came after the rendering stays news.
    point = db.session.execute(select(DocumentVisit.seen_at)).scalar()
    assert point.isoformat() == rendered  # to the microsecond: same-second changes stay news


def test_the_script_post_answers_204_and_a_get_never_marks(client, world):
    login(client, "observer")
    page(client, world)
    assert visits_count() == 0
    response = client.post(f"/documents/{world.document.id}/visit",
                           headers={"X-Visit-Beacon": "1"})
    assert response.status_code == 204 and response.data == b""
    assert visits_count() == 1
    assert "Nothing new since" in digest_of(page(client, world))


def test_the_page_etag_moves_with_the_point(client, world):
    login(client, "jpn")
    first = page(client, world)
    etag = first.headers["ETag"]
    assert page(client, world, **{"If-None-Match": etag}).status_code == 304
    client.post(f"/documents/{world.document.id}/visit", headers={"X-Visit-Beacon": "1"})
    again = page(client, world, **{"If-None-Match": etag})
    assert again.status_code == 200 and "Nothing new since" in digest_of(again)


def test_a_revision_view_has_no_digest(client, world):
    from drafting.services import revisions
    revisions.issue_revision(world.user("secretariat"), world.document, note="First.")
    db.session.commit()
    login(client, "aus")
    html = client.get(f"/documents/{world.document.id}?rev=1").get_data(as_text=True)
    assert "visit-digest" not in html


def test_another_economys_unseen_work_is_not_counted_on_the_page(client, world, visited):
    world.document.circulate_immediately = False
    db.session.commit()
    visited("aus", "secretariat")
    proposals.submit_proposal(world.user("nz"), world.document, "amend",
                              clause=world.clauses[2], text=OP1.replace("2030", "2040"),
                              rationale="Ours.")
    db.session.commit()
    login(client, "aus")
    assert "Nothing new since" in digest_of(page(client, world))
    secretariat = client.application.test_client()
    login(secretariat, "secretariat")
    assert "1 new proposal." in digest_of(page(secretariat, world))
