"""Moving paragraphs to the Chair's statement: a confirmation page first, the move only from it,
and never on a confirmation given for another state of the document."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from drafting.domain.errors import Conflict
from drafting.domain.states import ClauseStatus
from drafting.extensions import db
from drafting.models import ClauseVersion, Document, Position
from drafting.models.types import utcnow
from drafting.services import chair_statement, positions
from tests.factories import login
from tests.web.test_web_support import (committed_rows, confirm, confirmation_form, page,
                                        text_of)


def _settled_hours_ago(hours: int = 3) -> None:
    """The set-up's texts and positions were recorded a while ago, not just now."""
    past = utcnow() - timedelta(hours=hours)
    db.session.execute(update(ClauseVersion).values(created_at=past))
    db.session.execute(update(Position).values(updated_at=past))
    db.session.commit()


def _chair_statements() -> list[Document]:
    return list(db.session.execute(
        select(Document).where(Document.kind == "chair_statement")).scalars())


def _ask(client, world, *clauses, note=""):
    return client.post(f"/documents/{world.document.id}/chair-statement",
                       data={"clause_id": [str(c.id) for c in clauses], "note": note})


def test_the_first_post_only_lists_what_would_move(client, world, stand):
    op1, op2 = world.clauses[2], world.clauses[3]
    stand(op1, AUS="support", NZ=("objection", "Too weak on coal"))
    op2.status = ClauseStatus.AGREED_AD_REF
    db.session.commit()
    _settled_hours_ago()
    login(client, "secretariat")
    before = committed_rows()
    response = _ask(client, world, op2, op1, note="No consensus at SOM3")
    assert response.status_code == 200
    assert committed_rows() == before and _chair_statements() == []
    shown = text_of(response)
    assert "Move 2 paragraphs to the Chair's statement?" in shown
    assert "A new Chair's statement is created for them" in shown
    rows = page(response).xpath("//table[contains(@class,'confirm-moving')]/tbody/tr")
    assert [r.xpath("string(th)").strip() for r in rows] == ["OP1", "OP2"]  # document order
    op1_row, op2_row = (" ".join(r.text_content().split()) for r in rows)
    assert "We will reduce emissions by 2030 and promote clean energy." in op1_row
    assert "AUS: Support" in op1_row and "NZ: Objection — Too weak on coal" in op1_row
    assert "Open" in op1_row and "⚠" not in op1_row
    assert "Agreed ad ref" in op2_row and "None" in op2_row
    assert "⚠ No economy has recorded a position on it." in op2_row
    assert "⚠ It is marked agreed ad ref." in op2_row
    assert "1 of the 2 paragraphs needs a second look" in shown
    # What the statement looks like afterwards: the paragraphs that stay, numbered anew.
    remaining = [" ".join(li.text_content().split())
                 for li in page(response).xpath("//ol[@class='remaining-paragraphs']/li")]
    assert remaining == ["PP1 Recognising that climate change poses serious risks to the region;",
                         "PP2 Recalling the Putrajaya Vision 2040;"]
    action, fields = confirmation_form(response)
    assert action == f"/documents/{world.document.id}/chair-statement"
    assert sorted(v for k, v in fields if k == "clause_id") == sorted([str(op1.id), str(op2.id)])
    assert ("note", "No consensus at SOM3") in fields
    assert [k for k, _ in fields].count("selection_token") == 1
    buttons = page(response).xpath("//form[contains(@class,'confirm-form')]//button")
    assert [b.text_content().strip() for b in buttons] == ["Move 2 paragraphs"]
    assert page(response).xpath("//a[normalize-space()='Cancel']/@href") == \
        [f"/documents/{world.document.id}/consensus"]


def test_confirming_moves_and_links_to_the_chair_statement(client, world):
    _settled_hours_ago()
    login(client, "secretariat")
    asked = _ask(client, world, world.clauses[3])
    response = confirm(client, asked)
    assert response.status_code == 302
    [chair] = _chair_statements()
    assert response.headers["Location"].endswith(f"/documents/{chair.id}")
    shown = text_of(client.get(response.headers["Location"]))
    assert f"Chair's statement {chair.symbol} created: OP2 moved from 2022/TEST/1." in shown
    matrix = page(client.get(f"/documents/{world.document.id}/consensus"))
    assert matrix.xpath(f"//a[@href='/documents/{chair.id}']")
    # The next confirmation names the Chair's statement the paragraphs join.
    again = _ask(client, world, world.clauses[2])
    assert f"added to the existing Chair's statement {chair.symbol}" in text_of(again)


def test_paragraphs_that_stay_show_their_numbers_after_the_move(client, world):
    _settled_hours_ago()
    login(client, "secretariat")
    response = _ask(client, world, world.clauses[2])
    remaining = [" ".join(li.text_content().split())
                 for li in page(response).xpath("//ol[@class='remaining-paragraphs']/li")]
    assert remaining[-1] == ("OP1 (now OP2) We encourage economies to cooperate on marine "
                             "debris and share best practices.")


def test_recent_changes_are_flagged(client, world):
    # The world's clauses were written just now: each is "changed in the last hour".
    login(client, "secretariat")
    response = _ask(client, world, world.clauses[2])
    assert "⚠ Its text, status or positions changed in the last hour." in text_of(response)


def test_a_stale_confirmation_is_refused_and_shown_again(client, world, delegates):
    _settled_hours_ago()
    login(client, "secretariat")
    op1 = world.clauses[2]
    asked = _ask(client, world, op1)
    # Meanwhile Japan records a position on the paragraph about to move.
    positions.set_position(delegates["JPN"], op1, "reservation", "Awaiting capital")
    db.session.commit()
    before = committed_rows()
    refused = confirm(client, asked)
    assert refused.status_code == 409
    assert committed_rows() == before and _chair_statements() == []
    shown = text_of(refused)
    assert "The document changed after this confirmation was shown: nothing was moved." in shown
    assert "JPN: Reservation — Awaiting capital" in shown
    # The page shown again carries the current state: confirming it moves.
    assert confirm(client, refused).status_code == 302
    assert len(_chair_statements()) == 1


def test_confirmed_without_the_token_of_a_confirmation_moves_nothing(client, world):
    _settled_hours_ago()
    login(client, "secretariat")
    before = committed_rows()
    for token in (None, "0" * 32):
        data = {"clause_id": [str(world.clauses[3].id)], "confirmed": "1"}
        if token:
            data["selection_token"] = token
        response = client.post(f"/documents/{world.document.id}/chair-statement", data=data)
        assert response.status_code == 409 and "nothing was moved" in text_of(response)
    assert committed_rows() == before and _chair_statements() == []


def test_a_wrong_selection_is_refused_before_any_confirmation(client, world, all_agree):
    all_agree(world.clauses[0])
    db.session.commit()
    login(client, "secretariat")
    response = _ask(client, world, world.clauses[0])
    assert response.status_code == 422 and "PP1 has consensus" in text_of(response)
    assert b"confirm-form" not in response.data


def test_the_service_checks_the_token_under_the_document_lock(world):
    secretariat = world.user("secretariat")
    clause_ids = [world.clauses[3].id]
    token = chair_statement.preview_chair_statement(secretariat, world.document, clause_ids).token
    with pytest.raises(Conflict) as refused:
        chair_statement.create_chair_statement(secretariat, world.document, clause_ids,
                                               expected_token="not-" + token)
    assert refused.value.code == chair_statement.STALE_CONFIRMATION
    db.session.rollback()
    result = chair_statement.create_chair_statement(secretariat, world.document, clause_ids,
                                                    expected_token=token)
    assert [m.source_number for m in result.moved] == ["OP2"]
