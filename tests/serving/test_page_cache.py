"""The document page's body is rendered once per (document state, view, visibility class) and
shared: never across classes, never stale, never with anyone's personal details in it."""
from __future__ import annotations

import re
from datetime import timedelta, timezone

from drafting.domain.states import SilenceStatus
from drafting.extensions import db
from drafting.models import SilenceProcedure
from drafting.models.types import utcnow
from drafting.services import proposals, settling, silence, stages
from drafting.web.page_cache import fragment_cache
from tests.factories import login

UNCIRCULATED_WORDS = "We will quietly consider a carbon border adjustment."
SUBMITTED_WORDS = "We will triple renewable energy capacity by 2030."


def as_user(app, username):
    client = app.test_client()
    login(client, username)
    return client


def body_of(response) -> str:
    """The page's main part without the viewer's own digest ("since your last visit", rendered
    outside the shared body: templates/documents/_digest.html)."""
    html = response.get_data(as_text=True)
    main = html[html.index('<main id="main"'):html.index("</main>")]
    return re.sub(r'<section class="visit-digest.*?</section>', "", main, flags=re.S)


def test_viewers_of_one_class_share_the_body_and_keep_their_own_header(app, world):
    first, second = as_user(app, "aus"), as_user(app, "aus2")  # both AUS delegates
    cache = fragment_cache()
    cache.clear()
    misses = cache.misses

    page_one = first.get(f"/documents/{world.document.id}")
    page_two = second.get(f"/documents/{world.document.id}")

    assert page_one.status_code == page_two.status_code == 200
    assert cache.misses == misses + 1 and len(cache) == 1  # rendered once, then shared
    assert body_of(page_one) == body_of(page_two)
    assert b'<span class="user">aus</span>' in page_one.data
    assert b'<span class="user">aus2</span>' in page_two.data
    # Each page's CSRF token is its own session's, and none is inside the shared part.
    tokens = [re.search(rb'name="csrf_token" value="([^"]+)"', p.data).group(1)
              for p in (page_one, page_two)]
    assert tokens[0] != tokens[1]
    assert not any(token.decode() in body_of(page_one) for token in tokens)


def test_another_economy_never_gets_a_body_showing_a_proposal_it_may_not_see(app, world):
    world.document.circulate_immediately = False  # submitted proposals wait for circulation
    proposals.submit_proposal(world.user("aus"), world.document, "amend",
                              clause=world.clauses[2], text=UNCIRCULATED_WORDS, rationale="Ours.")
    db.session.commit()
    changes = f"/documents/{world.document.id}?view=changes"

    assert b"carbon border" in as_user(app, "aus").get(changes).data  # its own, inline
    assert b"carbon border" in as_user(app, "secretariat").get(changes).data
    for other in ("nz", "observer", "aus2", "jpn"):  # aus2: same economy, may see it
        page = as_user(app, other).get(changes)
        assert page.status_code == 200
        assert (b"carbon border" in page.data) == (other == "aus2"), other


def test_a_change_is_shown_at_once_to_viewers_whose_body_was_kept(app, world):
    reader = as_user(app, "jpn")
    changes = f"/documents/{world.document.id}?view=changes"
    before = reader.get(changes)
    assert b"triple renewable" not in before.data

    other = as_user(app, "nz")
    response = other.post(f"/documents/{world.document.id}/proposals", data={
        "action": "amend", "clause_id": world.clauses[2].id, "text": SUBMITTED_WORDS,
        "rationale": "Ambition."})
    assert response.status_code == 302

    after = reader.get(changes, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and b"triple renewable" in after.data


def test_each_view_and_revision_is_kept_apart(app, world):
    reader = as_user(app, "jpn")
    proposals.submit_proposal(world.user("nz"), world.document, "amend",
                              clause=world.clauses[2], text=SUBMITTED_WORDS, rationale="Why.")
    db.session.commit()
    clean = reader.get(f"/documents/{world.document.id}")
    changes = reader.get(f"/documents/{world.document.id}?view=changes")
    assert b"<ins" not in clean.data.split(b'<main id="main"')[1]
    assert b"<ins" in changes.data and b"triple" in changes.data


def test_the_fragment_cache_can_be_switched_off(migrated, world):
    from tests.conftest import make_test_app

    app = make_test_app(migrated, FRAGMENT_CACHE_ENTRIES=0)
    client = app.test_client()
    with app.app_context():
        login(client, "aus")
        first = client.get(f"/documents/{world.document.id}")
        second = client.get(f"/documents/{world.document.id}")
        assert first.status_code == second.status_code == 200
        assert body_of(first) == body_of(second)
        assert len(fragment_cache()) == 0


def test_delegates_of_different_economies_share_a_body_when_nothing_private_differs(app, world):
    """Circulated proposals are public: the delegates of every economy then see one body."""
    proposals.submit_proposal(world.user("nz"), world.document, "amend",
                              clause=world.clauses[2], text=SUBMITTED_WORDS, rationale="Why.")
    db.session.commit()
    cache = fragment_cache()
    cache.clear()
    changes = f"/documents/{world.document.id}?view=changes"
    pages = [as_user(app, username).get(changes) for username in ("aus", "nz", "jpn")]
    assert all(b"triple renewable" in page.data for page in pages)
    assert len(cache) == 1 and body_of(pages[0]) == body_of(pages[2])
    as_user(app, "observer").get(changes)
    assert len(cache) == 2  # another role: its own body (no Propose links)


def test_an_uncirculated_proposal_splits_its_economy_and_the_secretariat_off(app, world):
    world.document.circulate_immediately = False
    proposals.submit_proposal(world.user("aus"), world.document, "amend",
                              clause=world.clauses[2], text=UNCIRCULATED_WORDS, rationale="Ours.")
    db.session.commit()
    changes = f"/documents/{world.document.id}?view=changes"
    seen = {u: b"carbon border" in as_user(app, u).get(changes).data
            for u in ("nz", "aus", "jpn", "aus2", "secretariat", "observer")}
    assert seen == {"nz": False, "aus": True, "jpn": False, "aus2": True, "secretariat": True,
                    "observer": False}


def test_a_silence_deadline_passing_between_two_views_is_shown_by_the_next(app, world,
                                                                           monkeypatch):
    """The document's state is kept under its change marker (http_cache.DocumentFacts), and
    time passing makes no new marker: the page must still see that a running silence
    procedure's deadline has passed and show the outcome (written later, by a write or the
    scheduler's tick: the GET writes nothing)."""
    deadline = (utcnow() + timedelta(minutes=90)).astimezone(timezone(timedelta(hours=7)))
    procedure = silence.start_silence(world.user("secretariat"), world.document,
                                      deadline.replace(tzinfo=None, second=0, microsecond=0),
                                      "Asia/Bangkok", "Rev.2", now=utcnow() - timedelta(hours=1))
    db.session.commit()
    client = as_user(app, "observer")
    url = f"/documents/{world.document.id}"
    before = client.get(url)
    assert before.status_code == 200 and b"Adopted under silence procedure" not in before.data

    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(settling, "utcnow", lambda: later)
    monkeypatch.setattr(stages, "utcnow", lambda: later)
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200 and b"Adopted under silence procedure" in after.data
    db.session.expire_all()
    assert db.session.get(SilenceProcedure, procedure.id).status is SilenceStatus.RUNNING


def test_the_live_cursor_read_with_the_change_marker_is_the_newest_event(app, world):
    """The live cursor is read with the change marker, in one statement: it is the newest
    live event the viewer may receive at the time of the request (shown opaque, as every live
    event id: docs/live.md), also when the body comes from the cache."""
    from drafting.services import live as live_service
    from drafting.web.live import event_ids

    url = f"/documents/{world.document.id}"
    as_user(app, "aus").get(url)  # the body is now kept
    proposals.submit_proposal(world.user("nz"), world.document, "amend",
                              clause=world.clauses[2], text=SUBMITTED_WORDS, rationale="Why.")
    db.session.commit()
    newest = live_service.newest_event_id()
    page = as_user(app, "jpn").get(url).get_data(as_text=True)
    assert newest > 0 and f'data-live-since="{event_ids(app).encode(newest)}"' in page


def test_a_kept_body_costs_two_statements_the_user_and_the_document_with_its_marker(app, world):
    """With the body kept, the page reads the session's user, then the document row together
    with its change marker, live cursor and unread count — nothing else."""
    from sqlalchemy import event

    viewer = as_user(app, "aus")
    url = f"/documents/{world.document.id}"
    assert viewer.get(url).status_code == 200  # renders and keeps the body
    statements: list[str] = []

    def remember(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # not SAVEPOINTs of the test
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = viewer.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)

    assert page.status_code == 200 and world.document.title.encode() in page.data
    assert len(statements) == 2, statements
    assert "FROM users" in statements[0]
    assert "FROM documents" in statements[1] and "audit_events" in statements[1]


def test_the_document_page_of_no_document_is_not_found(app, world):
    viewer = as_user(app, "aus")
    for missing in (world.document.id + 1000, 2**31, 2**40):
        response = viewer.get(f"/documents/{missing}")
        assert response.status_code == 404, missing


def _lookup_in_thread(app, key, results: list) -> "threading.Thread":
    import threading

    def run() -> None:
        with app.test_request_context("/"):
            from drafting.web import page_cache

            results.append(page_cache.lookup(key))
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_body_being_rendered_is_waited_for_not_rendered_again(app):
    """The worker's other requests for a body being rendered wait and take the rendering."""
    from flask import render_template_string

    from drafting.web import page_cache

    key = ("test-body", "waited-for")
    fragment_cache().clear()
    with app.test_request_context("/"):
        assert page_cache.lookup(key) is None  # a miss: this request renders it
        waiting: list = []
        thread = _lookup_in_thread(app, key, waiting)
        thread.join(timeout=0.2)
        assert thread.is_alive() and waiting == []  # it waits for the rendering
        html = render_template_string("{% cache key %}<p>rendered once</p>{% endcache %}",
                                      key=key)
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert html == waiting[0] == "<p>rendered once</p>"


def test_waiters_are_let_go_when_the_rendering_request_fails(app):
    from drafting.web import page_cache

    key = ("test-body", "failed")
    fragment_cache().clear()
    waiting: list = []
    context = app.test_request_context("/")
    context.push()
    try:
        assert page_cache.lookup(key) is None
        thread = _lookup_in_thread(app, key, waiting)
        thread.join(timeout=0.2)
        assert thread.is_alive()
    finally:
        context.pop(RuntimeError("the rendering failed"))  # teardown lets the waiter go
    thread.join(timeout=10)
    assert not thread.is_alive() and waiting == [None]  # it renders the body itself
