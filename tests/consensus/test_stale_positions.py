"""Positions follow the text: the version a position was given on, stale positions, the
verdict column, and the request to review (issue 16, item 7)."""
import re

import pytest
from sqlalchemy import select

from drafting.domain.consensus import Verdict, assess
from drafting.domain.states import Stance
from drafting.extensions import db
from drafting.models import AuditEvent, Notification, Position
from drafting.services import decisions, editing, positions, proposals, screen
from drafting.services.visibility import event_data
from tests.factories import login

OP1 = "We will reduce emissions by 2030 and promote clean energy."
CODES = ["AUS", "NZ", "JPN", "THA"]
S, C, R, O = Stance.SUPPORT, Stance.CAN_ACCEPT, Stance.RESERVATION, Stance.OBJECTION


# --- the rule (domain) ----------------------------------------------------------------------

@pytest.mark.parametrize("stances, stale, consensus, verdict", [
    ({"AUS": S, "NZ": C, "JPN": S, "THA": S}, [], True, Verdict.CONSENSUS),
    ({"AUS": S, "NZ": C, "JPN": S, "THA": S}, ["NZ"], False, Verdict.TO_REVIEW),
    ({"AUS": S, "NZ": O, "JPN": S, "THA": S}, [], False, Verdict.BLOCKED),
    # An objection stands until it is withdrawn, even on an older text.
    ({"AUS": S, "NZ": O, "JPN": S, "THA": S}, ["NZ"], False, Verdict.BLOCKED),
    ({"AUS": S, "NZ": R}, [], False, Verdict.BLOCKED),  # blocked before "not canvassed"
    ({"AUS": S}, ["AUS"], False, Verdict.NOT_CANVASSED),
    ({}, [], False, Verdict.NOT_CANVASSED),
])
def test_the_verdict_rules_table(stances, stale, consensus, verdict):
    report = assess(CODES, stances, stale=stale)
    assert (report.consensus, report.verdict) == (consensus, verdict)
    assert report.stale == tuple(c for c in CODES if c in stale and c in stances)


def test_stale_codes_without_a_position_or_outside_the_economies_are_ignored():
    report = assess(["AUS"], {"AUS": S, "USA": S}, stale=["USA", "NZ"])
    assert report.consensus and report.stale == ()
    assert {v.value: v.label for v in Verdict} == {
        "consensus": "Consensus", "blocked": "Blocked", "not_canvassed": "Not yet canvassed",
        "to_review": "Positions to review"}


# --- the service ----------------------------------------------------------------------------

@pytest.fixture
def op1_changed(world, all_agree):
    """Every economy supported OP1 on version 1; then an AUS amendment was accepted (v2)."""
    clause = world.clauses[2]
    all_agree(clause)
    amendment = proposals.submit_proposal(world.user("aus"), world.document, "amend",
                                          clause=clause, text=OP1.replace("2030", "2035"),
                                          rationale="Sooner.")
    decisions.decide_proposal(world.user("secretariat"), amendment, "accept",
                              expected_version=1)
    db.session.commit()
    return clause


def test_a_position_records_the_version_it_was_given_on(world, delegates, op1_changed):
    clause = op1_changed
    panel = positions.clause_positions(clause)
    assert {code: p.on_version for code, p in panel.positions.items()} == dict.fromkeys(CODES, 1)
    assert all(panel.is_stale(p) for p in panel.positions.values())
    assert not panel.report.consensus and panel.report.verdict is Verdict.TO_REVIEW
    # Recording the same stance again is how an economy confirms it on the new text.
    positions.set_position(delegates["NZ"], clause, "support")
    db.session.commit()
    panel = positions.clause_positions(clause)
    assert panel.positions["NZ"].on_version == 2 and not panel.is_stale(panel.positions["NZ"])
    assert panel.report.stale == ("AUS", "JPN", "THA")
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "position.set")
                               .order_by(AuditEvent.id.desc())).scalars().first()
    assert (event_data(event)["clause_version"], event_data(event)["old_version"]) == (2, 1)
    # And again on the same version: nothing to record.
    before = db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalar()
    positions.set_position(delegates["NZ"], clause, "support")
    assert db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalar() \
        == before
    for code in ("AUS", "JPN", "THA"):
        positions.set_position(delegates[code], clause, "can_accept")
    assert positions.clause_positions(clause).report.verdict is Verdict.CONSENSUS


def test_the_matrix_counts_no_stale_agreement(world, op1_changed):
    matrix = positions.consensus_matrix(world.document)
    row = next(r for r in matrix.rows if r.clause.id == op1_changed.id)
    assert row.report.verdict is Verdict.TO_REVIEW and row.report.stale == tuple(CODES)
    others = [r for r in matrix.rows if r.clause.id != op1_changed.id]
    assert {r.report.verdict for r in others} == {Verdict.NOT_CANVASSED}
    assert matrix.without_consensus == len(matrix.rows)
    assert op1_changed in positions.clauses_without_consensus(world.document)


def test_the_economies_are_asked_to_review_once_per_version(world, delegates, op1_changed):
    def inbox(username):
        return list(db.session.execute(
            select(Notification).where(Notification.user_id == world.user(username).id,
                                       Notification.kind == "position_stale")
            .order_by(Notification.seq)).scalars())
    # The secretariat's own change notifies everyone but the actor; the accepted amendment's
    # author economy hears of the decision instead.
    assert [n.message for n in inbox("nz")] == [
        "OP1 changed (now v2): your economy's position “Support” was given on v1. Review it: "
        "until it is recorded again it does not count as agreement."]
    assert inbox("nz")[0].url == f"/clauses/{op1_changed.id}#positions"
    assert inbox("aus") == [] and len(inbox("jpn")) == 1 and len(inbox("tha")) == 1
    positions.set_position(delegates["NZ"], op1_changed, "support")  # reviewed on v2
    editing.edit_clause_text(world.user("secretariat"), op1_changed,
                             OP1.replace("2030", "2040"), expected_version=2)
    db.session.commit()
    assert [n.message.split(":")[0] for n in inbox("nz")] == ["OP1 changed (now v2)",
                                                              "OP1 changed (now v3)"]
    # JPN never reviewed: asked again for the new version, still once per version.
    assert len(inbox("jpn")) == 2


# --- the API --------------------------------------------------------------------------------

def test_the_positions_api_tells_the_version_and_staleness(client, world, delegates,
                                                           op1_changed, api_token):
    headers = api_token("observer")
    body = client.get(f"/api/v1/clauses/{op1_changed.id}/positions", headers=headers).get_json()
    assert {(p["economy"], p["on_version"], p["stale"]) for p in body["positions"]} == {
        (code, 1, True) for code in CODES}
    assert (body["verdict"], body["stale"], body["consensus"]) == ("to_review", CODES, False)
    nz = api_token("nz")
    mine = client.put(f"/api/v1/clauses/{op1_changed.id}/position", headers=nz,
                      json={"stance": "support"}).get_json()
    assert (mine["on_version"], mine["stale"]) == (2, False)
    matrix = client.get(f"/api/v1/documents/{world.document.id}/consensus",
                        headers=headers).get_json()
    row = next(c for c in matrix["clauses"] if c["id"] == op1_changed.id)
    assert (row["verdict"], row["stale"], row["version"]) == ("to_review",
                                                               ["AUS", "JPN", "THA"], 2)
    assert {c["verdict"] for c in matrix["clauses"] if c["id"] != op1_changed.id} == {
        "not_canvassed"}


# --- the pages ------------------------------------------------------------------------------

def test_the_matrix_marks_stale_positions_and_tells_the_verdicts_apart(client, world,
                                                                     delegates, op1_changed):
    positions.set_position(delegates["NZ"], world.clauses[3], "objection", "No.")
    db.session.commit()
    login(client, "observer")
    html = client.get(f"/documents/{world.document.id}/consensus").get_data(as_text=True)
    row = re.search(rf'<tr id="row-{op1_changed.id}".*?</tr>', html, flags=re.S).group(0)
    assert row.count('class="cell stance-support stale"') == 4
    assert '<span class="on-version">v1</span>' in row
    assert "NZ: Support, on v1, to review" in row
    assert "↻ To review" in row
    blocked = re.search(rf'<tr id="row-{world.clauses[3].id}".*?</tr>', html, flags=re.S)
    assert "✗ Blocked" in blocked.group(0)
    quiet = re.search(rf'<tr id="row-{world.clauses[0].id}".*?</tr>', html, flags=re.S)
    assert "… Not yet canvassed" in quiet.group(0)


def test_the_clause_page_and_the_chairs_screen_say_on_v1(client, world, delegates,
                                                         op1_changed):
    positions.set_position(delegates["NZ"], op1_changed, "support")
    screen.show_on_screen(world.user("secretariat"), world.document, op1_changed.id)
    db.session.commit()
    login(client, "jpn")
    clause_page = client.get(f"/clauses/{op1_changed.id}").get_data(as_text=True)
    assert clause_page.count("on v1 — the text is now v2: to review") == 3
    assert '<span class="muted">on v2</span>' in clause_page  # NZ's, current
    assert "3 positions given on an older text, to review (AUS, JPN, THA)" in clause_page
    projected = client.get(f"/documents/{world.document.id}/screen").get_data(as_text=True)
    assert projected.count('<span class="pos-stale">on v1</span>') == 3
    assert re.search(r'<li class="pos stance-support stale" title="Japan: Support on v1, to '
                     r'review"', projected)


def test_stale_positions_stay_in_place(world, op1_changed):
    """Nothing is deleted or rewritten: the stance and the text stay, marked."""
    rows = db.session.execute(select(Position.stance, Position.on_version)).all()
    assert sorted(rows) == [(Stance.SUPPORT, 1)] * 4
