"""Pages and forms: the consensus matrix, the positions panel, status, options, Chair's statement."""
import pytest
from sqlalchemy import select

from drafting.domain.states import ClauseStatus, ProposalStatus, Stance
from drafting.extensions import db
from drafting.models import Clause, Document, Economy, Position, Proposal, User
from drafting.services import options, positions, proposals
from tests.factories import login
from tests.web.test_web_support import (committed_count, committed_rows, confirm,
                                        isolated_requests, page, text_of)

_ = isolated_requests
BASE = "We will reduce emissions by 2030 and promote clean energy."



def matrix_rows(response):
    return page(response).xpath("//table[contains(@class,'matrix')]/tbody/tr")


def test_matrix_has_21_economy_columns_in_apec_order_with_symbols(client, demo):
    document = db.session.execute(select(Document)).scalars().first()
    clause_ids = list(db.session.execute(
        select(Clause.id).where(Clause.document_id == document.id).order_by(Clause.position))
        .scalars())

    def user(name):
        return db.session.execute(select(User).where(User.username == name)).scalar_one()

    positions.set_position(user("aus"), db.session.get(Clause, clause_ids[2]), "support")
    positions.set_position(user("nz"), db.session.get(Clause, clause_ids[2]), "objection",
                           "Needs a reference to oceans.")
    positions.set_position(user("vn"), db.session.get(Clause, clause_ids[2]), "reservation",
                           "Checking with capital.")
    positions.set_position(user("jpn"), db.session.get(Clause, clause_ids[2]), "can_accept")
    db.session.commit()
    login(client, "observer")
    response = client.get(f"/documents/{document.id}/consensus")
    assert response.status_code == 200
    tree = page(response)
    headers = tree.xpath("//table[contains(@class,'matrix')]/thead/tr/th")
    abbrs = tree.xpath("//table[contains(@class,'matrix')]/thead//abbr")
    codes = [a.text for a in abbrs]
    expected = list(db.session.execute(select(Economy.code).order_by(Economy.sort_order))
                    .scalars())
    assert len(codes) == 21 and codes == expected
    assert abbrs[0].get("title") == "Australia"
    assert all(th.get("scope") == "col" for th in headers)
    rows = matrix_rows(response)
    assert len(rows) == 28
    first = rows[2]  # PP3: the demo records no position on it
    assert first.xpath("./th[@scope='row']//a/text()")[0] == "PP3"
    cells = first.xpath("./td[contains(@class,'cell')]")
    assert len(cells) == 21
    by_code = dict(zip(codes, cells))
    # Colour class, symbol and words for screen readers: never colour alone.
    assert "stance-support" in by_code["AUS"].get("class")
    assert "✓" in by_code["AUS"].text_content() and "AUS: Support" in by_code["AUS"].text_content()
    assert "✗" in by_code["NZ"].text_content() and "Objection" in by_code["NZ"].text_content()
    assert "Needs a reference to oceans." in by_code["NZ"].get("title")
    assert "◐" in by_code["VN"].text_content() and "○" in by_code["JPN"].text_content()
    assert "no position" in by_code["CDA"].text_content()
    counts = " ".join(first.xpath("./td[@class='counts']")[0].text_content().split())
    assert "Support: 1" in counts and "Objection: 1" in counts and "No position: 17" in counts
    legend = text_of(response)
    assert all(s.label in legend for s in Stance)
    # Observers read the matrix but get no Chair's statement form.
    assert b"chair-statement-form" not in response.data


def test_matrix_filter_without_consensus(client, world, all_agree):
    all_agree(world.clauses[0])
    all_agree(world.clauses[3], "can_accept")
    db.session.commit()
    login(client, "aus")
    everything = client.get(f"/documents/{world.document.id}/consensus")
    assert len(matrix_rows(everything)) == 4
    assert "2 of 4 paragraphs have consensus" in text_of(everything)
    filtered = client.get(f"/documents/{world.document.id}/consensus?filter=without_consensus")
    numbers = [r.xpath("./th//a/text()")[0] for r in matrix_rows(filtered)]
    assert numbers == ["PP2", "OP1"]
    assert client.get(f"/documents/{world.document.id}/consensus?filter=bogus").status_code \
        == 400
    # The document page links to the matrix, in its navigation.
    assert f'href="/documents/{world.document.id}/consensus"'.encode() in \
        client.get(f"/documents/{world.document.id}").data


def test_delegate_sets_own_position_from_the_clause_page(client, world):
    clause = world.clauses[2]
    login(client, "aus")
    response = client.get(f"/clauses/{clause.id}")
    assert b"Save position" in response.data and b"Position of Australia (AUS)" in response.data
    response = client.post(f"/clauses/{clause.id}/position",
                           data={"stance": "objection", "text": "2030 is too early."})
    assert response.status_code == 302
    position = db.session.execute(select(Position)).scalar_one()
    assert position.economy.code == "AUS" and position.stance is Stance.OBJECTION
    shown = text_of(client.get(f"/clauses/{clause.id}"))
    assert "✗ Objection" in shown and "2030 is too early." in shown
    assert "reservation or objection from AUS" in shown


def test_position_form_keeps_the_typed_text_on_error(client, world):
    clause = world.clauses[2]
    login(client, "nz")
    before = committed_rows(("positions", "audit_events"))
    response = client.post(f"/clauses/{clause.id}/position",
                           data={"stance": "reservation", "text": "  "})
    assert response.status_code == 422
    assert "text must not be empty" in text_of(response)
    assert page(response).xpath("//input[@value='reservation']/@checked")
    assert committed_rows(("positions", "audit_events")) == before


def test_form_cannot_name_another_economy(client, world):
    """A forged "economy" field is ignored: the position is always the actor's own."""
    login(client, "aus")
    client.post(f"/clauses/{world.clauses[0].id}/position",
                data={"stance": "support", "economy": "NZ", "economy_id":
                      str(world.economies["NZ"].id)})
    assert [p.economy.code for p in db.session.execute(select(Position)).scalars()] == ["AUS"]


@pytest.mark.parametrize("username", ["secretariat", "observer", "admin"])
def test_non_delegates_cannot_set_positions(client, world, username):
    login(client, username)
    response = client.post(f"/clauses/{world.clauses[0].id}/position", data={"stance": "support"})
    assert response.status_code == 403 and committed_count("positions") == 0
    assert b"Save position" not in client.get(f"/clauses/{world.clauses[0].id}").data


def test_clear_position(client, world):
    positions.set_position(world.user("jpn"), world.clauses[1], "support")
    db.session.commit()
    login(client, "jpn")
    assert b"Clear my economy" in client.get(f"/clauses/{world.clauses[1].id}").data
    response = client.post(f"/clauses/{world.clauses[1].id}/position", data={"intent": "clear"})
    assert response.status_code == 302 and committed_count("positions") == 0


def test_secretariat_changes_status_with_exceptions(client, world, stand):
    clause = world.clauses[2]
    stand(clause, NZ=("objection", "Too early"))
    db.session.commit()
    login(client, "secretariat")
    assert b"Change the status of this paragraph" in client.get(f"/clauses/{clause.id}").data
    refused = client.post(f"/clauses/{clause.id}/status",
                          data={"status": "agreed", "reason": "Gavelled"})
    assert refused.status_code == 409
    assert "NZ (objection)" in text_of(refused)
    assert page(refused).xpath("//input[@name='reason']/@value") == ["Gavelled"]
    response = client.post(f"/clauses/{clause.id}/status",
                           data={"status": "agreed", "reason": "Gavelled", "excepted": ["NZ"]})
    assert response.status_code == 302
    db.session.refresh(clause)
    assert clause.status is ClauseStatus.AGREED and clause.excepted_economies == "NZ"
    shown = text_of(client.get(f"/documents/{world.document.id}"))
    assert "Agreed except NZ" in shown
    clause_page = text_of(client.get(f"/clauses/{clause.id}"))
    assert "Status history" in clause_page and "Reason: Gavelled" in clause_page


def test_delegates_cannot_change_status(client, world):
    login(client, "aus")
    assert b"Change the status" not in client.get(f"/clauses/{world.clauses[0].id}").data
    response = client.post(f"/clauses/{world.clauses[0].id}/status",
                           data={"status": "agreed", "reason": "x"})
    assert response.status_code == 403 and committed_count("clause_status_changes") == 0


def test_keep_as_option_and_choose_from_the_desk(client, world):
    clause = world.clauses[2]
    aus = proposals.submit_proposal(world.user("aus"), world.document, "amend", clause=clause,
                                    text=BASE.replace("reduce", "halve"))
    nz = proposals.submit_proposal(world.user("nz"), world.document, "amend", clause=clause,
                                   text=BASE.replace("clean", "renewable"))
    db.session.commit()
    login(client, "secretariat")
    desk = client.get(f"/documents/{world.document.id}/desk")
    assert desk.data.count(b"Keep as option</button>") == 2
    for p in (aus, nz):
        response = client.post(f"/proposals/{p.id}/keep-as-option", data={"note": "Both"})
        assert response.status_code == 302
    desk = client.get(f"/documents/{world.document.id}/desk")
    block = page(desk).xpath(f"//div[@id='options-{clause.id}']")
    assert block, "options block missing from the desk"
    assert len(block[0].xpath(".//button[@name='proposal_id']")) == 3
    assert "Choose this option" in block[0].text_content()
    shown = text_of(client.get(f"/documents/{world.document.id}"))
    assert "Option 2 [AUS:" in shown and "Option 3 [NZ:" in shown
    stale = client.post(f"/clauses/{clause.id}/choose-option",
                        data={"proposal_id": str(nz.id), "expected_version": "0"})
    assert stale.status_code == 409
    response = client.post(f"/clauses/{clause.id}/choose-option",
                           data={"proposal_id": str(nz.id), "expected_version": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, nz.id).status is ProposalStatus.ACCEPTED
    assert db.session.get(Proposal, aus.id).status is ProposalStatus.REJECTED
    assert db.session.get(Clause, clause.id).text == BASE.replace("clean", "renewable")


def test_options_only_clause_still_on_the_desk(client, world):
    p = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                  clause=world.clauses[0], text="Recognising the risks;")
    options.keep_as_option(world.user("secretariat"), p)
    db.session.commit()
    login(client, "secretariat")
    desk = client.get(f"/documents/{world.document.id}/desk")
    assert page(desk).xpath(f"//div[@id='options-{world.clauses[0].id}']")
    response = client.post(f"/clauses/{world.clauses[0].id}/choose-option",
                           data={"proposal_id": "current", "expected_version": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).status is ProposalStatus.REJECTED


def test_delegate_cannot_keep_options(client, world):
    p = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                  clause=world.clauses[0], text="Recognising the risks;")
    db.session.commit()
    login(client, "nz")
    assert client.post(f"/proposals/{p.id}/keep-as-option").status_code == 403
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).status is ProposalStatus.OPEN


def test_chair_statement_button(client, world, all_agree):
    all_agree(world.clauses[0])
    db.session.commit()
    login(client, "secretariat")
    matrix = client.get(f"/documents/{world.document.id}/consensus")
    form = page(matrix).xpath("//form[@id='chair-statement-form']")
    assert form and form[0].xpath(".//input[@name='csrf_token']")
    # Only paragraphs without consensus can be ticked.
    assert len(page(matrix).xpath("//input[@form='chair-statement-form']")) == 3
    asked = client.post(f"/documents/{world.document.id}/chair-statement",
                        data={"clause_id": [str(world.clauses[3].id)], "note": "OP2 only"})
    assert asked.status_code == 200 and "Move 1 paragraph to the Chair's statement?" in \
        text_of(asked)
    assert db.session.execute(select(Document).where(Document.kind == "chair_statement")) \
        .scalar() is None
    response = confirm(client, asked)
    assert response.status_code == 302
    chair = db.session.execute(select(Document).where(Document.kind == "chair_statement")) \
        .scalar_one()
    assert response.headers["Location"].endswith(f"/documents/{chair.id}")
    shown = text_of(client.get(f"/documents/{chair.id}"))
    assert "Chair's Statement — Test Statement" in shown
    assert world.clauses[3].versions[0].text in shown
    history = text_of(client.get(f"/clauses/{world.clauses[3].id}"))
    assert "Moved to the Chair's statement" in history
    # Asking for an agreed paragraph is refused with a clear message.
    refused = client.post(f"/documents/{world.document.id}/chair-statement",
                          data={"clause_id": [str(world.clauses[0].id)]})
    assert refused.status_code == 422 and "PP1 has consensus" in text_of(refused)


def test_chair_statement_form_needs_a_ticked_paragraph(client, world):
    """Nothing is ticked when the page opens, and sending the form so moves nothing."""
    db.session.commit()
    login(client, "secretariat")
    matrix = page(client.get(f"/documents/{world.document.id}/consensus"))
    boxes = matrix.xpath("//input[@form='chair-statement-form'][@type='checkbox']")
    assert len(boxes) == 4 and not [b for b in boxes if b.checked]
    before = committed_rows()
    for data in ({"note": "All of them?"}, {"clause_id": [], "note": ""}):
        refused = client.post(f"/documents/{world.document.id}/chair-statement", data=data)
        assert refused.status_code == 422
        assert "Select at least one paragraph" in text_of(refused)
        assert "nothing was moved" in text_of(refused)
    assert committed_rows() == before
    assert committed_count("documents") == 1


def test_delegate_has_no_chair_statement_form(client, world):
    login(client, "aus")
    assert b"chair-statement-form" not in \
        client.get(f"/documents/{world.document.id}/consensus").data
    response = client.post(f"/documents/{world.document.id}/chair-statement", data={})
    assert response.status_code == 403
    assert db.session.execute(select(Document).where(Document.kind == "chair_statement")) \
        .scalar() is None


def test_standalone_position_and_status_pages(client, world, stand):
    clause = world.clauses[2]
    stand(clause, JPN=("reservation", "Awaiting capital"))
    db.session.commit()
    login(client, "aus")
    response = client.get(f"/clauses/{clause.id}/position")
    assert response.status_code == 200 and b"Save position" in response.data
    assert client.get(f"/clauses/{clause.id}/status").status_code == 403
    client.post("/logout")
    login(client, "secretariat")
    assert client.get(f"/clauses/{clause.id}/position").status_code == 403
    response = client.get(f"/clauses/{clause.id}/status")
    assert response.status_code == 200
    shown = text_of(response)
    assert "Japan (JPN)" in shown and "Awaiting capital" in shown
    assert len(page(response).xpath("//input[@name='excepted']")) == 4
