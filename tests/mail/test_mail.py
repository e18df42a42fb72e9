"""E-mail through a real SMTP server on localhost (aiosmtpd): the immediate message, the daily
digest, retries, nothing sent twice, unsubscribe links, and nothing about what the recipient
may not see."""
from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from drafting import mailer
from drafting.extensions import db
from drafting.models import Notification, NotificationPreference, OutgoingMail
from drafting.models.types import utcnow
from drafting.services import comments, decisions, drafts, positions, proposals
from drafting.services.notification_preferences import preferences_of, save_preferences

OP1 = "We will reduce emissions by 2030 and promote clean energy."


def digest_hour() -> int:
    """Half a day away: a digest never falls due by chance while a test runs."""
    return (utcnow().hour + 12) % 24


def choose(world, username, **deliveries):
    user = world.user(username)
    save_preferences(user, email=f"{username}@example.org", digest_hour=digest_hour(),
                     timezone="UTC", deliveries=deliveries)
    db.session.commit()
    return user


def amend(world, username, text=OP1.replace("reduce", "halve")):
    proposal = proposals.submit_proposal(world.user(username), world.document, "amend",
                                         clause=world.clauses[2], text=text)
    db.session.commit()
    return proposal


def parts(message):
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return plain, html


def queue() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.execute(select(OutgoingMail).order_by(OutgoingMail.id)).scalars())


def test_immediate_email_and_daily_digest_say_what_the_inbox_says(world, smtp):
    choose(world, "aus", proposal_commented="immediate", proposal_cosponsored="digest")
    p = amend(world, "aus")
    comments.add_comment(world.user("nz"), proposal=p, body="NZ could accept *halve*.")
    proposals.cosponsor_proposal(world.user("jpn"), p)
    db.session.commit()

    report = mailer.send_due_mail()
    assert (report.sent, report.failed, report.retrying) == (1, 0, 0)
    [message] = smtp.to("aus@example.org")
    assert message["Subject"] == "A comment on your economy's proposal — Test Statement"
    assert message["From"] == "drafting@apec.test"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain, html = parts(message)
    note = db.session.execute(select(Notification).where(
        Notification.user_id == world.user("aus").id,
        Notification.kind == "proposal_commented")).scalar_one()
    assert note.message in plain and "NZ could accept" in plain
    assert f"https://drafting.apec.test/proposals/{p.id}#comment-" in plain
    assert f'href="https://drafting.apec.test/proposals/{p.id}#comment-' in html
    assert "NZ commented on your economy&#39;s proposal" in html  # escaped, not raw
    assert "https://drafting.apec.test/notifications/unsubscribe/" in plain

    # Nothing twice: the next run finds it sent; the digest waits for its hour.
    assert mailer.send_due_mail().sent == 0 and len(smtp.messages) == 1
    digest_row = [row for row in queue() if row.digest][0]
    assert digest_row.due_at.minute == 0 and digest_row.outcome is None
    assert digest_row.due_at - utcnow() > timedelta(hours=10)

    report = mailer.send_due_mail(now=digest_row.due_at + timedelta(minutes=1))
    assert report.sent == 1
    digest = smtp.to("aus@example.org")[-1]
    assert digest["Subject"] == "Your daily digest: 1 notification"
    plain, html = parts(digest)
    assert f"JPN co-sponsored your economy's proposal #{p.number}" in plain
    assert "== Test Statement ==" in plain and "<h2" in html and "Test Statement" in html
    assert "commented" not in plain  # the immediate one is not repeated in the digest
    assert {row.outcome for row in queue()} == {"sent"}
    assert mailer.send_due_mail(now=digest_row.due_at + timedelta(days=2)).sent == 0
    # aus2 (same economy, no e-mail chosen) and the commenter got nothing.
    assert {rcpt for rcpts, _ in smtp.messages for rcpt in rcpts} == {"aus@example.org"}


def test_nothing_about_a_proposal_not_circulated_to_the_recipient(world, smtp):
    world.document.circulate_immediately = False
    positions.set_position(world.user("nz"), world.clauses[2], "reservation", "Not yet")
    db.session.commit()
    everything = {kind: "immediate" for kind in (
        "competing_proposal", "proposal_commented", "comment_reply", "proposal_cosponsored")}
    choose(world, "nz", **everything)
    choose(world, "aus", **everything)
    p = amend(world, "aus")
    comments.add_comment(world.user("secretariat"), proposal=p, body="Please clarify.")
    db.session.commit()

    mailer.send_due_mail()
    assert smtp.to("nz@example.org") == []
    assert "Please clarify" in parts(smtp.to("aus@example.org")[0])[0]
    nz_notes = db.session.execute(select(Notification.message).where(
        Notification.user_id == world.user("nz").id)).scalars().all()
    assert p.number is None  # nobody outside AUS and the secretariat has seen it
    assert not any(p.name in message or "Please clarify" in message for message in nz_notes)

    # Once circulated, NZ (which has a position on the clause) hears of it, by e-mail too.
    drafts.circulate_proposals(world.user("secretariat"), world.document, [p])
    db.session.commit()
    mailer.send_due_mail()
    [message] = smtp.to("nz@example.org")
    assert message["Subject"].startswith("A competing proposal on a clause")
    assert p.number == 1
    assert f"AUS proposed an amendment to OP1 (proposal #{p.number}), where your economy has a " \
           "position." in parts(message)[0]


def test_a_refused_message_is_retried_later_and_sent_once(world, smtp):
    choose(world, "nz", proposal_decided="immediate")
    p = amend(world, "nz")
    decisions.decide_proposal(world.user("secretariat"), p, "accept", expected_version=1)
    db.session.commit()
    smtp.refuse = 1
    now = utcnow()
    report = mailer.send_due_mail(now=now)
    assert (report.sent, report.retrying) == (0, 1)
    [row] = queue()
    assert row.attempts == 1 and row.outcome is None and "451" in row.last_error
    assert mailer.send_due_mail(now=now).sent == 0  # not due again yet
    assert mailer.send_due_mail(now=now + timedelta(minutes=2)).sent == 1
    [row] = queue()
    assert (row.attempts, row.outcome) == (2, "sent")
    assert len(smtp.to("nz@example.org")) == 1


def test_the_unsubscribe_link_needs_no_login_and_stops_that_kind_only(world, smtp, client):
    choose(world, "aus", proposal_commented="immediate", proposal_cosponsored="digest")
    p = amend(world, "aus")
    comments.add_comment(world.user("nz"), proposal=p, body="A question.")
    db.session.commit()
    mailer.send_due_mail()
    plain = parts(smtp.to("aus@example.org")[0])[0]
    link = re.search(r"https://drafting\.apec\.test(/notifications/unsubscribe/\S+)", plain)[1]

    page = client.get(link)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "Stop these e-mails" in page.get_data(as_text=True)
    assert preferences_of(world.user("aus")).deliveries["proposal_commented"].value == \
        "immediate"
    done = client.post(link)  # no session, no CSRF token: the signed token is the authority
    assert done.status_code == 200
    db.session.expire_all()
    kept = preferences_of(world.user("aus")).deliveries
    assert kept["proposal_commented"].value == "app" and kept["proposal_cosponsored"].value == \
        "digest"

    comments.add_comment(world.user("jpn"), proposal=p, body="Another.")
    db.session.commit()
    assert mailer.send_due_mail().sent == 0 and len(smtp.messages) == 1
    assert client.get(link[:-3] + "xyz").status_code == 404  # a forged token
    assert client.post(link[:-3] + "xyz").status_code == 404


def test_mail_queued_but_no_longer_wanted_is_not_sent(world, smtp):
    choose(world, "aus", proposal_commented="immediate")
    p = amend(world, "aus")
    comments.add_comment(world.user("nz"), proposal=p, body="A question.")
    world.user("aus").active = False
    db.session.commit()
    report = mailer.send_due_mail()
    assert (report.sent, report.skipped) == (0, 1) and smtp.messages == []
    assert queue()[0].outcome == "skipped"


def test_tick_reminds_of_a_deadline_and_the_scheduler_sends_it(world, smtp, runner):
    from drafting.services import silence

    choose(world, "jpn", deadline_silence="immediate", silence_opened="digest")
    deadline = (utcnow() + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    silence.start_silence(world.user("secretariat"), world.document, deadline, "UTC")
    db.session.commit()
    rounds = mailer.run_scheduler(7, cycles=2, sleep=(slept := []).append)
    assert rounds == 2 and sum(slept) == 7 and max(slept) <= 1  # checks its parent each second
    [message] = smtp.to("jpn@example.org")
    assert "silence procedure on “Test Statement” ends within 24 hours" in parts(message)[0]
    assert db.session.execute(select(Notification).where(
        Notification.kind == "deadline_silence")).scalars().all()  # stored for everyone taking part
    assert "0 deadline reminder(s)" in runner.invoke(args=["tick"]).output  # once only


def test_the_scheduler_stops_when_its_parent_is_gone(app):
    assert mailer.run_scheduler(60, parent_pid=os.getpid(), sleep=pytest.fail) == 0


def test_send_mail_command_without_a_server_sends_nothing(runner, app):
    app.config["MAIL_SERVER"] = ""
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and "MAIL_SERVER is not set" in result.output


def test_a_row_locked_by_another_sender_is_skipped(world, smtp):
    """PostgreSQL: two senders at once — the second skips the row the first holds."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) exist on PostgreSQL only")
    choose(world, "aus", proposal_commented="immediate")
    p = amend(world, "aus")
    comments.add_comment(world.user("nz"), proposal=p, body="A question.")
    db.session.commit()
    [row] = queue()
    with db.engine.connect() as other:
        other.execute(text("SELECT id FROM outgoing_mail WHERE id = :id FOR UPDATE"),
                      {"id": row.id})
        assert mailer.send_due_mail().sent == 0  # held by the other sender: skipped, no wait
        other.rollback()
    assert mailer.send_due_mail().sent == 1 and len(smtp.messages) == 1
