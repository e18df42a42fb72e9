"""Proposal and comment ids count nothing (docs/security.md, "Side channels").

Ids are in URLs, JSON and on pages, and the rows they number include what a viewer may not
know exists: other economies' drafts, proposals not yet circulated, comments on those. A new
row's id is a fresh draw from the random source (drafting/models/hidden_order.py), checked
against the table; creation order comes from a hidden key, so lists keep it whatever the ids.

The random source is replaced here by a scripted one: New Zealand's rows get the values the
script hands out, whatever Australia did unseen in between, which is the property itself (no
sequence, no count goes into an id).
"""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, func, select, text

from drafting.domain.states import Role
from drafting.extensions import db
from drafting.models import (Clause, Comment, Document, Notification, Proposal, User,
                             hidden_order)
from drafting.services import comments, decisions, drafts, proposals, reading, revisions


class ScriptedIds:
    """Stands in for `hidden_order.draw_row_id`: hands out queued values first, then values
    from a seeded generator (so runs differ only in what the test changes)."""

    def __init__(self, seed: int = 0):
        self.queue: list[int] = []
        self.draws: list[int] = []
        self._fallback = random.Random(seed)

    def __call__(self) -> int:
        value = self.queue.pop(0) if self.queue else self._fallback.randint(
            hidden_order.LOWEST_ROW_ID, hidden_order.HIGHEST_ROW_ID)
        self.draws.append(value)
        return value

    def next_ids(self, *values: int) -> None:
        self.queue.extend(values)


@pytest.fixture
def scripted_ids(monkeypatch):
    def install(seed: int = 0) -> ScriptedIds:
        source = ScriptedIds(seed)
        monkeypatch.setattr(hidden_order, "draw_row_id", source)
        return source
    return install


def wording(marker: str) -> str:
    return f"We will reduce emissions by 2030 and promote {marker} energy."


def doc(world) -> Document:
    return db.session.get(Document, world.document_id)


def clause(world, index: int) -> Clause:
    return db.session.get(Clause, world.clause_ids[index])


@pytest.fixture
def on_demand(world):
    """Proposals circulate only when the secretariat says so; ids kept apart from objects."""
    world.document.circulate_immediately = False
    db.session.commit()
    world.document_id = world.document.id
    world.clause_ids = [c.id for c in world.clauses]
    return world


def australia_works_unseen(world, rounds: int) -> int:
    """Per round: a draft, an uncirculated proposal and a comment on it — rows New Zealand
    may not know exist. Returns how many rows were made."""
    aus, aus2 = world.user("aus"), world.user("aus2")
    made = 0
    for number in range(rounds):
        drafts.save_draft(aus, doc(world), "amend", clause=clause(world, 3),
                          text=wording(f"AUS-DRAFT-{number}"))
        proposal = proposals.submit_proposal(aus, doc(world), "amend", clause=clause(world, 2),
                                             text=wording(f"AUS-UNCIRCULATED-{number}"))
        comments.add_comment(aus2, proposal=proposal, body=f"Among ourselves {number}.")
        db.session.commit()
        made += 3
    return made


def sequence_positions() -> tuple | None:
    """On PostgreSQL, where the id sequences of proposals and comments stand (they were made by
    the first migration and are no longer used); None on SQLite, which has none."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return tuple(db.session.execute(text(
        f"SELECT pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id'))")).scalar()
        for table in ("proposals", "comments"))


NZ_FIRST, NZ_COMMENT, NZ_SECOND, NZ_REPLY = 1_111_111_111, 1_222_222_222, 1_333_333_333, 1_444_444_444


@pytest.mark.parametrize("rounds", [0, 3])
def test_a_delegates_ids_do_not_depend_on_the_rows_hidden_from_it(app, on_demand, api_token,
                                                                   scripted_ids, rounds):
    """Whether Australia made nothing or nine hidden rows between New Zealand's two
    submissions, New Zealand's proposals, comment and reply get exactly the ids the random
    source gave: the same in both runs, and nothing in them counts Australia's rows."""
    world = on_demand
    source = scripted_ids(seed=rounds)
    nz = api_token("nz")
    op1, op2 = world.clause_ids[2], world.clause_ids[3]
    sequences = sequence_positions()

    source.next_ids(NZ_FIRST)
    first = app.test_client().post(f"/api/v1/clauses/{op1}/proposals", headers=nz, json={
        "action": "amend", "text": wording("NZ-FIRST"), "rationale": "ours"})
    assert first.status_code == 201, first.json
    source.next_ids(NZ_COMMENT)
    comment = app.test_client().post(f"/api/v1/clauses/{op2}/comments", headers=nz,
                                     json={"body": "A first thought."})
    assert comment.status_code == 201, comment.json

    hidden = australia_works_unseen(world, rounds)
    assert hidden == 3 * rounds

    source.next_ids(NZ_SECOND)
    second = app.test_client().post(f"/api/v1/clauses/{op2}/proposals", headers=nz, json={
        "action": "amend", "text": wording("NZ-SECOND"), "rationale": "ours too"})
    assert second.status_code == 201, second.json
    source.next_ids(NZ_REPLY)
    reply = app.test_client().post(f"/api/v1/clauses/{op2}/comments", headers=nz, json={
        "body": "And a second one.", "parent_id": comment.json["id"]})
    assert reply.status_code == 201, reply.json

    assert (first.json["id"], second.json["id"]) == (NZ_FIRST, NZ_SECOND)
    assert (comment.json["id"], reply.json["id"]) == (NZ_COMMENT, NZ_REPLY)
    assert reply.json["parent_id"] == NZ_COMMENT
    # Every new row took one draw and nothing else: no sequence value behind any of them.
    assert len(source.draws) == 4 + hidden
    assert sequence_positions() == sequences
    assert "seq" not in first.json and "seq" not in comment.json
    # What New Zealand reads back: its own two, in the order made, with those ids.
    listed = app.test_client().get(f"/api/v1/documents/{world.document_id}/proposals",
                                   headers=nz).json["proposals"]
    assert [p["id"] for p in listed] == [NZ_FIRST, NZ_SECOND]
    thread = app.test_client().get(f"/api/v1/clauses/{op2}/comments", headers=nz).json
    assert [(c["id"], c["parent_id"]) for c in thread["comments"]] == [
        (NZ_COMMENT, None), (NZ_REPLY, NZ_COMMENT)]


def test_a_drawn_id_already_taken_is_drawn_again(app, on_demand, scripted_ids):
    world = on_demand
    source = scripted_ids()
    source.next_ids(1_500_000_000, 1_600_000_000)
    taken = proposals.submit_proposal(world.user("nz"), doc(world), "amend",
                                      clause=clause(world, 2), text=wording("NZ-ONE"))
    note = comments.add_comment(world.user("nz"), proposal=taken, body="A note.")
    db.session.commit()
    assert (taken.id, note.id) == (1_500_000_000, 1_600_000_000)
    # The next draws hit those ids, then fresh ones; two rows of one flush never share one.
    source.next_ids(1_500_000_000, 1_700_000_000,  # the proposal
                    1_600_000_000, 1_700_000_000,  # the first comment (another table: free)
                    1_700_000_000, 1_800_000_000)  # the second: taken by the first, not yet stored
    again = proposals.submit_proposal(world.user("jpn"), doc(world), "amend",
                                      clause=clause(world, 2), text=wording("JPN-ONE"))
    first_note = Comment(document_id=world.document_id, clause_id=world.clause_ids[0],
                         author_id=world.user("jpn").id, body="a", body_html="<p>a</p>")
    second_note = Comment(document_id=world.document_id, clause_id=world.clause_ids[0],
                          author_id=world.user("jpn").id, body="b", body_html="<p>b</p>")
    db.session.add_all([first_note, second_note])
    db.session.commit()
    assert again.id == 1_700_000_000
    assert (first_note.id, second_note.id) == (1_700_000_000, 1_800_000_000)


def test_new_ids_are_drawn_in_the_large_range(app, on_demand):
    """Without a script: ids of new rows are far above any sequence value given before."""
    world = on_demand
    made = [proposals.submit_proposal(world.user(name), doc(world), "amend",
                                      clause=clause(world, 2), text=wording(name.upper()))
            for name in ("nz", "jpn", "aus")]
    db.session.commit()
    for proposal in made:
        assert hidden_order.LOWEST_ROW_ID <= proposal.id <= hidden_order.HIGHEST_ROW_ID


# --- creation order without id order ---------------------------------------------------------

MARKERS = ("ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT")
ONE_MOMENT = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def first_positions(html: str, needles: list[str]) -> list[int]:
    positions = [html.find(needle) for needle in needles]
    assert -1 not in positions, [n for n, p in zip(needles, positions) if p == -1]
    return positions


def test_lists_keep_creation_order_when_ids_run_backwards_and_clocks_tie(
        app, world, api_token, scripted_ids, monkeypatch):
    """Every new id is smaller than the last and every row has the same timestamps, as under a
    frozen clock or one PostgreSQL transaction: lists on pages and in the API still come in
    the order the rows were made (the clause page lists the newest first, as before)."""
    descending = iter(range(2_000_000_000, 1_000_000_000, -10_000_000))
    monkeypatch.setattr(hidden_order, "draw_row_id", lambda: next(descending))
    document = world.document
    authors = ("nz", "jpn", "aus", "nz", "jpn", "aus")
    made = [proposals.submit_proposal(world.user(author), document, "amend",
                                      clause=world.clauses[2], text=wording(marker))
            for author, marker in zip(authors, MARKERS)]
    root = comments.add_comment(world.user("nz"), clause=world.clauses[0], body="Root ALPHA.")
    later = [comments.add_comment(world.user(name), clause=world.clauses[0],
                                  body=f"Comment {marker}.", **({"parent": root} if i == 1 else {}))
             for i, (name, marker) in enumerate(zip(("jpn", "aus", "nz"), MARKERS[1:]))]
    aus_drafts = [drafts.save_draft(world.user("aus"), document, "amend", clause=world.clauses[3],
                                    text=wording(f"DRAFT-{marker}")) for marker in MARKERS[:3]]
    db.session.flush()
    for row in [*made, *aus_drafts]:
        row.created_at = row.updated_at = ONE_MOMENT
        if row.submitted_at is not None:
            row.submitted_at = row.circulated_at = ONE_MOMENT
    for row in [root, *later]:
        row.created_at = ONE_MOMENT
    db.session.commit()
    ids = [p.id for p in made]
    assert ids == sorted(ids, reverse=True)  # the ids alone would give the reverse order

    observer = world.user("observer")
    assert [p.id for p in reading.open_proposals(document, observer)] == ids
    assert [p.id for p in reading.proposals_for_clause(world.clauses[2], observer)] == ids[::-1]
    assert [p.id for p in drafts.economy_drafts(world.user("aus"), document)] == \
        [d.id for d in aus_drafts]
    threads = reading.comment_threads(viewer=observer, clause=world.clauses[0])
    assert [c.id for c, _ in threads] == [root.id, later[0].id, later[2].id]
    assert [r.id for r, _ in threads[0][1]] == [later[1].id]

    headers = api_token("observer")
    client = app.test_client()
    listed = client.get(f"/api/v1/documents/{document.id}/proposals", headers=headers).json
    assert [p["id"] for p in listed["proposals"]] == ids
    flat = client.get(f"/api/v1/clauses/{world.clauses[0].id}/comments", headers=headers).json
    assert [c["id"] for c in flat["comments"]] == [root.id, later[1].id, later[0].id,
                                                    later[2].id]  # a reply follows its root

    from tests.factories import login
    login(client, "secretariat")
    desk = client.get(f"/documents/{document.id}/desk").get_data(as_text=True)
    positions = first_positions(desk, [f"proposal-{i}" for i in ids])
    assert positions == sorted(positions)
    page = client.get(f"/clauses/{world.clauses[2].id}").get_data(as_text=True)
    positions = first_positions(page, [f"proposal-{i}" for i in ids[::-1]])
    assert positions == sorted(positions)
    assert db.session.execute(select(Proposal.seq).where(Proposal.id == ids[0])).scalar() < \
        db.session.execute(select(Proposal.seq).where(Proposal.id == ids[-1])).scalar()


# --- notifications ---------------------------------------------------------------------------

NZ_NOTICE_FIRST, NZ_NOTICE_SECOND = 1_555_555_555, 1_666_666_666


def reject(world, proposal: Proposal) -> None:
    decisions.decide_proposal(world.user("secretariat"), proposal, "reject",
                              expected_version=proposal.clause.version, note="Not agreed.")
    db.session.commit()


@pytest.mark.parametrize("rounds", [0, 3])
def test_a_delegates_notification_ids_do_not_count_others_notices(app, on_demand, api_token,
                                                                   scripted_ids, rounds):
    """Australia's delegates are told, between New Zealand's two notices, that their
    uncirculated proposals were rejected — or not at all. New Zealand's notices get exactly the
    ids the random source gave, in both runs, and its inbox lists them newest first."""
    world = on_demand
    source = scripted_ids(seed=rounds)
    first = proposals.submit_proposal(world.user("nz"), doc(world), "amend",
                                      clause=clause(world, 2), text=wording("NZ-ONE"))
    second = proposals.submit_proposal(world.user("nz"), doc(world), "amend",
                                       clause=clause(world, 3), text=wording("NZ-TWO"))
    db.session.commit()

    source.next_ids(NZ_NOTICE_FIRST)
    reject(world, first)
    for number in range(rounds):
        hidden = proposals.submit_proposal(world.user("aus"), doc(world), "amend",
                                           clause=clause(world, 1),
                                           text=wording(f"AUS-HIDDEN-{number}"))
        db.session.commit()
        reject(world, hidden)
    source.next_ids(NZ_NOTICE_SECOND)
    reject(world, second)

    inbox = app.test_client().get("/api/v1/notifications", headers=api_token("nz")).json
    assert [n["id"] for n in inbox["notifications"]] == [NZ_NOTICE_SECOND, NZ_NOTICE_FIRST]
    aus_notices = db.session.execute(select(Notification.id).where(
        Notification.user_id.in_([world.user("aus").id, world.user("aus2").id]))).scalars().all()
    assert len(aus_notices) == 2 * rounds
    assert all(hidden_order.LOWEST_ROW_ID <= i <= hidden_order.HIGHEST_ROW_ID
               for i in aus_notices)


def test_a_fan_out_to_every_user_checks_its_ids_in_one_query(app, world, scripted_ids):
    """A new revision notifies every active user in one flush: their ids are checked against
    the table with one query (not one per row), a drawn id that is taken is drawn again, and
    `seq` follows the order the notices were made."""
    for number in range(40):
        db.session.add(User(username=f"reader{number}", display_name=f"Reader {number}",
                            password_hash="x", role=Role.OBSERVER))
    db.session.commit()
    taken = Notification(user_id=world.user("nz").id, kind="revision_issued", message="old",
                         id=1_900_000_000)
    db.session.add(taken)
    db.session.commit()
    source = scripted_ids()
    source.next_ids(1_900_000_000)  # the first draw meets the stored row and is drawn again
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        revisions.issue_revision(world.user("secretariat"), world.document, note="Rev.2")
        db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    made = db.session.execute(select(Notification).where(
        Notification.kind == "revision_issued", Notification.id != taken.id)
        .order_by(Notification.seq)).scalars().all()
    recipients = db.session.execute(select(func.count(User.id)).where(User.active)).scalar()
    assert len(made) == recipients - 1  # everyone but the secretariat who issued it
    assert len({n.id for n in made}) == len(made) and taken.id not in {n.id for n in made}
    assert [n.seq for n in made] == list(range(taken.seq + 1, taken.seq + 1 + len(made)))
    clash_checks = [s for s in statements
                    if "FROM notifications" in s and "notifications.id IN" in s]
    assert len(clash_checks) == 2  # the first round of draws, then the one redrawn id
