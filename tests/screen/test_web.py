"""The projection page and the secretariat's screen controls, through the test client."""
import re

import pytest
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import AuditEvent, Economy
from drafting.services import options, positions, proposals, screen
from tests.factories import PASSWORD, login, make_document

BASE = "We will reduce emissions by 2030 and promote clean energy."


def as_user(app, username):
    client = app.test_client()
    login(client, username)
    return client


def screen_events():
    return list(db.session.execute(
        select(AuditEvent.kind, AuditEvent.clause_id).where(AuditEvent.kind.like("screen.%"))
        .order_by(AuditEvent.id)).all())


def on_screen(world):
    db.session.expire_all()
    return screen.on_screen_clause_id(world.document)


def test_secretariat_shows_a_clause_and_every_reader_sees_it(app, world):
    sec = as_user(app, "secretariat")
    url = f"/documents/{world.document.id}/screen"
    response = sec.post(url, data={"clause_id": world.clauses[2].id,
                                   "next": f"/documents/{world.document.id}/desk"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/documents/{world.document.id}/desk"
    assert on_screen(world) == world.clauses[2].id
    assert screen_events() == [("screen.shown", world.clauses[2].id)]
    for username in ("aus", "nz", "observer", "admin", "secretariat"):
        page = as_user(app, username).get(url)
        assert page.status_code == 200, username
        assert page.headers["Cache-Control"] == "no-store"
        html = page.get_data(as_text=True)
        assert '<h1 class="screen-number">OP1' in html and BASE in html, username


def test_the_flash_says_what_happened(app, world):
    sec = as_user(app, "secretariat")
    url = f"/documents/{world.document.id}/screen"
    sec.post(url, data={"clause_id": world.clauses[0].id})
    page = sec.get(f"/documents/{world.document.id}/desk").get_data(as_text=True)
    assert "PP1 is on the screen." in page
    sec.post(url, data={"clause_id": world.clauses[0].id})
    page = sec.get(f"/documents/{world.document.id}/desk").get_data(as_text=True)
    assert "Nothing changed on the screen: it already shows that paragraph." in page
    sec.post(url, data={"action": "clear"})
    page = sec.get(f"/documents/{world.document.id}/desk").get_data(as_text=True)
    assert "The screen is cleared." in page


@pytest.mark.parametrize("username, status", [("aus", 403), ("observer", 403), ("admin", 403)])
def test_only_the_secretariat_may_move_the_screen(app, world, username, status):
    client = as_user(app, username)
    for data in ({"clause_id": world.clauses[0].id}, {"action": "next"}, {"action": "clear"}):
        response = client.post(f"/documents/{world.document.id}/screen", data=data)
        assert response.status_code == status
    assert on_screen(world) is None and screen_events() == []


def test_anonymous_readers_are_sent_to_log_in(app, world):
    client = app.test_client()
    response = client.get(f"/documents/{world.document.id}/screen")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/documents/{world.document.id}/screen",
                           data={"clause_id": world.clauses[0].id})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert screen_events() == []


def test_an_unknown_document_is_not_found(app, world):
    for username in ("aus", "secretariat"):
        client = as_user(app, username)
        assert client.get("/documents/999/screen").status_code == 404
        assert client.post("/documents/999/screen",
                           data={"clause_id": world.clauses[0].id}).status_code == 404


@pytest.mark.parametrize("data, status, message", [
    ({"clause_id": "abc"}, 422, "clause_id must be a whole number"),
    ({"clause_id": "424242"}, 422, "No clause with id 424242."),
    ({}, 422, "Say what to show"),
    ({"action": "sideways"}, 422, "Say what to show"),
    ({"action": "next", "clause_id": "1"}, 422, "clause_id goes only with action"),
])
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(app, world, data,
                                                                        status, message):
    sec = as_user(app, "secretariat")
    sec.post(f"/documents/{world.document.id}/screen", data={"clause_id": world.clauses[1].id})
    response = sec.post(f"/documents/{world.document.id}/screen", data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert on_screen(world) == world.clauses[1].id
    assert len(screen_events()) == 1


def test_a_clause_of_another_document_is_refused(app, world):
    other, other_clauses = make_document(world.economies["THA"])
    db.session.commit()
    sec = as_user(app, "secretariat")
    response = sec.post(f"/documents/{world.document.id}/screen",
                        data={"clause_id": other_clauses[0].id})
    assert response.status_code == 422
    assert "belongs to another document" in response.get_data(as_text=True)
    assert on_screen(world) is None and screen_events() == []


def test_next_past_the_last_paragraph_is_a_conflict(app, world):
    sec = as_user(app, "secretariat")
    url = f"/documents/{world.document.id}/screen"
    sec.post(url, data={"clause_id": world.clauses[-1].id})
    response = sec.post(url, data={"action": "next"})
    assert response.status_code == 409
    assert "OP2 is the last paragraph: there is no next one." in response.get_data(as_text=True)
    assert sec.post(url, data={"action": "previous"}).status_code == 302
    assert on_screen(world) == world.clauses[-2].id


def test_the_json_error_for_a_json_client(app, world):
    sec = as_user(app, "secretariat")
    response = sec.post(f"/documents/{world.document.id}/screen", data={"clause_id": "x"},
                        headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.json["error"]["details"] == {"field": "clause_id"}


# --- the projection page ----------------------------------------------------------------------

@pytest.fixture
def negotiated(world):
    """OP1 with an AUS amendment inline, an NZ+JPN option, positions of AUS and NZ; on screen."""
    sec, doc, clause = world.user("secretariat"), world.document, world.clauses[2]
    proposals.submit_proposal(world.user("aus"), doc, "amend", clause=clause,
                              text=BASE.replace("reduce", "halve"))
    nz = proposals.submit_proposal(world.user("nz"), doc, "amend", clause=clause,
                                   text=BASE.replace("clean energy", "renewable energy"))
    proposals.cosponsor_proposal(world.user("jpn"), nz)
    options.keep_as_option(sec, nz)
    positions.set_position(world.user("aus"), clause, "support")
    positions.set_position(world.user("nz"), clause, "reservation", "Renewables, please.")
    screen.show_on_screen(sec, doc, clause.id)
    db.session.commit()
    return world


def test_the_projection_page_shows_changes_options_and_the_consensus_row(app, negotiated):
    world = negotiated
    html = as_user(app, "observer").get(
        f"/documents/{world.document.id}/screen").get_data(as_text=True)
    # The clause in large type with its tracked changes, attributed.
    # dir="auto": an Arabic or Hebrew paragraph reads right to left.
    text = re.search(r'<p class="clause-text redline" dir="auto">(.*?)</p>', html, re.S).group(1)
    assert '<del class="chg econ-aus" title="Deleted by Australia" data-economy="AUS">reduce</del>' in text
    assert '<ins class="chg econ-aus" title="Inserted by Australia" data-economy="AUS">halve</ins>' in text
    # An isolated Latin label, whose card names the economy and the proposal.
    assert '<sup class="attr econ-aus" dir="ltr" tabindex="0" data-card="Australia — proposal #' \
        in text
    assert "Australia: amendment" in html
    # Options side by side, with their economies.
    cards = re.findall(r'<article class="option-card[^"]*">(.*?)</article>', html, re.S)
    assert len(cards) == 2
    assert "Option 1" in cards[0] and "current text" in cards[0] and BASE in cards[0]
    assert "Option 2" in cards[1]
    assert re.findall(r'<span class="econ-chip econ-(\w+)" dir="ltr"', cards[1]) == ["nz", "jpn"]
    assert '<ins class="chg econ-nz"' in cards[1] and "renewable" in cards[1]
    # The consensus row: every economy in order, colour class + symbol + words.
    cells = re.findall(r'<li class="pos stance-(\w+)"[^>]*><span class="pos-code">(\w+)</span>'
                       r'<span class="pos-symbol" aria-hidden="true">(.)</span>'
                       r'<span class="pos-label">([^<]+)</span></li>', html)
    assert cells == [("support", "AUS", "✓", "Support"), ("reservation", "NZ", "◐", "Reservation"),
                     ("none", "JPN", "·", "No position"), ("none", "THA", "·", "No position")]
    assert "✗ No consensus yet" in html
    assert "Renewables, please." in html
    assert "Paragraph 3 of 4" in html and "Goal 1: Climate" in html


def test_the_projection_page_is_a_live_region_and_works_without_script(app, negotiated):
    world = negotiated
    html = as_user(app, "aus").get(f"/documents/{world.document.id}/screen").get_data(as_text=True)
    body = re.search(r"<body [^>]*>", html).group(0)
    assert 'class="screen-page"' in body and 'data-live-root="/"' in body
    assert f'data-live-document="{world.document.id}"' in body
    assert re.search(r'data-live-since="\d+"', body)
    assert html.count('data-live-region="screen"') == 1
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', html)
    # No navigation chrome, and nothing the Content-Security-Policy would block.
    assert 'class="site-header"' not in html and "<form" not in html
    assert " style=" not in html and re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert "/static/screen.css" in html and "/economies.css" in html


def test_dark_and_light_themes(app, negotiated):
    client = as_user(app, "aus")
    url = f"/documents/{negotiated.document.id}/screen"
    assert '<html lang="en" class="theme-light">' in client.get(url).get_data(as_text=True)
    assert '<html lang="en" class="theme-dark">' in client.get(
        url + "?theme=dark").get_data(as_text=True)
    assert '<html lang="en" class="theme-light">' in client.get(
        url + "?theme=%3Cscript%3E").get_data(as_text=True)


def test_an_empty_screen_says_so(app, world):
    html = as_user(app, "nz").get(f"/documents/{world.document.id}/screen").get_data(as_text=True)
    assert "No paragraph on screen." in html and world.document.title in html
    sec = as_user(app, "secretariat")
    sec.post(f"/documents/{world.document.id}/screen", data={"clause_id": world.clauses[0].id})
    sec.post(f"/documents/{world.document.id}/screen", data={"action": "clear"})
    html = as_user(app, "nz").get(f"/documents/{world.document.id}/screen").get_data(as_text=True)
    assert "No paragraph on screen." in html and "Screen cleared since" in html


def test_the_print_stylesheet_is_a4_landscape(app):
    css = app.test_client().get("/static/screen.css").get_data(as_text=True)
    assert "@page { size: A4 landscape;" in css and "@media print" in css


# --- the merge desk ---------------------------------------------------------------------------

def test_the_desk_has_a_show_on_screen_button_per_clause_and_the_controls(app, negotiated):
    world = negotiated
    sec = as_user(app, "secretariat")
    desk = sec.get(f"/documents/{world.document.id}/desk").get_data(as_text=True)
    assert "Plenary screen" in desk and "On screen now: <strong>OP1</strong>" in desk
    assert "▣ On screen" in desk  # OP1's group: it is the clause on screen
    for action in ("previous", "next", "clear"):
        assert f'name="action" value="{action}"' in desk
    assert desk.count("<option value=") >= 4
    # Another clause with an open proposal gets a button.
    proposals.submit_proposal(world.user("jpn"), world.document, "amend",
                              clause=world.clauses[0],
                              text="Recognising that climate change poses grave risks to the region;")
    db.session.commit()
    desk = sec.get(f"/documents/{world.document.id}/desk").get_data(as_text=True)
    assert re.search(rf'name="clause_id" value="{world.clauses[0].id}">\s*<input type="hidden" '
                     r'name="next" value="[^"]+#clause-\d+">\s*<button type="submit" '
                     r'class="small secondary"[^>]*>Show on screen', desk)
    sec.post(f"/documents/{world.document.id}/screen",
             data={"clause_id": world.clauses[0].id})
    assert on_screen(world) == world.clauses[0].id


def test_the_demo_screen_shows_the_21_economies_in_apec_order(app, demo):
    from drafting.models import Document
    document = db.session.execute(select(Document).order_by(Document.id)).scalars().first()
    client = app.test_client()
    login(client, "secretariat", PASSWORD)
    assert client.post(f"/documents/{document.id}/screen", data={"action": "next"}
                       ).status_code == 302
    html = client.get(f"/documents/{document.id}/screen").get_data(as_text=True)
    codes = re.findall(r'<span class="pos-code">(\w+)</span>', html)
    apec = list(db.session.execute(select(Economy.code).order_by(Economy.sort_order)).scalars())
    assert len(codes) == 21 and codes == apec


def test_a_screen_move_keeps_the_document_page_etag_and_its_kept_body(client, world):
    """The chair's screen is shown on the desk and the screen only: moving it does not make
    every delegate's document page, kept body and export stale."""
    from drafting.web.page_cache import fragment_cache

    login(client, "nz")
    url = f"/documents/{world.document.id}"
    etag = client.get(url).headers["ETag"]
    misses = fragment_cache().misses

    screen.show_on_screen(world.user("secretariat"), world.document, world.clauses[2].id)
    db.session.commit()

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url).status_code == 200 and fragment_cache().misses == misses
    # A change the page shows still makes a new ETag.
    proposals.submit_proposal(world.user("aus"), world.document, "amend",
                              clause=world.clauses[2], text=BASE + " Now.", rationale="Why.")
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
