"""Idempotency-Key on API POSTs: a retry gets the first answer, never a second write."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from drafting.extensions import db
from drafting.models import Comment, IdempotencyRecord, Proposal
from drafting.services import idempotency

API = "/api/v1"


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def post(client, world, api_token):
    tokens = {}

    def send(path, body, key=None, user="aus"):
        headers = tokens.setdefault(user, api_token(user))
        if key is not None:
            headers = {**headers, "Idempotency-Key": key}
        return client.post(API + path, json=body, headers=headers)
    return send


def _amend(world, text="The economies reaffirm their shared commitment."):
    return f"/clauses/{world.clauses[0].id}/proposals", {"action": "amend", "text": text}


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(post, world):
    path, body = _amend(world)
    first = post(path, body, key="key-1")
    assert first.status_code == 201, first.get_json()
    again = post(path, body, key="key-1")
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers.get("Location") == first.headers.get("Location")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(Proposal) == 1


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(post, world):
    path, body = _amend(world)
    assert post(path, body, key="key-2").status_code == 201
    other = post(path, {**body, "text": "Something else entirely."}, key="key-2")
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    elsewhere = post(f"/clauses/{world.clauses[0].id}/comments", {"body": "Hi"}, key="key-2")
    assert elsewhere.status_code == 422
    assert _count(Proposal) == 1 and _count(Comment) == 0


def test_keys_are_each_users_own(post, world):
    path = f"/clauses/{world.clauses[0].id}/comments"
    assert post(path, {"body": "From Australia."}, key="shared", user="aus").status_code == 201
    assert post(path, {"body": "From New Zealand."}, key="shared", user="nz").status_code == 201
    assert _count(Comment) == 2


def test_without_a_key_every_post_is_a_new_write(post, world):
    path = f"/clauses/{world.clauses[0].id}/comments"
    assert post(path, {"body": "Once."}).status_code == 201
    assert post(path, {"body": "Once."}).status_code == 201
    assert _count(Comment) == 2 and _count(IdempotencyRecord) == 0


def test_a_refused_request_keeps_no_key(post, world):
    path, body = _amend(world)
    refused = post(path, {**body, "action": "no such action"}, key="key-3")
    assert refused.status_code == 422
    assert _count(IdempotencyRecord) == 0
    assert post(path, body, key="key-3").status_code == 201  # the key is still free


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "naïve", "tab\tkey"])
def test_malformed_keys_are_refused_before_any_work(post, world, key):
    path, body = _amend(world)
    answer = post(path, body, key=key)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "invalid_idempotency_key"
    assert _count(Proposal) == 0


def test_a_write_whose_answer_was_not_kept_is_not_done_twice(post, world, monkeypatch):
    """The database goes away after the write committed, before its answer was kept: the
    client still gets its success; a retry is told what happened instead of writing again."""
    path, body = _amend(world)

    def lost(*args, **kwargs):
        from sqlalchemy.exc import OperationalError
        raise OperationalError("UPDATE idempotency_records …", {}, Exception("gone"))

    monkeypatch.setattr(idempotency, "keep_answer", lost)
    first = post(path, body, key="key-4")
    assert first.status_code == 201
    monkeypatch.undo()
    retry = post(path, body, key="key-4")
    assert retry.status_code == 409
    assert retry.get_json()["error"]["code"] == "idempotency_key_unfinished"
    assert _count(Proposal) == 1


def test_a_key_is_forgotten_after_24_hours(post, world):
    path = f"/clauses/{world.clauses[0].id}/comments"
    assert post(path, {"body": "Day one."}, key="daily").status_code == 201
    record = db.session.execute(select(IdempotencyRecord)).scalar_one()
    record.created_at = record.created_at - idempotency.WINDOW - timedelta(seconds=1)
    db.session.commit()
    assert post(path, {"body": "Day one."}, key="daily").status_code == 201
    assert _count(Comment) == 2 and _count(IdempotencyRecord) == 1


def test_other_methods_ignore_the_header(client, world, api_token):
    headers = {**api_token("aus"), "Idempotency-Key": "read"}
    assert client.get(f"{API}/documents", headers=headers).status_code == 200
    assert _count(IdempotencyRecord) == 0
