"""The kinds added for issue 16 (co-sponsorship, comments and replies, competing proposals,
rebases, silence procedures), the inbox's grouping and kind filter, and the preferences page
and API."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from drafting.domain.notification_kinds import (KIND_CODES, MAX_ATTEMPTS, next_digest_at,
                                                retry_delay)
from drafting.extensions import db
from drafting.models import Notification, NotificationPreference, OutgoingMail
from drafting.services import comments, decisions, drafts, notifications, proposals, silence
from tests.factories import login

OP1 = "We will reduce emissions by 2030 and promote clean energy."
API = "/api/v1"


def notes(world, username, kind=None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == world.user(username).id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.execute(query.order_by(Notification.seq)).scalars())


def amend(world, username, text, clause=2):
    return proposals.submit_proposal(world.user(username), world.document, "amend",
                                     clause=world.clauses[clause], text=text)


def test_every_kind_made_is_in_the_catalogue(world):
    """The preferences page lists every kind the fan-out can make."""
    made = {"proposal_decided", "proposal_conflict", "proposal_superseded", "revision_issued",
            "objected_clause_changed", "position_stale", "deadline_round", "deadline_silence",
            "proposal_cosponsored", "proposal_commented", "comment_reply",
            "competing_proposal", "proposal_rebased", "silence_opened"}
    assert made == KIND_CODES


def test_cosponsorship_comment_and_reply(world):
    p = amend(world, "aus", OP1.replace("reduce", "halve"))
    proposals.cosponsor_proposal(world.user("jpn"), p)
    assert [n.message for n in notes(world, "aus", "proposal_cosponsored")] == [
        f"JPN co-sponsored your economy's proposal #{p.number} (amendment to OP1)."]
    assert {n.user_id for n in db.session.execute(select(Notification).where(
        Notification.kind == "proposal_cosponsored")).scalars()} == \
        {world.user("aus").id, world.user("aus2").id}
    question = comments.add_comment(world.user("nz"), proposal=p, body="Why *halve*?")
    [note] = notes(world, "aus2", "proposal_commented")
    assert note.message == (f"NZ commented on your economy's proposal #{p.number} (amendment to "
                            "OP1): “Why *halve*?”")
    assert note.url == f"/proposals/{p.id}#comment-{question.id}"
    answer = comments.add_comment(world.user("aus"), proposal=p, body="Ambition.",
                                  parent=question)
    [reply] = notes(world, "nz", "comment_reply")
    assert reply.url == f"/proposals/{p.id}#comment-{answer.id}"
    assert reply.message.startswith("AUS replied to your comment on proposal #")
    assert notes(world, "aus", "proposal_commented")[-1].message.startswith("NZ")  # not own


def test_a_reply_on_a_clause_thread(world):
    first = comments.add_comment(world.user("jpn"), clause=world.clauses[0], body="Typo?")
    comments.add_comment(world.user("secretariat"), clause=world.clauses[0], body="Fixed.",
                         parent=first)

    def reply_id(world):
        from drafting.models import Comment
        return db.session.execute(select(Comment.id).where(Comment.parent_id == first.id)
                                  ).scalar_one()
    [reply] = notes(world, "jpn", "comment_reply")
    assert reply.message == "The secretariat replied to your comment on PP1: “Fixed.”"
    assert reply.url == f"/clauses/{world.clauses[0].id}#comment-{reply_id(world)}"


def test_competing_proposal_only_once_circulated_and_to_those_concerned(world):
    world.document.circulate_immediately = False
    amend(world, "nz", OP1.replace("clean", "renewable"))
    p = amend(world, "aus", OP1.replace("reduce", "halve"))
    assert notes(world, "nz", "competing_proposal") == []
    drafts.circulate_proposals(world.user("secretariat"), world.document)
    assert [n.message for n in notes(world, "nz", "competing_proposal")] == [
        f"AUS proposed an amendment to OP1 (proposal #{p.number}), where your economy has an open "
        "proposal."]
    assert notes(world, "jpn", "competing_proposal") == []  # no stake in OP1
    assert notes(world, "aus", "competing_proposal")[0].message.startswith("NZ proposed")


def test_a_rebase_tells_the_proposals_economy(world):
    secretariat = world.user("secretariat")
    winner = amend(world, "aus", OP1.replace("by 2030", "by 2035"))
    other = amend(world, "jpn", OP1.replace("clean energy", "low-carbon energy"))
    decisions.decide_proposal(secretariat, winner, "accept", expected_version=1)
    [note] = notes(world, "jpn", "proposal_rebased")
    assert note.url == f"/proposals/{other.id}" and "now version 2" in note.message


def test_a_silence_procedure_opened_tells_everyone(world):
    silence.start_silence(world.user("secretariat"), world.document, "2099-01-10T12:00",
                          "Asia/Bangkok")
    told = {n.user_id for n in db.session.execute(select(Notification).where(
        Notification.kind == "silence_opened")).scalars()}
    assert world.user("observer").id in told and world.user("secretariat").id not in told
    message = notes(world, "nz", "silence_opened")[0].message
    assert "10 January 2099, 12:00 (Asia/Bangkok)" in message and "Break silence" in message


def test_digest_hour_and_retry_schedule():
    after = datetime(2026, 3, 7, 23, 30, tzinfo=timezone.utc)
    assert next_digest_at(after, 8, "UTC") == datetime(2026, 3, 8, 8, tzinfo=timezone.utc)
    # 08:00 in Bangkok (UTC+7) is 01:00 UTC, still to come on the 8th.
    assert next_digest_at(after, 8, "Asia/Bangkok") == datetime(2026, 3, 8, 1,
                                                                tzinfo=timezone.utc)
    at_eight = datetime(2026, 3, 8, 8, tzinfo=timezone.utc)
    assert next_digest_at(at_eight, 8, "UTC") == datetime(2026, 3, 9, 8, tzinfo=timezone.utc)
    assert next_digest_at(after, 8, "Not/AZone").hour == 8
    assert [retry_delay(n).total_seconds() for n in range(1, MAX_ATTEMPTS)] == \
        [60, 300, 1800, 7200]
    assert retry_delay(MAX_ATTEMPTS) is None


def test_inbox_groups_by_document_and_filters_by_kind(client, world):
    p = amend(world, "aus", OP1.replace("reduce", "halve"))
    proposals.cosponsor_proposal(world.user("jpn"), p)
    comments.add_comment(world.user("nz"), proposal=p, body="Hm.")
    db.session.commit()
    login(client, "aus")
    html = client.get("/notifications").get_data(as_text=True)
    assert html.count('class="inbox-group"') == 1 and "Test Statement</a></h2>" in html
    assert "co-sponsored" in html and "commented" in html
    html = client.get("/notifications?kind=proposal_commented").get_data(as_text=True)
    assert "commented" in html and "co-sponsored" not in html
    assert client.get("/notifications?kind=nonsense").status_code == 422
    body = client.get(f"{API}/notifications?kind=proposal_cosponsored",
                      headers=_token(world, "aus")).get_json()
    assert [n["kind"] for n in body["notifications"]] == ["proposal_cosponsored"]


def _token(world, username):
    from drafting.services import accounts
    token = accounts.issue_token(world.user(username), world.user(username), "t")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_preferences_page_saves_and_keeps_bad_input_next_to_its_field(client, world):
    login(client, "nz")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "A reply to your comment" in page and 'value="digest"' in page
    bad = client.post("/account/notifications", data={
        "email": "not an address", "digest_hour": "7", "timezone": "UTC",
        "delivery-comment_reply": "immediate"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'aria-invalid="true" aria-describedby="email-error"' in html
    assert 'value="not an address"' in html  # the input is kept
    assert db.session.execute(select(NotificationPreference)).scalars().all() == []
    ok = client.post("/account/notifications", data={
        "email": "nz@example.org", "digest_hour": "7", "timezone": "Pacific/Auckland",
        "delivery-comment_reply": "immediate", "delivery-revision_issued": "digest"})
    assert ok.status_code == 302
    prefs = client.get(f"{API}/notifications/preferences",
                       headers=_token(world, "nz")).get_json()
    assert (prefs["email"], prefs["digest_hour"], prefs["timezone"]) == \
        ("nz@example.org", 7, "Pacific/Auckland")
    chosen = {k["kind"]: k["delivery"] for k in prefs["kinds"]}
    assert chosen["comment_reply"] == "immediate" and chosen["revision_issued"] == "digest"
    assert chosen["proposal_decided"] == "app"


def test_preferences_api_refuses_bad_input_and_changes_nothing(client, world):
    headers = _token(world, "jpn")
    for payload in ({"deliveries": {"comment_reply": "sometimes"}},
                    {"deliveries": {"no_such_kind": "app"}}, {"digest_hour": 24},
                    {"timezone": "Mars/Olympus"}, {"email": "a@b"},
                    {"email": "x@y.org", "digest_hour": "eight"}):
        answer = client.put(f"{API}/notifications/preferences", json=payload, headers=headers)
        assert answer.status_code == 422, payload
    prefs = client.get(f"{API}/notifications/preferences", headers=headers).get_json()
    assert prefs["email"] == "" and prefs["digest_hour"] == 8
    answer = client.put(f"{API}/notifications/preferences", headers=headers,
                        json={"email": "jpn@example.org",
                              "deliveries": {"proposal_decided": "immediate"}})
    assert answer.status_code == 200
    # A decision now queues an e-mail, in the decision's own transaction.
    p = amend(world, "jpn", OP1.replace("reduce", "halve"))
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1)
    [row] = db.session.execute(select(OutgoingMail)).scalars().all()
    assert row.user_id == world.user("jpn").id and not row.digest and row.outcome is None


@pytest.mark.parametrize("kind", ["proposal_decided"])
def test_changing_the_digest_hour_moves_pending_digests(world, kind):
    from drafting.services.notification_preferences import save_preferences
    jpn = world.user("jpn")
    save_preferences(jpn, email="jpn@example.org", deliveries={kind: "digest"})
    p = amend(world, "jpn", OP1.replace("reduce", "halve"))
    decisions.decide_proposal(world.user("secretariat"), p, "reject", expected_version=1,
                              note="Too late")
    [row] = db.session.execute(select(OutgoingMail)).scalars().all()
    assert row.digest and row.due_at.hour == 8
    save_preferences(jpn, digest_hour=18)
    db.session.expire_all()
    assert db.session.get(OutgoingMail, row.id).due_at.hour == 18
