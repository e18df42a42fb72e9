"""The workflow page, its forms, and the banners on the document page."""
from datetime import datetime, timedelta, timezone

import pytest

from drafting.domain.states import SilenceStatus, Stage
from drafting.extensions import db
from drafting.models import Document, SilenceProcedure
from drafting.models.types import utcnow
from drafting.services import silence, stages
from drafting.mailer import tick

from tests.factories import login

UTC = timezone.utc


def page(client, world, anchor=""):
    response = client.get(f"/documents/{world.document.id}/workflow")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def reload(world) -> Document:
    db.session.expire_all()
    return db.session.get(Document, world.document.id)


def start_running(world, minutes=90):
    """A procedure started an hour ago that ends `minutes` from now (the real clock)."""
    deadline = (utcnow() + timedelta(minutes=minutes)).astimezone(timezone(timedelta(hours=7)))
    procedure = silence.start_silence(world.user("secretariat"), world.document,
                                      deadline.replace(tzinfo=None, second=0, microsecond=0),
                                      "Asia/Bangkok", "Rev.2",
                                      now=utcnow() - timedelta(hours=1))
    db.session.commit()
    return procedure


def test_workflow_page_shows_the_track_with_text_and_secretariat_forms(client, world):
    login(client, "secretariat")
    html = page(client, world)
    assert "Stage 2 of 6" in html
    assert 'aria-current="step"' in html and "current stage" in html
    assert "passed" in html and "to come" in html
    assert "Record agreement by senior officials" in html
    assert 'action="/documents/%d/silence"' % world.document.id in html
    assert 'action="/documents/%d/rounds"' % world.document.id in html
    assert "Asia/Bangkok" in html and 'name="timezone_other"' in html
    assert 'name="csrf_token"' in html and "style=" not in html and "<script>" not in html


@pytest.mark.parametrize("username", ["aus", "observer"])
def test_others_see_no_secretariat_forms_and_are_refused_server_side(client, world, username):
    login(client, username)
    html = page(client, world)
    assert 'action="/documents/%d/stage"' % world.document.id not in html
    assert 'action="/documents/%d/rounds"' % world.document.id not in html
    assert "Only the secretariat moves the document" in html
    response = client.post(f"/documents/{world.document.id}/stage",
                           data={"to_stage": "agreed_by_senior_officials"})
    assert response.status_code == 403
    response = client.post(f"/documents/{world.document.id}/rounds",
                           data={"deadline": "2099-01-01T10:00", "timezone": "UTC"})
    assert response.status_code == 403
    assert reload(world).stage is Stage.NEGOTIATION


def test_stage_change_through_the_form(client, world):
    login(client, "secretariat")
    response = client.post(f"/documents/{world.document.id}/stage",
                           data={"to_stage": "agreed_by_senior_officials", "note": "SOM3"})
    assert response.status_code == 302 and response.location.endswith("/workflow#moves")
    assert reload(world).stage is Stage.AGREED_SOM
    html = client.get(response.location).get_data(as_text=True)
    assert "Stage changed to “Agreed by senior officials”." in html
    assert "SOM3" in html and "secretariat" in html
    # Reopening without a reason: the page comes back with the message and nothing changes.
    response = client.post(f"/documents/{world.document.id}/stage",
                           data={"to_stage": "negotiation", "note": ""})
    assert response.status_code == 422
    assert "note must not be empty" in response.get_data(as_text=True)
    # An illegal move is a 409 on the page, naming both stages.
    response = client.post(f"/documents/{world.document.id}/stage",
                           data={"to_stage": "endorsed_by_leaders"})
    assert response.status_code == 409
    assert "Cannot move from Agreed by senior officials to Endorsed by leaders" in \
        response.get_data(as_text=True)
    assert reload(world).stage is Stage.AGREED_SOM


def test_open_round_form_keeps_input_on_error_and_accepts_any_iana_zone(client, world):
    login(client, "secretariat")
    url = f"/documents/{world.document.id}/rounds"
    response = client.post(url, data={"deadline": "2099-05-20T18:00", "timezone": "UTC",
                                      "timezone_other": "Asia/Nowhere", "note": "Rev.2 inputs"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Unknown time zone" in html and "Rev.2 inputs" in html and "Asia/Nowhere" in html
    response = client.post(url, data={"deadline": "2099-05-20T18:00", "timezone": "UTC",
                                      "timezone_other": "Asia/Kolkata", "note": "Rev.2 inputs"})
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "20 May 2099, 18:00 Asia/Kolkata (UTC+05:30)" in html
    assert "● Open" in html


def test_freeze_and_unfreeze_through_the_page(client, world):
    login(client, "secretariat")
    url = f"/documents/{world.document.id}/freeze"
    clause = world.clauses[3]
    response = client.post(url, data={"clause_id": clause.id, "frozen": "1", "reason": ""})
    assert response.status_code == 422
    response = client.post(url, data={"clause_id": clause.id, "frozen": "1",
                                      "reason": "Agreed ad ref at SOM3", "confirmed": "1"})
    assert response.status_code == 302
    html = page(client, world)
    assert "OP2 is frozen" in html and "Agreed ad ref at SOM3" in html and "🔒 OP2" in html
    client.post(url, data={"clause_id": clause.id, "frozen": "0"})
    db.session.expire_all()
    assert db.session.get(type(clause), clause.id).frozen is False


def test_silence_start_break_and_banner(client, world):
    login(client, "secretariat")
    response = client.post(f"/documents/{world.document.id}/silence",
                           data={"deadline": "2099-06-10T17:00", "timezone": "Asia/Bangkok",
                                 "note": "Rev.3"})
    assert response.status_code == 302
    html = client.get(f"/documents/{world.document.id}").get_data(as_text=True)
    assert "Under silence procedure" in html
    assert "10 June 2099, 17:00 Asia/Bangkok (UTC+07:00)" in html and "days" in html and \
        "left" in html
    client.post("/logout")
    login(client, "nz")
    html = page(client, world)
    assert "Break silence for New Zealand" in html
    response = client.post(f"/documents/{world.document.id}/silence/break", data={"reason": ""})
    assert response.status_code == 422
    response = client.post(f"/documents/{world.document.id}/silence/break",
                           data={"reason": "OP2 needs another look by capital"})
    assert response.status_code == 302
    assert reload(world).stage is Stage.NEGOTIATION
    html = client.get(f"/documents/{world.document.id}").get_data(as_text=True)
    today = datetime.now(timezone(timedelta(hours=7))).strftime("%B %Y")
    assert "Silence broken by New Zealand on" in html and today in html
    assert "OP2 needs another look by capital" in html


def test_pages_show_an_expired_silence_adopted_and_the_tick_writes_it(client, world):
    procedure = start_running(world)
    # Move the deadline into the past, as if time had passed before the scheduler's tick.
    procedure.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login(client, "observer")
    html = client.get(f"/documents/{world.document.id}").get_data(as_text=True)
    assert "Adopted under silence procedure" in html
    assert "Stage 4 of 6" in html
    html = page(client, world)  # the workflow page: the adoption in the history already
    assert "<em>system</em>" in html and "with no economy breaking silence: adopted." in html
    # Reading wrote nothing: a GET never commits.
    db.session.expire_all()
    assert db.session.get(SilenceProcedure, procedure.id).status is SilenceStatus.RUNNING
    assert db.session.get(Document, world.document.id).stage is Stage.SILENCE
    assert tick()["silences_settled"] == 1
    db.session.expire_all()
    assert db.session.get(SilenceProcedure, procedure.id).status is SilenceStatus.ADOPTED
    assert db.session.get(Document, world.document.id).stage is Stage.AGREED_SOM
    # Written, the page says the same as it showed before.
    html = page(client, world)
    assert html.count("with no economy breaking silence: adopted.") == 1


def test_break_after_the_deadline_on_the_page_is_409_and_says_when(client, world):
    procedure = start_running(world)
    procedure.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login(client, "nz")
    response = client.post(f"/documents/{world.document.id}/silence/break",
                           data={"reason": "We object"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "silence ended at" in html and "Adopted under silence procedure" in html
    # The refused write changed nothing; the scheduler's tick writes the adoption.
    assert reload(world).stage is Stage.SILENCE
    tick()
    assert reload(world).stage is Stage.AGREED_SOM


def test_secretariat_withdraws_silence_from_the_page(client, world):
    start_running(world)
    login(client, "secretariat")
    assert "Withdraw the silence procedure" in page(client, world)
    response = client.post(f"/documents/{world.document.id}/silence/cancel",
                           data={"reason": "Wrong file circulated", "confirmed": "1"})
    assert response.status_code == 302
    html = client.get(f"/documents/{world.document.id}").get_data(as_text=True)
    assert "withdrawn by the secretariat" in html and "Wrong file circulated" in html


def test_endorsement_page_and_fingerprint_display(client, world):
    world.document.stage = Stage.ENDORSED_MINISTERS
    db.session.commit()
    login(client, "secretariat")
    assert "Endorse by leaders and freeze" in page(client, world)
    response = client.post(f"/documents/{world.document.id}/endorse",
                           data={"note": "AELM, Bangkok, 19 November 2022", "confirmed": "1"})
    assert response.status_code == 302
    document = reload(world)
    assert document.stage is Stage.ENDORSED_LEADERS
    html = page(client, world)
    assert document.fingerprint in html and "✓ Matches" in html
    assert "The document is final" in html
    assert 'action="/documents/%d/rounds"' % document.id not in html
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert document.fingerprint in html and "Endorsed by leaders and frozen" in html


def test_closed_round_banner_on_the_document_page(client, world, monkeypatch):
    from drafting.services import rounds

    rounds.open_round(world.user("secretariat"), world.document,
                      (utcnow() + timedelta(minutes=2)).replace(tzinfo=None, second=0,
                                                                 microsecond=0),
                      "UTC", now=utcnow() - timedelta(days=1))
    db.session.commit()
    login(client, "aus")
    html = client.get(f"/documents/{world.document.id}").get_data(as_text=True)
    assert "Submission round open" in html
    # The deadline passes (the banners' clock moves on; no audited change in between).
    later = utcnow() + timedelta(minutes=5)
    monkeypatch.setattr(stages, "utcnow", lambda: later)
    html = client.get(f"/documents/{world.document.id}").get_data(as_text=True)
    assert "Submission round closed on" in html and "remain open" in html


def test_workflow_link_on_the_document_page(client, world):
    login(client, "observer")
    html = client.get(f"/documents/{world.document.id}").get_data(as_text=True)
    assert f'href="/documents/{world.document.id}/workflow"' in html
    assert "Stage 2 of 6" in html
