"""Backup and restore: `flask --app app export-archive FILE` / `import-archive FILE`."""
from __future__ import annotations

import json
import re
import stat
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from drafting.domain.states import ClauseStatus, ProposalStatus, SilenceStatus, Stage, Stance
from drafting.extensions import db
from drafting.models import hidden_order
from drafting.models import (
    ApiToken, AuditEvent, Clause, ClauseStatusChange, Comment, Document, Economy,
    IdempotencyRecord, Notification, Proposal, SilenceProcedure, StageChange, User,
)
from drafting.infrastructure import archive
from drafting.services import (
    accounts, comments, decisions, desk_queue, positions, proposals, revisions, rounds,
    screen, visits,
)
from drafting.services.audit import record_event
from drafting.services.notification_preferences import save_preferences
from tests.conftest import _empty_all_tables
from tests.factories import PASSWORD

UNICODE_COMMENT = ("Viet Nam’s view — «ambition» and 日本の立場; Ελληνικά, עברית, emoji 🌏\n"
                   "second line with \"quotes\" and a tab\there.")
ROUND_NOW = datetime(2022, 8, 1, 3, 0, tzinfo=timezone.utc)


def user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def add_activity() -> dict:
    """Activity on top of the demo, so every table holds at least one row."""
    document = db.session.execute(select(Document)).scalars().first()
    secretariat = user("secretariat")
    open_proposal = db.session.execute(
        select(Proposal).where(Proposal.status == ProposalStatus.OPEN,
                               Proposal.clause_id.is_not(None)).order_by(Proposal.seq)
    ).scalars().first()
    decisions.decide_proposal(secretariat, open_proposal, "accept",
                              expected_version=open_proposal.clause.version)
    to_revise = db.session.execute(
        select(Proposal).where(Proposal.status == ProposalStatus.OPEN,
                               Proposal.action.in_(["amend", "insert"])).order_by(Proposal.seq)
    ).scalars().first()
    proposals.revise_proposal(to_revise.author, to_revise, text=to_revise.text + " (revised)")
    clause = db.session.execute(select(Clause).order_by(Clause.id)).scalars().first()
    comments.add_comment(user("vn"), clause=clause, body=UNICODE_COMMENT)
    live_token = accounts.issue_token(None, user("aus"), "Capital's script")
    accounts.issue_token(None, user("jpn"), "old laptop")
    revoked = db.session.execute(select(ApiToken).where(ApiToken.name == "old laptop")).scalar_one()
    accounts.revoke_token(None, revoked.id)

    # Notification preferences, and an e-mail queued by the revision below.
    save_preferences(user("nz"), email="nz@example.org", digest_hour=7,
                     timezone="Pacific/Auckland", deliveries={"revision_issued": "immediate"})
    revision = revisions.issue_revision(secretariat, document, note="Rev.1 — after SOM3",
                                        now=datetime(2022, 8, 1, 1, 2, 3, tzinfo=timezone.utc))
    positions.set_position(user("aus"), clause, Stance.RESERVATION,
                           "Pending consultation with capital")
    screen.show_on_screen(secretariat, document, clause.id)
    visits.mark_visited(user("nz"), document, now=datetime(2022, 8, 2, 9, 30, tzinfo=timezone.utc))
    desk_queue.mark_desk_seen(secretariat, document, None,
                              now=datetime(2022, 8, 2, 9, 45, tzinfo=timezone.utc))
    rounds.open_round(secretariat, document, "2099-08-15T17:00", "Asia/Bangkok",
                      note="Comments on Rev.1", revision=revision, now=ROUND_NOW)
    db.session.add_all([
        ClauseStatusChange(clause_id=clause.id, from_status=ClauseStatus.OPEN.value,
                           to_status=ClauseStatus.AGREED_AD_REF.value, excepted="AUS",
                           reason="Agreed in the room", user_id=secretariat.id),
        StageChange(document_id=document.id, from_stage=Stage.ZERO_DRAFT.value,
                    to_stage=Stage.NEGOTIATION.value, note="", user_id=secretariat.id),
        SilenceProcedure(document_id=document.id, revision_id=revision.id,
                         deadline=datetime(2022, 9, 1, 10, 0, tzinfo=timezone.utc),
                         timezone="Asia/Bangkok", status=SilenceStatus.BROKEN,
                         started_by_id=secretariat.id, broken_by_id=user("usa").id,
                         broken_economy_id=user("usa").economy_id, reason="Cannot join OP3",
                         ended_at=datetime(2022, 8, 30, 23, 59, 59, 999999, tzinfo=timezone.utc)),
        Notification(user_id=user("jpn").id, kind="deadline", message="Round closes in 24 h",
                     url="/documents/1", document_id=document.id, dedupe_key="archive-test-reminder"),
        IdempotencyRecord(user_id=user("aus").id, key="retry-7f3a", method="POST",
                          path="/api/v1/clauses/1/comments", request_sha256="0" * 64,
                          status_code=201, content_type="application/json",
                          response_body='{"id": 1}'),
        Document(title="Chair’s Statement", symbol="2022/SOM3/CS", stage=Stage.ZERO_DRAFT,
                 host_economy_id=secretariat.economy_id, parent_document_id=document.id,
                 kind="chair_statement", circulate_immediately=False),
    ])
    db.session.commit()
    return {"token": live_token}


def export(runner, path, *options):
    result = runner.invoke(args=["export-archive", str(path), *options])
    assert result.exit_code == 0, result.output
    return result


def import_(runner, path, *options):
    return runner.invoke(args=["import-archive", str(path), *options])


def without_time(raw: bytes) -> bytes:
    return re.sub(rb'\n "exported_at": "[^"]*",\n', b"\n", raw, count=1)


def row_count() -> int:
    db.session.rollback()
    return sum(db.session.execute(select(func.count()).select_from(t)).scalar()
               for t in db.metadata.sorted_tables)


def empty_database() -> None:
    db.session.rollback()
    _empty_all_tables()
    assert row_count() == 0


def rewrite(path, change) -> None:
    """Edit an archive and give it a matching checksum, as a careless hand would."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    data["content_sha256"] = archive.content_checksum(data)
    path.write_text(archive.render_archive(data), encoding="utf-8")


_CACHED: dict[str, tuple[bytes, dict]] = {}


@pytest.fixture
def exported(app, runner, tmp_path):
    """An empty database and an archive of the demo plus activity (without password hashes).

    The archive is made once per run and copied for each test: seeding the demo is the slow
    part, and the archive does not depend on anything else.
    """
    if "archive" not in _CACHED:
        from drafting.demo import seed_demo

        seed_demo(PASSWORD)
        db.session.commit()
        extra = add_activity()
        export(runner, tmp_path / "original.json")
        _CACHED["archive"] = ((tmp_path / "original.json").read_bytes(), extra)
        empty_database()
    content, extra = _CACHED["archive"]
    path = tmp_path / "backup.json"
    path.write_bytes(content)
    return path, extra


# --- round trip ------------------------------------------------------------------------------

def test_export_import_export_gives_the_same_file_and_the_audit_chain_verifies(
        demo, runner, tmp_path):
    add_activity()
    events_before = db.session.execute(select(func.count(AuditEvent.id))).scalar()
    first = tmp_path / "first.json"
    result = export(runner, first)
    assert "NOT included" in result.output
    data = json.loads(first.read_text(encoding="utf-8"))
    empty_tables = [name for name, rows in data["tables"].items() if not rows]
    assert empty_tables == [], f"give these tables a row in add_activity(): {empty_tables}"
    assert set(data["tables"]) == {t.name for t in db.metadata.sorted_tables}
    assert data["schema_revision"] == archive.code_schema_revision()
    stored = db.session.execute(select(Comment.body).where(Comment.economy_id == user("vn")
                                                           .economy_id)).scalars().all()
    assert [row["body"] for row in data["tables"]["comments"] if row["body"] in stored] == stored
    assert "日本の立場" in first.read_text(encoding="utf-8")  # Unicode written as is, not escaped

    empty_database()
    restored = import_(runner, first)
    assert restored.exit_code == 0, restored.output
    assert f"Audit chain intact: {events_before} events verified" in restored.output
    verify = runner.invoke(args=["verify-audit"])
    assert verify.exit_code == 0 and "intact" in verify.output

    second = tmp_path / "second.json"
    export(runner, second)
    assert without_time(first.read_bytes()) == without_time(second.read_bytes())
    assert first.read_bytes() != second.read_bytes()  # only exported_at differs


def test_rows_are_ordered_by_key_and_values_are_lossless(exported):
    path, _ = exported
    data = json.loads(path.read_text(encoding="utf-8"))
    for table in db.metadata.sorted_tables:
        keys = [tuple(row[c.name] for c in table.primary_key.columns)
                for row in data["tables"][table.name]]
        assert keys == sorted(keys), table.name
        for row in data["tables"][table.name]:
            assert list(row) == sorted(row)
    silence = data["tables"]["silence_procedures"][0]
    assert silence["deadline"] == "2022-09-01T10:00:00.000000Z"
    assert silence["ended_at"] == "2022-08-30T23:59:59.999999Z"
    assert silence["status"] == "broken"
    document = data["tables"]["documents"][0]
    assert document["circulate_immediately"] is True and document["fingerprint"] is None


def test_the_restored_database_holds_the_same_negotiation(exported, runner):
    path, _ = exported
    assert import_(runner, path).exit_code == 0
    db.session.rollback()
    comment = db.session.execute(select(Comment).where(Comment.body == UNICODE_COMMENT)).scalar()
    assert comment is not None and comment.economy.code == "VN"
    chair = db.session.execute(select(Document).where(Document.kind == "chair_statement")
                               ).scalar_one()
    assert chair.parent_document_id is not None
    accepted = db.session.execute(select(Proposal).where(
        Proposal.status.in_([ProposalStatus.ACCEPTED, ProposalStatus.ACCEPTED_MODIFIED]))
    ).scalars().all()
    assert accepted and all(p.result_version.proposal_id == p.id for p in accepted)
    replies = db.session.execute(select(Comment).where(Comment.parent_id.is_not(None))).scalars()
    assert all(r.parent.id == r.parent_id for r in replies)


def test_new_rows_can_be_added_after_a_restore(exported, runner):
    path, _ = exported
    assert import_(runner, path).exit_code == 0
    db.session.rollback()
    restored = set(db.session.execute(select(Proposal.id)).scalars())
    latest = db.session.execute(select(func.max(Proposal.seq))).scalar()
    document = db.session.execute(select(Document).order_by(Document.id)).scalars().first()
    clause = db.session.execute(
        select(Clause).where(Clause.document_id == document.id).order_by(Clause.position.desc())
    ).scalars().first()
    proposal = proposals.submit_proposal(user("nz"), document, "amend", clause=clause,
                                         text=clause.text + " Added after the restore.")
    comment = comments.add_comment(user("nz"), proposal=proposal, body="Restored and working.")
    db.session.commit()
    # A fresh random id (models/hidden_order.py), and the next place in creation order.
    assert proposal.id not in restored and proposal.id >= hidden_order.LOWEST_ROW_ID
    assert proposal.seq == latest + 1
    assert comment.id > 1
    made = runner.invoke(args=["create-user", "newcomer", "--role", "observer",
                               "--password", "long enough pw"])
    assert made.exit_code == 0, made.output
    assert runner.invoke(args=["verify-audit"]).exit_code == 0


# --- credentials -----------------------------------------------------------------------------

def test_without_password_hashes_no_secret_is_written_and_users_need_new_passwords(
        demo, runner, tmp_path):
    extra = add_activity()
    hashes = set(db.session.execute(select(User.password_hash)).scalars())
    nonces = set(db.session.execute(select(User.session_nonce)).scalars())
    token_hashes = set(db.session.execute(select(ApiToken.token_hash)).scalars())
    path = tmp_path / "plain.json"
    export(runner, path)
    raw = path.read_text(encoding="utf-8")
    assert not any(secret in raw for secret in hashes | nonces | token_hashes)
    assert '"password_hash"' not in raw.split('"tables"')[1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    empty_database()
    result = import_(runner, path)
    assert result.exit_code == 0, result.output
    user_total = json.loads(raw)["tables"]["users"]
    assert f"{len(user_total)} users must have their password reset" in result.output
    assert "admin, aus," in result.output
    assert "1 API tokens that were in use cannot authenticate" in result.output
    db.session.rollback()
    assert accounts.authenticate("jpn", PASSWORD) is None
    assert accounts.authenticate("secretariat", PASSWORD) is None
    assert accounts.user_for_token(extra["token"]) is None
    tokens = {t.name: t for t in db.session.execute(select(ApiToken)).scalars()}
    assert tokens["old laptop"].revoked_at is not None  # revoked state kept
    assert tokens["Capital's script"].revoked_at is None
    assert tokens["Capital's script"].prefix == extra["token"][:10]


def test_with_password_hashes_logins_and_tokens_survive(demo, runner, tmp_path):
    extra = add_activity()
    path = tmp_path / "full.json"
    result = export(runner, path, "--with-password-hashes")
    assert "INCLUDED" in result.output
    assert json.loads(path.read_text(encoding="utf-8"))["password_hashes"] is True
    empty_database()
    restored = import_(runner, path)
    assert restored.exit_code == 0, restored.output
    assert "password reset" not in restored.output and "API tokens" not in restored.output
    db.session.rollback()
    assert accounts.authenticate("jpn", PASSWORD) is not None
    assert accounts.user_for_token(extra["token"]).username == "aus"
    again = tmp_path / "again.json"
    export(runner, again, "--with-password-hashes")
    assert without_time(path.read_bytes()) == without_time(again.read_bytes())


def test_the_explicit_default_flag_and_the_checksum(demo, runner, tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    export(runner, one, "--without-password-hashes")
    export(runner, two)
    first, second = (json.loads(p.read_text(encoding="utf-8")) for p in (one, two))
    assert first["content_sha256"] == second["content_sha256"] == archive.content_checksum(first)
    assert first["password_hashes"] is False


# --- refusals --------------------------------------------------------------------------------

def test_import_into_a_database_that_holds_data_is_refused(demo, runner, tmp_path):
    path = tmp_path / "backup.json"
    export(runner, path)
    before = row_count()
    result = import_(runner, path)
    assert result.exit_code == 1
    assert "not empty" in result.output and "economies: 21" in result.output
    assert "Nothing was imported" in result.output
    assert row_count() == before


def test_a_single_leftover_row_is_enough_to_refuse(exported, runner):
    path, _ = exported
    db.session.add(Economy(code="XX", name="Leftover", sort_order=1, colour="#000000"))
    db.session.commit()
    result = import_(runner, path)
    assert result.exit_code == 1 and "economies: 1" in result.output
    assert row_count() == 1


def _replace_table_row(table, index, **values):
    def change(data):
        data["tables"][table][index].update(values)
    return change


def _drop_key(data):
    del data["tables"]["clauses"][0]["status"]


def _unknown_table(data):
    data["tables"]["minutes"] = []


def _break_chain(data):
    data["tables"]["audit_events"][3]["kind"] = "proposal.tampered"


@pytest.mark.parametrize("change, message", [
    (_replace_table_row("economies", 0, is_host="yes"), "expected true or false"),
    (_replace_table_row("proposals", 0, status="maybe"), "is not one of"),
    (_replace_table_row("comments", 0, created_at="yesterday"), "not an ISO-8601"),
    (_replace_table_row("comments", 0, created_at="2022-08-01T10:00:00"), "no time zone"),
    (_replace_table_row("clauses", 0, section_id=99999), "refers to sections 99999"),
    (_replace_table_row("users", 0, username=None), "a value is required"),
    (_replace_table_row("users", 0, id=None), "users, row 1, id: a value is required"),
    (lambda data: data.update(omitted_columns={}), "does not match its “password_hashes”"),
    (_replace_table_row("economies", 0, code="TOO-LONG-CODE"), "longer than 8"),
    (_drop_key, "clauses, row 1: missing status"),
    (_unknown_table, "does not know: minutes"),
    (lambda data: data.update(schema_revision="0123abcd"), "schema revision 0123abcd"),
    (_break_chain, "audit trail is broken at event 4"),
])
def test_archives_that_do_not_fit_are_refused_and_nothing_is_written(exported, runner, change,
                                                                     message):
    path, _ = exported
    rewrite(path, change)
    result = import_(runner, path)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Nothing was imported" in result.output
    assert row_count() == 0


def test_a_refusal_by_the_database_late_in_the_import_leaves_nothing(exported, runner):
    path, _ = exported

    def duplicate_notification(data):  # same unique dedupe_key: only the database notices
        rows = data["tables"]["notifications"]
        rows.append({**rows[0], "id": rows[0]["id"] + 100})
    rewrite(path, duplicate_notification)
    result = import_(runner, path)
    assert result.exit_code == 1 and "The database refused" in result.output
    assert row_count() == 0


def test_a_broken_audit_chain_can_be_restored_deliberately(exported, runner):
    path, _ = exported
    rewrite(path, _break_chain)
    result = import_(runner, path, "--accept-broken-audit-chain")
    assert result.exit_code == 0, result.output
    assert "audit chain BROKEN at event 4" in result.output
    assert runner.invoke(args=["verify-audit"]).exit_code == 1


@pytest.mark.parametrize("content, message", [
    (None, "No archive at"),
    (b'{"format": "drafting-archive", "version": 1, "tables": {', "not valid JSON"),
    (b"\xff\xfe not text", "not UTF-8"),
    (b'{"format": "something-else", "version": 1}', "is not a drafting archive"),
    (b'["a", "list"]', "is not a drafting archive"),
    (b'{"format": "drafting-archive", "version": 2}', "format version 2"),
    (b'{"format": "drafting-archive", "version": 1}', "damaged archive (missing"),
])
def test_files_that_are_not_archives_are_refused(app, runner, tmp_path, content, message):
    path = tmp_path / "input.json"
    if content is not None:
        path.write_bytes(content)
    result = import_(runner, path)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Nothing was imported" in result.output
    assert row_count() == 0


def test_an_edited_archive_fails_its_checksum(exported, runner):
    path, _ = exported
    raw = path.read_text(encoding="utf-8")
    path.write_text(raw.replace('"Australia"', '"Austria"', 1), encoding="utf-8")
    result = import_(runner, path)
    assert result.exit_code == 1 and "does not match its checksum" in result.output
    assert row_count() == 0


def test_a_truncated_archive_is_refused(exported, runner):
    path, _ = exported
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    result = import_(runner, path)
    assert result.exit_code == 1 and "not valid JSON" in result.output
    assert row_count() == 0


# --- writing the file ------------------------------------------------------------------------

def test_export_into_a_missing_folder_is_refused(app, runner, tmp_path):
    result = runner.invoke(args=["export-archive", str(tmp_path / "nowhere" / "backup.json")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_a_failed_export_leaves_the_previous_file_and_no_temporary_file(demo, runner, tmp_path,
                                                                        monkeypatch):
    path = tmp_path / "backup.json"
    export(runner, path)
    before = path.read_bytes()

    def disk_full(*_args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(archive.os, "replace", disk_full)
    result = runner.invoke(args=["export-archive", str(path)])
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert "previous file, if any, is unchanged" in result.output
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.json"]


def test_export_refuses_a_database_behind_the_code(demo, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "code_schema_revision", lambda: "fffffffffff0")
    result = runner.invoke(args=["export-archive", str(tmp_path / "x.json")])
    assert result.exit_code == 1 and "expects fffffffffff0" in result.output
    assert not (tmp_path / "x.json").exists()


# --- values ----------------------------------------------------------------------------------

def test_every_column_type_can_be_archived(app):
    assert archive.unsupported_columns() == []


@pytest.mark.parametrize("moment", [
    datetime(2022, 11, 18, 9, 0, tzinfo=timezone.utc),
    datetime(2022, 11, 18, 9, 0, 0, 1, tzinfo=timezone.utc),
    datetime(2022, 11, 18, 16, 0, 0, 999999, tzinfo=timezone(timedelta(hours=7))),
])
def test_datetimes_round_trip_exactly(app, moment):
    column = SilenceProcedure.__table__.c.deadline
    text = archive.format_datetime(moment)
    assert text.endswith("Z") and len(text) == len("2022-11-18T09:00:00.000000Z")
    assert archive._from_json(text, column, "here") == moment


def test_record_event_continues_the_restored_chain(exported, runner):
    path, _ = exported
    assert import_(runner, path).exit_code == 0
    db.session.rollback()
    record_event("test.after_restore", user("admin"))
    db.session.commit()
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
