"""Wide or irreversible page actions ask first (drafting/web/confirming.py): a POST without
`confirmed` changes nothing and names the consequence with the real figures; the confirmation
page's own form acts. The same wording is in the page's data attributes for the dialog."""
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from drafting.domain.states import ProposalStatus, Stage
from drafting.extensions import db
from drafting.models import Clause, Document, Proposal, Revision
from drafting.models.types import utcnow
from drafting.services import editing, proposals as proposal_service, revisions, silence
from drafting.services.stages import document_fingerprint
from tests.factories import login
from tests.web.test_web_support import committed_rows, confirm, page, propose, text_of

AMENDED = "We will halve emissions by 2030 and promote clean energy."


def _fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def _asks(client, url, data, *phrases):
    """POST without `confirmed`: a confirmation page naming `phrases`, and nothing written."""
    before = committed_rows()
    response = client.post(url, data=data)
    assert response.status_code == 200, response.data[:600]
    shown = text_of(response)
    for phrase in phrases:
        assert phrase in shown, (phrase, shown)
    assert b'name="confirmed" value="1"' in response.data
    assert committed_rows() == before
    return response


def _dialog_text(html_page, form_id: str) -> str:
    """The wording the page puts on a form for the JavaScript dialog (all variants)."""
    form = html_page.get_element_by_id(form_id)
    parts = []
    for el in [form, *form.xpath(".//*[@data-confirm-variant]")]:
        parts += [el.get("data-confirm-title", ""), el.get("data-confirm", ""),
                  el.get("data-confirm-button", "")]
    return " ".join(" ".join(parts).split())


def test_issue_revision_names_changed_paragraphs_and_open_proposals(client, world):
    secretariat = world.user("secretariat")
    revisions.issue_revision(secretariat, world.document, "Rev.1")
    editing.edit_clause_text(secretariat, world.clauses[2], AMENDED, world.clauses[2].version)
    db.session.commit()
    propose(world, "aus", 3, "We encourage economies to cooperate closely on marine debris.")
    propose(world, "jpn", 1, "Recalling the Putrajaya Vision 2040 and the Bangkok Goals;")
    login(client, "secretariat")
    url = f"/documents/{world.document.id}/revisions"
    expected = ("Issue Rev.2?",
                "Issue Rev.2: 1 changed paragraph since Rev.1, 4 paragraphs in all.",
                "2 open proposals stay open and are negotiated against Rev.2 from now on.",
                "cannot be withdrawn")
    response = _asks(client, url, {"note": "After SOM3"}, *expected,
                     "Paragraph numbers stay as they are.")
    assert len(revisions.revisions_of(world.document)) == 1
    dialog = _dialog_text(page(client.get(url)), "issue-revision-form")
    assert expected[1] in dialog and "Paragraph numbers stay as they are." in dialog
    acted = confirm(client, response)
    assert acted.status_code == 302 and acted.headers["Location"].endswith("?rev=2")
    latest = revisions.latest_revision(world.document)
    assert latest.label == "Rev.2" and latest.note == "After SOM3" and not latest.renumbered


def test_issue_revision_refused_before_the_confirmation(client, world):
    login(client, "secretariat")
    response = client.post(f"/documents/{world.document.id}/revisions", data={"note": "x" * 2500})
    assert response.status_code == 422 and "too long" in text_of(response)
    assert b"confirm-form" not in response.data


def test_circulate_names_the_proposals_and_economies(client, world):
    world.document.circulate_immediately = False
    db.session.commit()
    first = propose(world, "aus", 2, AMENDED)
    second = propose(world, "jpn", 3, "We encourage economies to share best practices.")
    # Not numbered yet (circulation numbers them): named by economy and submission time.
    listed = "; ".join(f"{p.economy.code}, proposal of {p.created_at.day} "
                       f"{p.created_at:%b %H:%M} UTC" for p in (first, second))
    login(client, "secretariat")
    url = f"/documents/{world.document.id}/circulate"
    response = _asks(client, url, {"next": f"/documents/{world.document.id}/desk"},
                     "Circulate 2 proposals to all economies?",
                     f"2 proposals — {listed} — will be seen by every economy and observer, "
                     "and numbered in the order circulated.", "Circulation cannot be undone")
    assert page(response).xpath("//a[normalize-space()='Cancel']/@href") == \
        [f"/documents/{world.document.id}/desk"]
    desk = page(client.get(f"/documents/{world.document.id}/desk"))
    assert f"2 proposals — {listed} —" in _dialog_text(desk, "circulate-all-form")
    assert confirm(client, response).status_code == 302
    assert _fresh(Proposal, first.id).circulated_at is not None
    assert _fresh(Proposal, second.id).circulated_at is not None


def test_circulation_setting_asks_only_when_it_changes(client, world):
    world.document.circulate_immediately = False
    db.session.commit()
    propose(world, "aus", 2, AMENDED)
    login(client, "secretariat")
    url = f"/documents/{world.document.id}/circulation"
    response = _asks(client, url, {"mode": "immediate"},
                     "New proposals will reach every economy and observer as soon as they are "
                     "submitted.", "1 proposal already waiting is not circulated by this change.",
                     "You can switch this setting back at any time.")
    same = client.post(url, data={"mode": "on_circulation"})
    assert same.status_code == 302  # no change: nothing to confirm
    acted = confirm(client, response)
    assert acted.status_code == 302
    assert _fresh(Document, world.document.id).circulate_immediately is True
    assert "You can switch back at any time." in text_of(client.get(acted.headers["Location"]))


def test_freeze_names_the_clause_and_its_open_proposals(client, world):
    proposal = propose(world, "aus", 3, "We encourage economies to share best practices.")
    login(client, "secretariat")
    clause = world.clauses[3]
    url = f"/documents/{world.document.id}/freeze"
    response = _asks(client, url, {"clause_id": clause.id, "frozen": "1", "reason": "Ad ref"},
                     "Freeze OP2?", "will take no new proposals.",
                     "1 open proposal on it stays as it is.", "You can unfreeze it later")
    workflow = page(client.get(f"/documents/{world.document.id}/workflow"))
    assert "Freeze OP2? OP2 (“We encourage economies" in _dialog_text(workflow, "freeze-form")
    acted = confirm(client, response)
    assert acted.status_code == 302
    assert _fresh(Clause, clause.id).frozen is True
    assert _fresh(Proposal, proposal.id).status is ProposalStatus.OPEN
    # Opening it again is not confirmed: it only widens what is allowed.
    assert client.post(url, data={"clause_id": clause.id, "frozen": "0"}).status_code == 302
    assert _fresh(Clause, clause.id).frozen is False


def test_endorse_names_what_is_frozen_and_the_fingerprint(client, world):
    world.document.stage = Stage.ENDORSED_MINISTERS
    db.session.commit()
    login(client, "secretariat")
    fingerprint = document_fingerprint(world.document)
    url = f"/documents/{world.document.id}/endorse"
    response = _asks(client, url, {"note": "AELM"},
                     "Endorse by leaders and freeze the document?",
                     "4 paragraphs; 4 without consensus, 4 not marked agreed.",
                     "0 open proposals can no longer be decided.",
                     f"fingerprint {fingerprint[:16]}", "This cannot be undone.")
    workflow = page(client.get(f"/documents/{world.document.id}/workflow"))
    assert f"fingerprint {fingerprint[:16]}" in _dialog_text(workflow, "endorse-form")
    assert _fresh(Document, world.document.id).fingerprint is None
    assert confirm(client, response).status_code == 302
    document = _fresh(Document, world.document.id)
    assert document.stage is Stage.ENDORSED_LEADERS and document.fingerprint == fingerprint


def test_withdrawing_silence_names_the_deadline(client, world):
    deadline = (utcnow() + timedelta(minutes=90)).astimezone(timezone(timedelta(hours=7)))
    procedure = silence.start_silence(world.user("secretariat"), world.document,
                                      deadline.replace(tzinfo=None, second=0, microsecond=0),
                                      "Asia/Bangkok", "Final text")
    db.session.commit()
    login(client, "secretariat")
    url = f"/documents/{world.document.id}/silence/cancel"
    response = _asks(client, url, {"reason": "Wrong file"}, "Withdraw the silence procedure?",
                     "Asia/Bangkok", "ends now and the document returns to negotiation.",
                     "You can start a new silence procedure later.")
    assert _fresh(Document, world.document.id).stage is Stage.SILENCE
    assert confirm(client, response).status_code == 302
    assert _fresh(Document, world.document.id).stage is Stage.NEGOTIATION
    assert _fresh(type(procedure), procedure.id).reason == "Wrong file"


def test_withdrawing_silence_when_none_runs_is_refused_first(client, world):
    login(client, "secretariat")
    response = client.post(f"/documents/{world.document.id}/silence/cancel",
                           data={"reason": "Wrong file"})
    assert response.status_code == 409 and "No silence procedure is running" in text_of(response)


def test_withdrawing_a_proposal_names_its_cosponsors(client, world):
    proposal = propose(world, "aus", 2, AMENDED)
    proposal_service.cosponsor_proposal(world.user("nz"), proposal)
    db.session.commit()
    login(client, "aus")
    url = f"/proposals/{proposal.id}/withdraw"
    response = _asks(client, url, {}, f"Withdraw proposal #{proposal.number}?",
                     f"Proposal #{proposal.number} (amend OP1) will be closed as withdrawn, also for "
                     "its co-sponsors NZ.", "It cannot be reopened")
    shown = page(client.get(f"/proposals/{proposal.id}"))
    assert "also for its co-sponsors NZ" in _dialog_text(shown, "withdraw-form")
    assert confirm(client, response).status_code == 302
    assert _fresh(Proposal, proposal.id).status is ProposalStatus.WITHDRAWN


@pytest.mark.parametrize("path", ["/documents/{doc}/revisions", "/documents/{doc}/endorse"])
def test_delegates_are_refused_before_any_confirmation(client, world, path):
    login(client, "aus")
    before = committed_rows()
    response = client.post(path.format(doc=world.document.id), data={"note": "x"})
    assert response.status_code == 403 and b"confirm-form" not in response.data
    assert committed_rows() == before
    assert db.session.execute(select(Revision)).first() is None
