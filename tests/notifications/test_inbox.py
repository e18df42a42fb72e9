"""The inbox page, the header's unread count and the notifications API."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Notification, SubmissionRound
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.mailer import tick
from tests.factories import login

API = "/api/v1"


@pytest.fixture
def two_revisions(world):
    """Two notifications for everyone but the secretariat."""
    for number in (1, 2):
        record_event("revision.issued", world.user("secretariat"),
                     document_id=world.document.id, number=number)
    db.session.commit()
    return world


def mine(world, username) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.execute(select(Notification).where(
        Notification.user_id == world.user(username).id).order_by(Notification.seq)).scalars())


def test_header_shows_the_unread_count_as_text_on_every_page(client, two_revisions):
    login(client, "nz")
    for url in ("/documents", f"/documents/{two_revisions.document.id}", "/account"):
        html = client.get(url).get_data(as_text=True)
        assert "Notifications <strong class=\"unread-count\">(2 unread)</strong>" in html, url
    client.post("/logout")
    login(client, "secretariat")
    html = client.get("/documents").get_data(as_text=True)
    assert "Notifications</a>" in html and "unread)" not in html


def test_header_count_includes_a_due_deadline_reminder(client, world):
    db.session.add(SubmissionRound(document_id=world.document.id, timezone="Europe/Paris",
                                   deadline=utcnow() + timedelta(hours=3)))
    db.session.commit()
    login(client, "jpn")
    assert "(1 unread)" in client.get("/documents").get_data(as_text=True)
    assert mine(world, "jpn") == []  # counting writes nothing
    html = client.get("/notifications").get_data(as_text=True)
    assert "closes within 24 hours" in html and "(Europe/Paris)" in html
    assert "(1 unread)" in html
    assert mine(world, "jpn") == []  # reading the inbox writes nothing either
    # The scheduler's tick stores it (once), and the page says the same as before.
    tick()
    tick()
    assert len(mine(world, "jpn")) == 1  # deduplicated
    again = client.get("/notifications").get_data(as_text=True)
    assert "closes within 24 hours" in again and "(1 unread)" in again


def test_inbox_lists_newest_first_and_marks_read(client, two_revisions):
    world = two_revisions
    login(client, "aus")
    html = client.get("/notifications").get_data(as_text=True)
    assert html.index("Rev.2") < html.index("Rev.1")
    assert "2 unread of 2" in html and "● Unread" in html
    first, second = mine(world, "aus")
    response = client.post(f"/notifications/{second.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/documents/{world.document.id}")
    assert mine(world, "aus")[1].read_at is not None and mine(world, "aus")[0].read_at is None
    assert "(1 unread)" in client.get("/documents").get_data(as_text=True)
    client.post("/notifications/read-all")
    assert all(n.read_at for n in mine(world, "aus"))
    assert "unread)" not in client.get("/documents").get_data(as_text=True)
    assert mine(world, "aus2")[0].read_at is None  # the other AUS delegate's are their own


def test_cannot_open_another_users_notification(client, two_revisions):
    world = two_revisions
    theirs = mine(world, "nz")[0]
    login(client, "aus")
    response = client.post(f"/notifications/{theirs.id}/open")
    assert response.status_code == 404
    assert f"No notification with id {theirs.id}." in response.get_data(as_text=True)
    assert mine(world, "nz")[0].read_at is None
    assert client.post("/notifications/999999/open").status_code == 404


def test_notifications_api(client, two_revisions, api_token):
    world = two_revisions
    headers = api_token("observer")
    body = client.get(f"{API}/notifications", headers=headers).get_json()
    assert body["unread"] == 2
    assert [n["message"][:5] for n in body["notifications"]] == ["Rev.2", "Rev.1"]
    first = body["notifications"][0]
    assert set(first) >= {"id", "kind", "message", "url", "document_id", "created_at", "read"}
    assert first["read"] is False and first["kind"] == "revision_issued"
    read = client.post(f"{API}/notifications/{first['id']}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read"] is True
    assert client.get(f"{API}/notifications", headers=headers).get_json()["unread"] == 1
    unread_only = client.get(f"{API}/notifications?unread=1", headers=headers).get_json()
    assert [n["id"] for n in unread_only["notifications"]] == [body["notifications"][1]["id"]]
    # Another user's notification does not exist for the caller.
    theirs = mine(world, "nz")[0]
    refused = client.post(f"{API}/notifications/{theirs.id}/read", headers=headers)
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    assert mine(world, "nz")[0].read_at is None
    nz_list = client.get(f"{API}/notifications", headers=api_token("nz")).get_json()
    assert {n["id"] for n in nz_list["notifications"]} == {n.id for n in mine(world, "nz")}
    assert client.get(f"{API}/notifications").status_code == 401
