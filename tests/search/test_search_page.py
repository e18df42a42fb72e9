"""The search box on document pages and the results page (server-rendered, no JavaScript)."""
from __future__ import annotations

import re

import pytest

from drafting.extensions import db
from tests.factories import login, make_document


@pytest.fixture
def client(app):
    return app.test_client()


def page(client, username, url):
    login(client, username)
    return client.get(url)


def test_every_document_page_has_the_search_box(app, search_scene, client):
    doc = search_scene.world.document.id
    login(client, "secretariat")
    action = f'action="/documents/{doc}/search"'
    for url in (f"/documents/{doc}", f"/documents/{doc}?rev=1", f"/clauses/{search_scene.op1.id}",
                f"/documents/{doc}/revisions", f"/documents/{doc}/compare",
                f"/documents/{doc}/negotiating-text", f"/documents/{doc}/consensus",
                f"/documents/{doc}/desk", f"/documents/{doc}/workflow",
                f"/documents/{doc}/exports"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert action in html and 'method="get"' in html and 'role="search"' in html, url


def test_results_mark_the_matches_and_link_to_each_hit(app, search_scene, client):
    doc = search_scene.world.document.id
    response = page(client, "nz", f"/documents/{doc}/search?q=%22marine+debris%22")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<mark>marine debris</mark>") == 3
    assert f'href="/clauses/{search_scene.op2.id}"' in html
    assert f'href="/proposals/{search_scene.public.id}"' in html
    assert f'href="/clauses/{search_scene.op2.id}#comment-{search_scene.clause_note.id}"' in html
    assert "3 results for" in html
    assert 'value="&#34;marine debris&#34;"' in html or 'value="&quot;marine debris&quot;"' in html


def test_a_revision_hit_says_which_revision(app, search_scene, client):
    doc = search_scene.world.document.id
    html = page(client, "observer", f"/documents/{doc}/search?q=clean").get_data(as_text=True)
    assert f'href="/documents/{doc}?rev=1#clause-{search_scene.op1.id}"' in html
    assert "in Rev.1" in html and "since changed" in html


def test_text_is_escaped_in_snippets(app, world, client):
    document, _ = make_document(world.economies["THA"], texts=[
        ("operative", 'We reject <img src=x onerror="alert(1)"> entirely.')])
    db.session.commit()
    html = page(client, "nz", f"/documents/{document.id}/search?q=reject").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=" in html


def test_a_hidden_word_finds_nothing_on_the_page(app, search_scene, client):
    doc = search_scene.world.document.id
    html = page(client, "observer",
                f"/documents/{doc}/search?q=zqausdraftword").get_data(as_text=True)
    assert "Nothing found" in html and "search-hits" not in html
    assert "zqausdraftword energy" not in html


def test_without_a_query_the_page_shows_the_form(app, search_scene, client):
    doc = search_scene.world.document.id
    response = page(client, "nz", f"/documents/{doc}/search")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="q"' in html and "results-heading" not in html


@pytest.mark.parametrize("q, says", [("", "must not be empty"), ("x" * 201, "too long"),
                                     ("?!", "no word")])
def test_a_bad_query_is_explained_beside_the_box_and_kept(app, search_scene, client, q, says):
    doc = search_scene.world.document.id
    response = page(client, "nz", f"/documents/{doc}/search?q={q}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert says in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="doc-search-error"' in html and 'id="doc-search-error"' in html
    assert re.search(r"The search (must|is|has)", html)
    assert "invalid_input" not in html  # no developer codes on pages
    if q:
        assert f'value="{q}"' in html


def test_the_page_needs_a_login(app, search_scene, client):
    response = client.get(f"/documents/{search_scene.world.document.id}/search?q=energy")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
