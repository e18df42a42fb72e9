"""Confidentiality through the pages: what each economy's browser can and cannot reach."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from drafting.domain.states import ProposalStatus
from drafting.extensions import db
from drafting.models import Comment, Proposal
from tests.confidentiality.conftest import OP1
from tests.factories import login

SECRETS = ("CONFIDENTIAL-AUS-DRAFT", "NZ-SECRET", "UNCIRCULATED-AUS")


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_nz_never_sees_australias_draft_or_uncirculated_proposal(client, scene):
    login(client, "nz")
    doc = f"/documents/{scene.world.document.id}"
    for url in (doc, doc + "?view=changes", f"/clauses/{scene.op1.id}"):
        html = page(client, url)
        assert "CONFIDENTIAL-AUS-DRAFT" not in html and "UNCIRCULATED-AUS" not in html, url
    assert "PUBLIC-JPN" in page(client, doc + "?view=changes")
    # Counts on the document page: JPN's proposal only.
    assert "1 open proposal<" in page(client, doc)
    assert "NZ-SECRET" in page(client, f"/clauses/{scene.op1.id}")  # its own draft
    for proposal in (scene.aus_draft, scene.aus_open):
        body = page(client, f"/proposals/{proposal.id}", 404)
        assert f"No proposal with id {proposal.id}." in body
        # Not even the actions on it reveal that it exists.
        assert client.post(f"/proposals/{proposal.id}/cosponsor").status_code == 404
        assert client.get(f"/proposals/{proposal.id}/revise").status_code == 404


def test_own_economy_sees_its_draft_with_a_banner(client, scene):
    login(client, "aus2")
    html = page(client, f"/proposals/{scene.aus_draft.id}")
    assert "Draft — not submitted" in html and "Submit this draft" in html
    assert "Delete draft" in html and "Discussion of this proposal" not in html
    html = page(client, f"/proposals/{scene.aus_open.id}")
    assert "Not yet circulated" in html
    assert "2 open proposals" in page(client, f"/documents/{scene.world.document.id}")


def test_secretariat_sees_submitted_proposals_on_the_desk_but_no_drafts(client, scene):
    login(client, "secretariat")
    html = page(client, f"/documents/{scene.world.document.id}/desk")
    assert "UNCIRCULATED-AUS" in html and "PUBLIC-JPN" in html
    assert "CONFIDENTIAL-AUS-DRAFT" not in html and "NZ-SECRET" not in html
    assert 'Circulate<span class="visually-hidden"> AUS proposal of ' in html and "Circulate every waiting proposal (1)" in html
    page(client, f"/proposals/{scene.aus_draft.id}", 404)
    page(client, f"/proposals/{scene.aus_open.id}")


def test_observer_sees_only_what_was_circulated(client, scene):
    login(client, "observer")
    html = page(client, f"/documents/{scene.world.document.id}?view=changes")
    assert not any(s in html for s in SECRETS) and "PUBLIC-JPN" in html
    page(client, f"/proposals/{scene.aus_open.id}", 404)


def test_circulating_from_the_desk_opens_the_proposal_to_everyone(client, scene):
    login(client, "nz")
    page(client, f"/proposals/{scene.aus_open.id}", 404)
    client.post("/logout")
    login(client, "secretariat")
    response = client.post(f"/documents/{scene.world.document.id}/circulate",
                           data={"proposal_id": str(scene.aus_open.id), "confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, scene.aus_open.id).circulated_at is not None
    client.post("/logout")
    login(client, "nz")
    assert "UNCIRCULATED-AUS" in page(client, f"/proposals/{scene.aus_open.id}")


def test_delegates_cannot_circulate_or_switch_the_setting(client, scene):
    login(client, "aus")
    doc = scene.world.document.id
    assert client.post(f"/documents/{doc}/circulate").status_code == 403
    assert client.post(f"/documents/{doc}/circulation",
                       data={"mode": "immediate"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Proposal, scene.aus_open.id).circulated_at is None


def test_secretariat_switches_circulation_on_the_desk(client, scene):
    login(client, "secretariat")
    doc = scene.world.document
    response = client.post(f"/documents/{doc.id}/circulation",
                           data={"mode": "immediate", "confirmed": "1"}, follow_redirects=True)
    assert "as soon as they are submitted" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(doc), doc.id).circulate_immediately is True


def test_save_as_draft_then_submit_from_the_drafts_page(client, scene):
    login(client, "jpn")
    doc = scene.world.document.id
    form = {"action": "amend", "clause_id": str(scene.world.clauses[0].id),
            "text": "Recognising that climate change poses grave risks to the region;",
            "rationale": "stronger", "intent": "draft"}
    response = client.post(f"/documents/{doc}/proposals", data=form)
    assert response.status_code == 302
    draft = db.session.execute(select(Proposal).where(
        Proposal.status == ProposalStatus.DRAFT, Proposal.economy_id ==
        scene.world.economies["JPN"].id)).scalar_one()
    html = page(client, "/drafts")
    assert f"Submit {draft.name}" in html and "grave" in html
    assert "CONFIDENTIAL-AUS-DRAFT" not in html and "NZ-SECRET" not in html
    response = client.post(f"/documents/{doc}/drafts/submit",
                           data={"proposal_id": [str(draft.id)]}, follow_redirects=True)
    assert "Submitted 1 proposal" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, draft.id).status is ProposalStatus.OPEN


def test_drafts_page_batch_is_all_or_nothing(client, scene):
    login(client, "aus")
    world = scene.world
    world.clauses[0].frozen = True
    db.session.commit()
    client.post(f"/documents/{world.document.id}/proposals",
                data={"action": "delete", "clause_id": str(world.clauses[0].id),
                      "intent": "draft"})
    frozen_draft = db.session.execute(select(Proposal).where(
        Proposal.clause_id == world.clauses[0].id)).scalar_one()
    response = client.post(f"/documents/{world.document.id}/drafts/submit",
                           data={"proposal_id": [str(scene.aus_draft.id), str(frozen_draft.id)]},
                           follow_redirects=True)
    assert "Nothing was submitted" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, scene.aus_draft.id).status is ProposalStatus.DRAFT
    assert db.session.get(Proposal, frozen_draft.id).status is ProposalStatus.DRAFT


def test_other_economy_cannot_submit_edit_or_delete_my_draft(client, scene):
    login(client, "nz")
    doc = scene.world.document.id
    draft = scene.aus_draft.id
    assert client.post(f"/documents/{doc}/drafts/submit",
                       data={"proposal_id": str(draft)}).status_code == 404
    assert client.get(f"/proposals/{draft}/edit-draft").status_code == 404
    assert client.post(f"/proposals/{draft}/delete-draft").status_code == 404
    db.session.expire_all()
    assert db.session.get(Proposal, draft).status is ProposalStatus.DRAFT


def test_edit_and_delete_a_draft(client, scene):
    login(client, "aus")
    draft = scene.aus_draft.id
    assert "Save draft" in page(client, f"/proposals/{draft}/edit-draft")
    new_text = OP1.replace("clean", "affordable")
    response = client.post(f"/proposals/{draft}/edit-draft",
                           data={"text": new_text, "rationale": "cheaper"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, draft).text == new_text
    assert client.post(f"/proposals/{draft}/delete-draft").status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, draft) is None


def test_comment_on_an_invisible_proposal_is_404_and_not_stored(client, scene):
    login(client, "nz")
    before = db.session.execute(select(func.count(Comment.id))).scalar()
    response = client.post("/comments", data={"proposal_id": str(scene.aus_open.id),
                                               "body": "I should not be able to"})
    assert response.status_code == 404
    assert db.session.execute(select(func.count(Comment.id))).scalar() == before


@pytest.mark.parametrize("username", ["nz", "observer"])
def test_comment_urls_on_invisible_proposals_are_404(client, scene, username):
    from drafting.services import comments
    note = comments.add_comment(scene.world.user("aus"), proposal=scene.aus_open, body="mine")
    db.session.commit()
    login(client, username)
    assert client.post(f"/comments/{note.id}/resolve").status_code == 404
