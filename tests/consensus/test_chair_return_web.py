"""Returning paragraphs from a Chair's statement on the pages: a confirmation listing what
returns and where, the return only from it, the documents linked both ways."""
from sqlalchemy import update

from drafting.extensions import db
from drafting.models import Clause, Document
from drafting.services import chair_statement
from tests.factories import login
from tests.web.test_web_support import committed_rows, confirm, confirmation_form, page, text_of


def _move(world, *clauses):
    result = chair_statement.create_chair_statement(world.user("secretariat"), world.document,
                                                    [c.id for c in clauses])
    db.session.commit()
    return result


def _ask(client, chair, *clauses, note=""):
    return client.post(f"/documents/{chair.id}/return",
                       data={"clause_id": [str(c.id) for c in clauses], "note": note})


def test_the_matrix_offers_the_return_and_the_pages_link_each_other(client, world):
    moved = _move(world, world.clauses[1], world.clauses[2])
    chair = moved.document
    login(client, "secretariat")
    matrix = page(client.get(f"/documents/{chair.id}/consensus"))
    boxes = matrix.xpath("//input[@form='return-form']/@value")
    assert sorted(boxes) == sorted(str(m.clause.id) for m in moved.moved)
    assert matrix.xpath("//form[@id='return-form']/@action") == [f"/documents/{chair.id}/return"]
    assert [" ".join(t.split()) for t in matrix.xpath("//span[@class='muted formerly']/text()")] \
        == ["formerly PP2", "formerly OP1"]
    chair_page = client.get(f"/documents/{chair.id}")
    shown = text_of(chair_page)
    assert "Moved from 2022/TEST/1" in shown
    assert page(chair_page).xpath(f"//a[@href='/documents/{world.document.id}']")
    assert [" ".join(t.split()) for t in
            page(chair_page).xpath("//div[@class='clause-number']/span/text()")] == [
        "formerly PP2", "formerly OP1"]
    assert "Return paragraphs to the statement" in shown
    assert "Propose amendment" not in shown
    source_page = client.get(f"/documents/{world.document.id}")
    assert f"Chair's statement: {chair.symbol}" in text_of(source_page)
    assert page(source_page).xpath(f"//a[@href='/documents/{chair.id}']")
    # A delegate sees the links, not the form, and is not offered to propose on the Chair's text.
    client.post("/logout")
    login(client, "aus")
    assert not page(client.get(f"/documents/{chair.id}/consensus")).xpath("//form[@id='return-form']")
    assert "Propose amendment" not in text_of(client.get(f"/documents/{chair.id}"))
    assert client.get(f"/documents/{chair.id}/propose?action=amend&clause_id="
                      f"{moved.moved[0].clause.id}").status_code == 409


def test_confirm_then_return_lands_on_the_statement(client, world):
    pp1, pp2, op1, op2 = world.clauses
    moved = _move(world, pp2, op1)
    chair = moved.document
    chair_op1 = moved.moved[1].clause
    login(client, "secretariat")
    before = committed_rows()
    asked = _ask(client, chair, chair_op1, note="Agreed at SOM3")
    assert asked.status_code == 200
    assert committed_rows() == before
    shown = text_of(asked)
    assert "Return 1 paragraph to the statement?" in shown
    rows = page(asked).xpath("//table[contains(@class,'confirm-returning')]/tbody/tr")
    assert [" ".join(r.text_content().split()) for r in rows] == [
        "OP1 (formerly OP1) We will reduce emissions by 2030 and promote clean energy. "
        "returns as OP1, at the start of “Goal 1: Climate”"]
    action, fields = confirmation_form(asked)
    assert action == f"/documents/{chair.id}/return"
    assert ("clause_id", str(chair_op1.id)) in fields and ("note", "Agreed at SOM3") in fields
    done = confirm(client, asked)
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/documents/{world.document.id}")
    landed = text_of(client.get(done.headers["Location"]))
    assert "Returned to 2022/TEST/1 from the Chair's statement: OP1 (was OP1 in " in landed
    db.session.expire_all()
    assert db.session.get(Clause, op1.id).removed is False
    assert db.session.get(Clause, chair_op1.id).removed is True


def test_the_place_names_the_paragraph_it_follows(client, world):
    moved = _move(world, world.clauses[3])
    login(client, "secretariat")
    asked = _ask(client, moved.document, moved.moved[0].clause)
    assert "returns as OP2, after OP1" in text_of(asked)


def test_a_stale_confirmation_returns_nothing(client, world):
    moved = _move(world, world.clauses[2], world.clauses[3])
    chair = moved.document
    login(client, "secretariat")
    asked = _ask(client, chair, moved.moved[1].clause)
    assert "returns as OP1, at the start" in text_of(asked)  # OP1 is still in the Chair's
    # Meanwhile the other paragraph returns first: the place of this one changes (OP2 now).
    from drafting.services import chair_return
    chair_return.return_to_statement(world.user("secretariat"), chair, [moved.moved[0].clause.id])
    db.session.commit()
    before = committed_rows()
    response = confirm(client, asked)
    assert response.status_code == 409
    assert "nothing was returned" in text_of(response)
    assert "returns as OP2, after OP1" in text_of(response)
    assert committed_rows() == before


def test_refusals_on_the_page(client, world):
    moved = _move(world, world.clauses[2])
    login(client, "secretariat")
    before = committed_rows()
    assert _ask(client, moved.document).status_code == 422  # nothing ticked
    assert _ask(client, world.document, world.clauses[0]).status_code == 409  # not a Chair's
    assert committed_rows() == before
    client.post("/logout")
    login(client, "aus")
    before = committed_rows()  # the log-in itself is recorded
    assert _ask(client, moved.document, moved.moved[0].clause).status_code == 403
    assert committed_rows() == before


def test_a_frozen_statement_takes_nothing_back(client, world):
    moved = _move(world, world.clauses[2])
    db.session.execute(update(Document).where(Document.id == world.document.id)
                       .values(frozen_at=world.document.created_at))
    db.session.commit()
    login(client, "secretariat")
    assert _ask(client, moved.document, moved.moved[0].clause).status_code == 409


def test_the_secretariat_opens_the_chair_statement_for_comment_on_the_matrix(client, world):
    moved = _move(world, world.clauses[2])
    chair = moved.document
    login(client, "secretariat")
    matrix = page(client.get(f"/documents/{chair.id}/consensus"))
    assert matrix.xpath("//form[@id='comment-form']//button/text()") == ["Open for comment"]
    response = client.post(f"/documents/{chair.id}/open-for-comment", data={"open": "1"})
    assert response.status_code == 302
    assert "is open for comment" in text_of(client.get(response.headers["Location"]))
    client.post("/logout")
    login(client, "aus")
    shown = text_of(client.get(f"/documents/{chair.id}"))
    assert "Open for comment" in shown and "Propose amendment" in shown
    assert client.get(f"/documents/{chair.id}/propose?action=amend&clause_id="
                      f"{moved.moved[0].clause.id}").status_code == 200


def test_the_clause_page_names_where_the_paragraph_came_from(client, world):
    moved = _move(world, world.clauses[2])
    login(client, "aus")
    response = client.get(f"/clauses/{moved.moved[0].clause.id}")
    assert "Moved from 2022/TEST/1 OP1 (formerly OP1)" in text_of(response)
    assert page(response).xpath("//p[@class='moved-from']/a/@href") == [
        f"/clauses/{world.clauses[2].id}"]
    assert "Propose amendment" not in text_of(response)
