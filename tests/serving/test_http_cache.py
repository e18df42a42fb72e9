"""Conditional GET (ETag, 304) on the document page and the exports; the export cache."""
from __future__ import annotations

from datetime import timedelta

import pytest

from drafting.extensions import db
from drafting.models.types import utcnow
from drafting.services import notifications, proposals, revisions, rounds, stages
from drafting.web import exports as export_views
from drafting.web.memory_cache import BoundedCache
from tests.factories import login

NEW_WORDS = "We will halve emissions by 2030 and triple renewable energy capacity."


def as_user(app, username):
    """A client of its own, logged in as `username`."""
    client = app.test_client()
    login(client, username)
    return client


def page(client, document_id, query="", etag=None):
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"/documents/{document_id}{query}", headers=headers)


def submit(world, username, text=NEW_WORDS, clause_index=2):
    proposal = proposals.submit_proposal(world.user(username), world.document, "amend",
                                         clause=world.clauses[clause_index], text=text,
                                         rationale="Stronger ambition.")
    db.session.commit()
    return proposal


@pytest.fixture
def renders(monkeypatch):
    """Counts the export files actually rendered (not served from the cache)."""
    calls = []
    real = export_views.render_file

    def counting(data, fmt):
        calls.append((data.mode, fmt))
        return real(data, fmt)

    monkeypatch.setattr(export_views, "render_file", counting)
    return calls


# --- the document page -----------------------------------------------------------------------

def test_document_page_is_200_with_a_weak_etag_then_304(client, world):
    login(client, "aus")
    first = page(client, world.document.id)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and len(etag) > 10
    assert first.headers["Cache-Control"] == "private, no-cache"

    again = page(client, world.document.id, etag=etag)
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert again.headers["X-Request-Id"]  # the usual headers are still there

    assert page(client, world.document.id).headers["ETag"] == etag  # stable while nothing moves
    assert page(client, world.document.id, etag=f'W/"other", {etag}').status_code == 304


def test_submitting_a_proposal_gives_a_new_etag_and_the_new_page(client, world):
    login(client, "aus")
    old = page(client, world.document.id, "?view=changes").headers["ETag"]

    other = as_user(client.application, "nz")
    response = other.post(f"/documents/{world.document.id}/proposals", data={
        "action": "amend", "clause_id": world.clauses[2].id, "text": NEW_WORDS,
        "rationale": "Stronger ambition."})
    assert response.status_code == 302

    fresh = page(client, world.document.id, "?view=changes", etag=old)
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != old
    assert b"triple renewable energy capacity" in fresh.data
    assert page(client, world.document.id, "?view=changes",
                etag=fresh.headers["ETag"]).status_code == 304


def test_each_viewer_and_each_view_has_its_own_etag(client, world):
    tags = {}
    for username in ("aus", "aus2", "nz", "observer", "secretariat"):
        tags[username] = page(as_user(client.application, username),
                              world.document.id).headers["ETag"]
    assert len(set(tags.values())) == 5  # identity and role are part of the key

    # nz presenting aus's tag gets the full page, never a 304 for someone else's copy
    client = as_user(client.application, "nz")
    assert page(client, world.document.id, etag=tags["aus"]).status_code == 200

    revisions.issue_revision(world.user("secretariat"), world.document, "Rev.1 for SOM3",
                             renumber=False)
    db.session.commit()
    views = {query: page(client, world.document.id, query).headers["ETag"]
             for query in ("", "?view=clean", "?view=changes", "?rev=1")}
    assert views[""] == views["?view=clean"]
    assert len({views[""], views["?view=changes"], views["?rev=1"]}) == 3


def test_other_people_logging_in_changes_no_etag(client, world, api_token):
    login(client, "aus")
    etag = page(client, world.document.id).headers["ETag"]
    as_user(client.application, "nz")  # an audited log-in, about no document
    api_token("jpn")  # an audited token
    assert page(client, world.document.id, etag=etag).status_code == 304


def test_a_pending_flash_message_is_never_served_from_a_cache(client, world):
    login(client, "aus")
    etag = page(client, world.document.id).headers["ETag"]
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Proposal #7 submitted.")]
    with_message = page(client, world.document.id, etag=etag)
    assert with_message.status_code == 200 and "ETag" not in with_message.headers
    assert b"Proposal #7 submitted." in with_message.data
    assert with_message.headers["Cache-Control"] == "private, no-cache"
    assert page(client, world.document.id, etag=etag).status_code == 304  # message shown once


def test_unread_notifications_in_the_header_are_part_of_the_key(client, world):
    revisions.issue_revision(world.user("secretariat"), world.document, "Rev.1", renumber=False)
    db.session.commit()
    login(client, "aus")
    with_unread = page(client, world.document.id)
    assert b"unread" in with_unread.data
    notifications.mark_all_read(world.user("aus"))  # not an audited change of the document
    db.session.commit()
    after = page(client, world.document.id, etag=with_unread.headers["ETag"])
    assert after.status_code == 200 and b"unread)" not in after.data


def test_a_running_deadline_countdown_changes_the_etag(client, world, monkeypatch):
    now = utcnow().replace(second=0, microsecond=0)
    deadline = (now + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    rounds.open_round(world.user("secretariat"), world.document, deadline, "UTC", now=now)
    db.session.commit()
    login(client, "aus")
    monkeypatch.setattr(stages, "utcnow", lambda: now)
    early = page(client, world.document.id)
    assert b"5 hours left" in early.data
    assert page(client, world.document.id, etag=early.headers["ETag"]).status_code == 304
    monkeypatch.setattr(stages, "utcnow", lambda: now + timedelta(hours=2))
    later = page(client, world.document.id, etag=early.headers["ETag"])
    assert later.status_code == 200 and b"3 hours left" in later.data


def test_errors_are_not_tagged(client, world):
    login(client, "aus")
    missing = client.get(f"/documents/{world.document.id}?rev=9")
    assert missing.status_code == 404 and "ETag" not in missing.headers


# --- exports -----------------------------------------------------------------------------------

def export(client, document_id, query="mode=clean&format=md", etag=None, headers=None,
           api=False):
    headers = dict(headers or {})
    if etag:
        headers["If-None-Match"] = etag
    prefix = "/api/v1" if api else ""
    return client.get(f"{prefix}/documents/{document_id}/export?{query}", headers=headers)


def test_export_download_is_tagged_cached_and_answered_304(client, world, renders):
    login(client, "observer")
    first = export(client, world.document.id)
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "attachment" in first.headers["Content-Disposition"]
    second = export(client, world.document.id)
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert renders == [("clean", "md")]  # the second one came from the cache

    not_modified = export(client, world.document.id, etag=first.headers["ETag"])
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert renders == [("clean", "md")]

    other_format = export(client, world.document.id, "mode=clean&format=html")
    assert other_format.headers["ETag"] != first.headers["ETag"]
    assert len(renders) == 2


def test_a_change_makes_a_new_export(client, world, renders):
    login(client, "secretariat")
    query = "mode=compilation&format=md"
    before = export(client, world.document.id, query)
    submit(world, "nz")
    after = export(client, world.document.id, query, etag=before.headers["ETag"])
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert b"triple renewable energy capacity" in after.data
    assert b"triple renewable energy capacity" not in before.data
    assert len(renders) == 2


def test_viewers_who_see_different_proposals_never_share_an_export(client, world, renders):
    world.document.circulate_immediately = False  # submitted proposals wait for circulation
    db.session.commit()
    submit(world, "aus")
    query = "mode=compilation&format=md"
    results = {}
    for username in ("aus", "aus2", "nz", "observer"):
        response = export(as_user(client.application, username), world.document.id, query)
        results[username] = (response.headers["ETag"], response.data)
    assert b"triple renewable energy capacity" in results["aus"][1]
    assert b"triple renewable energy capacity" not in results["nz"][1]
    assert b"triple renewable energy capacity" not in results["observer"][1]
    assert results["aus2"] == results["aus"]  # same economy's delegates: same file, one render
    assert len({results[u][0] for u in ("aus", "nz", "observer")}) == 3
    assert len(renders) == 3

    nz = as_user(client.application, "nz")
    assert export(nz, world.document.id, query, etag=results["aus"][0]).status_code == 200


def test_api_export_is_tagged_and_answered_304(client, world, api_token, renders):
    headers = api_token("jpn")
    first = export(client, world.document.id, headers=headers, api=True)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    again = export(client, world.document.id, etag=first.headers["ETag"], headers=headers,
                   api=True)
    assert again.status_code == 304
    refused = export(client, world.document.id, etag=first.headers["ETag"], api=True)
    assert refused.status_code == 401  # a tag is no substitute for a token
    assert len(renders) == 1


def test_bad_export_requests_are_neither_tagged_nor_cached(client, world, renders):
    login(client, "observer")
    response = export(client, world.document.id, "mode=clean&format=exe")
    assert response.status_code == 422 and "ETag" not in response.headers
    response = export(client, world.document.id, "mode=redline&format=md&from=7")
    assert response.status_code == 404 and "ETag" not in response.headers
    assert renders == []


def test_the_export_cache_can_be_switched_off(migrated, world, renders):
    from tests.conftest import make_test_app
    app = make_test_app(migrated, EXPORT_CACHE_ENTRIES=0)
    client = app.test_client()
    with app.app_context():
        login(client, "observer")
        export(client, world.document.id)
        export(client, world.document.id)
    assert len(renders) == 2


# --- the LRU itself ------------------------------------------------------------------------

def test_lru_evicts_the_least_recently_used_entry():
    cache = BoundedCache(max_entries=2, max_bytes=1000)
    cache.put("a", "A", 10)
    cache.put("b", "B", 10)
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("c", "C", 10)
    assert cache.get("b") is None and cache.get("a") == "A" and cache.get("c") == "C"
    assert (cache.hits, cache.misses) == (3, 1)


def test_lru_is_bounded_in_bytes_and_skips_huge_files():
    cache = BoundedCache(max_entries=10, max_bytes=100)
    cache.put("huge", "H", 26)  # more than a quarter of the bound: not kept
    assert cache.get("huge") is None
    for key in "abcde":
        cache.put(key, key.upper(), 25)
    assert cache.size <= 100 and len(cache) == 4 and cache.get("a") is None
    cache.put("b", "B2", 25)  # replacing an entry does not count it twice
    assert cache.size == 100 and cache.get("b") == "B2"
    cache.clear()
    assert len(cache) == 0 and cache.size == 0


def test_a_zero_sized_cache_keeps_nothing():
    cache = BoundedCache(max_entries=0)
    cache.put("a", "A", 1)
    assert cache.get("a") is None and len(cache) == 0
