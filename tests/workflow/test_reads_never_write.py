"""Reads never write (issue 14, item 2): every GET page and API read, by every role, with a
silence procedure past its deadline and not yet written as adopted, runs no INSERT, UPDATE or
DELETE and commits nothing — and still shows the procedure adopted. The scheduler's tick (or
the next write on the document) writes it."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from drafting.domain.states import SilenceStatus, Stage
from drafting.extensions import db
from drafting.mailer import tick
from drafting.models import Document, Notification, SilenceProcedure, SubmissionRound
from drafting.models.types import utcnow
from drafting.services import comments, proposals, silence
from tests.factories import login

# Streams that never end by themselves, export downloads (rendered in a child process), the
# static files and the health checks.
SKIPPED = re.compile(r"/events$|/export$|/openapi\.json$|/healthz$|/readyz$|/static/")


@pytest.fixture
def silence_past_its_deadline(world):
    document, op1 = world.document, world.clauses[2]
    proposal = proposals.submit_proposal(world.user("nz"), document, "amend", clause=op1,
                                         text=op1.text + " Read-only.", rationale="Why.")
    comments.add_comment(world.user("aus"), proposal=proposal, body="A comment.")
    procedure = silence.start_silence(world.user("secretariat"), document, "2030-01-01T10:00",
                                      "UTC", now=utcnow() - timedelta(days=1))
    procedure.deadline = utcnow() - timedelta(minutes=5)
    # A deadline within 24 hours: every delegate's and the secretariat's inbox has a reminder
    # due that the scheduler's tick has not stored yet.
    db.session.add(SubmissionRound(document_id=document.id, timezone="UTC",
                                   deadline=utcnow() + timedelta(hours=3)))
    db.session.commit()
    return world, proposal, procedure


def _get_paths(app, ids: dict[str, int]) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or SKIPPED.search(rule.rule):
            continue
        values = {}
        for name in rule.arguments:
            if name not in ids:
                break
            values[name] = ids[name]
        else:
            paths.append(re.sub(r"<(?:int:)?(\w+)>", lambda m: str(values[m.group(1)]),
                                rule.rule))
    return sorted(set(paths))


def test_no_get_writes_and_every_read_shows_the_adoption(app, client, api_token,
                                                          silence_past_its_deadline):
    world, proposal, procedure = silence_past_its_deadline
    ids = {"document_id": world.document.id, "clause_id": world.clauses[2].id,
           "proposal_id": proposal.id, "number": 1, "token": "not-a-token"}
    paths = _get_paths(app, ids)
    assert len(paths) > 50, paths
    writes: list[tuple[str, str, str]] = []
    current: dict[str, tuple[str, str]] = {}

    def spy(conn, cursor, statement, params, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE") and "path" in current:
            writes.append((*current["path"], statement[:100]))

    for username in ("secretariat", "nz", "observer"):
        current.pop("path", None)
        client.post("/logout")
        login(client, username)
        bearer = api_token(username)  # the API authenticates by token, pages by session
        event.listen(db.engine, "before_cursor_execute", spy)
        try:
            for path in paths:
                current["path"] = (username, path)
                response = client.get(path, headers=bearer if path.startswith("/api/") else {})
                assert response.status_code < 500, (username, path)
                assert response.status_code != 401, (username, path)
        finally:
            event.remove(db.engine, "before_cursor_execute", spy)
        current.pop("path", None)
        shown = client.get(f"/api/v1/documents/{world.document.id}/stage", headers=bearer)
        assert shown.get_json()["stage"] == Stage.AGREED_SOM.value, username
        page = client.get(f"/documents/{world.document.id}").get_data(as_text=True)
        assert "Adopted under silence procedure" in page
        exported = client.get(f"/documents/{world.document.id}/export",
                              query_string={"mode": "clean", "format": "md"})
        assert f"Stage: {Stage.AGREED_SOM.label}" in exported.get_data(as_text=True)
        if username != "observer":  # observers act on no deadline
            assert "closes within 24 hours" in client.get("/notifications").get_data(as_text=True)
    assert not writes, "\n".join(map(str, writes[:20]))

    db.session.expire_all()
    assert db.session.get(SilenceProcedure, procedure.id).status is SilenceStatus.RUNNING
    assert db.session.execute(select(Notification).where(
        Notification.kind == "deadline_round")).first() is None
    done = tick()
    assert done["silences_settled"] == 1 and done["reminders"] >= 2
    db.session.expire_all()
    assert db.session.get(SilenceProcedure, procedure.id).status is SilenceStatus.ADOPTED
    assert db.session.get(Document, world.document.id).stage is Stage.AGREED_SOM
