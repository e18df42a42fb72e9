"""Per-user rate limits (drafting/web/rate_limits.py): writes and exports, pages and API.

An app of its own with rate limiting on, fresh in-memory counters and tiny limits counted in
one-hour windows (fixed, and moving as in production): a test takes seconds, so no window
ends during it and nothing depends on timing. The shared test app keeps rate limiting off (tests/conftest.py puts the limiter's
state back after each test).
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from drafting.config import load_config
from drafting.extensions import db
from drafting.models import AuditEvent, Comment
from tests.conftest import make_test_app
from tests.factories import login
from tests.web.test_web_support import install_request_isolation

WRITES = 3
EXPORTS = 2
EXPORT = "/documents/{}/export?format=md"


@pytest.fixture(params=["fixed-window", "moving-window"])  # moving-window: production's
def limited(request, world, migrated):
    """An app that rate-limits (as in production), with tiny limits; `world`'s ids cross over
    and the default `app` fixture empties the tables afterwards."""
    document_id, clause_id = world.document.id, world.clauses[0].id
    db.session.close()
    app = make_test_app(migrated, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                        RATELIMIT_STRATEGY=request.param,
                        WRITE_LIMIT_PER_USER=f"{WRITES} per hour",
                        EXPORT_LIMIT_PER_USER=f"{EXPORTS} per hour",
                        LIVE_KEEPALIVE_SECONDS=0.05, LIVE_STREAM_MAX_SECONDS=10,
                        LIVE_STREAM_MAX_EVENTS=1)
    install_request_isolation(app)
    with app.app_context():
        yield SimpleNamespace(app=app, document_id=document_id, clause_id=clause_id)
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def _comments() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count(Comment.id))).scalar_one()


def _events(kind: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.kind == kind)).scalars())


def _api_comment(client, limited, headers, body="A comment."):
    return client.post(f"/api/v1/clauses/{limited.clause_id}/comments", json={"body": body},
                       headers=headers)


def _assert_refused_as_json(response, limit: str) -> None:
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert "try again" in error["message"]
    assert error["details"]["limit"] == limit
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 3600
    assert error["details"]["retry_after_seconds"] == seconds


def test_api_writes_over_the_limit_are_refused_and_change_nothing(limited, api_token):
    client = limited.app.test_client()
    aus = api_token("aus")
    for n in range(WRITES):
        assert _api_comment(client, limited, aus, f"Comment {n}.").status_code == 201
    before = _comments()
    refused = _api_comment(client, limited, aus, "One too many.")
    _assert_refused_as_json(refused, "writes")
    assert _comments() == before
    # PUT and DELETE count too, and are refused before their view looks at anything.
    assert client.delete("/api/v1/drafts/999999", headers=aus).status_code == 429
    # The same user's reads go on.
    assert client.get(f"/api/v1/documents/{limited.document_id}", headers=aus).status_code == 200
    # Another user (same address) has an allowance of their own.
    assert _api_comment(client, limited, api_token("nz"), "From NZ.").status_code == 201


def test_page_forms_share_the_allowance_and_refuse_with_a_page(limited, api_token):
    client = limited.app.test_client()
    login(client, "aus")  # the login form has its own throttles and is not counted here
    for n in range(WRITES - 1):
        response = client.post("/comments", data={"clause_id": limited.clause_id,
                                                  "body": f"Comment {n}."})
        assert response.status_code == 302
    # One allowance for pages and API: the API's write is the last one.
    assert _api_comment(client, limited, api_token("aus")).status_code == 201
    before = _comments()
    refused = client.post("/comments", data={"clause_id": limited.clause_id, "body": "More."})
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    page = refused.get_data(as_text=True)
    assert "Please slow down" in page and "nothing was saved" in page
    assert "rate_limited" not in page  # developer codes are for the API, never on a page
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert _comments() == before
    # Pages that only read are not counted against writes.
    for _ in range(WRITES * 3):
        assert client.get(f"/documents/{limited.document_id}").status_code == 200
    # The live preview of a proposal changes nothing and is not counted either.
    preview = client.post("/proposals/preview", json={"action": "amend", "text": "New words.",
                                                      "clause_id": limited.clause_id})
    assert preview.status_code == 200


def test_logout_over_the_limit_is_refused_like_any_other_form(limited):
    client = limited.app.test_client()
    login(client, "nz")
    for _ in range(WRITES):
        client.post("/comments", data={"clause_id": limited.clause_id, "body": "Noted."})
    refused = client.post("/logout")
    assert refused.status_code == 429
    assert "Please slow down" in refused.get_data(as_text=True)
    assert "Too many login attempts" not in refused.get_data(as_text=True)


def test_exports_have_a_limit_of_their_own(limited, api_token):
    client = limited.app.test_client()
    aus = api_token("aus")
    api_export = f"/api/v1{EXPORT.format(limited.document_id)}"
    assert client.get(api_export, headers=aus).status_code == 200
    login(client, "aus")
    assert client.get(EXPORT.format(limited.document_id)).status_code == 200
    refused = client.get(EXPORT.format(limited.document_id) + "&mode=redline")
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert "exports or imports" in refused.get_data(as_text=True)
    _assert_refused_as_json(client.get(api_export, headers=aus), "conversions")
    # Writes are counted apart: all of them are still there.
    for n in range(WRITES):
        assert _api_comment(client, limited, aus, f"Comment {n}.").status_code == 201
    # Another user exports as usual.
    assert client.get(api_export, headers=api_token("nz")).status_code == 200


def test_imports_count_as_exports_and_as_writes(limited, api_token):
    client = limited.app.test_client()
    secretariat = api_token("secretariat")
    markdown = {"markdown": "# Draft\n\n1. First clause.\n", "title": "Draft"}
    for _ in range(EXPORTS):
        response = client.post("/api/v1/documents/import?preview=1", json=markdown,
                               headers=secretariat)
        assert response.status_code == 200
    _assert_refused_as_json(client.post("/api/v1/documents/import", json=markdown,
                                        headers=secretariat), "conversions")
    # Two imports and the refused one were writes as well: one write is left.
    assert _api_comment(client, limited, secretariat).status_code == 201
    _assert_refused_as_json(_api_comment(client, limited, secretariat), "writes")


def test_live_streams_and_health_checks_are_never_limited(limited, api_token):
    client = limited.app.test_client()
    aus = api_token("aus")
    for _ in range(WRITES):
        _api_comment(client, limited, aus)
    api_export = f"/api/v1{EXPORT.format(limited.document_id)}"
    for _ in range(EXPORTS):
        client.get(api_export, headers=aus)
    assert _api_comment(client, limited, aus).status_code == 429
    assert client.get(api_export, headers=aus).status_code == 429
    for _ in range(WRITES + EXPORTS):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        stream = client.get(f"/api/v1/documents/{limited.document_id}/events", headers=aus,
                            buffered=False)
        assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
        stream.close()


def test_a_refusal_is_logged_and_audited_once_a_minute_per_user(limited, api_token, caplog):
    client = limited.app.test_client()
    aus = api_token("aus")
    for _ in range(WRITES):
        _api_comment(client, limited, aus)
    with caplog.at_level("WARNING", logger="drafting"):
        for _ in range(3):
            assert _api_comment(client, limited, aus).status_code == 429
    assert any("rate limit writes" in r.getMessage() and "user:" in r.getMessage()
               for r in caplog.records)
    events = _events("request.throttled")
    assert len(events) == 1
    assert events[0].actor_username == "aus"
    assert '"limit":"writes"' in events[0].data
    assert "/api/v1" not in events[0].data  # no path: it could name a draft


def test_the_default_test_app_does_not_rate_limit(client, world, app, api_token):
    assert app.config["RATELIMIT_ENABLED"] is False
    aus = api_token("aus")
    for n in range(30):
        response = client.post(f"/api/v1/clauses/{world.clauses[0].id}/comments",
                               json={"body": f"Comment {n}."}, headers=aus)
        assert response.status_code == 201


def test_limits_come_from_the_environment(tmp_path, monkeypatch):
    for name in ("WRITE_LIMIT_PER_USER", "EXPORT_LIMIT_PER_USER", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(str(tmp_path))
    assert config["WRITE_LIMIT_PER_USER"] == "120 per minute"
    assert config["EXPORT_LIMIT_PER_USER"] == "30 per minute"
    monkeypatch.setenv("WRITE_LIMIT_PER_USER", "600 per 5 minutes")
    monkeypatch.setenv("EXPORT_LIMIT_PER_USER", "10/minute")
    config = load_config(str(tmp_path))
    assert config["WRITE_LIMIT_PER_USER"] == "600 per 5 minutes"
    assert config["EXPORT_LIMIT_PER_USER"] == "10/minute"
    monkeypatch.setenv("WRITE_LIMIT_PER_USER", "lots")
    with pytest.raises(SystemExit, match="WRITE_LIMIT_PER_USER"):
        load_config(str(tmp_path))


def test_the_openapi_document_names_the_429_of_every_write_and_export():
    from drafting.web.openapi import OPERATIONS, build_spec

    spec = build_spec()
    limited = spec["components"]["responses"]["E429"]
    assert "rate_limited" in limited["description"]
    assert limited["headers"]["Retry-After"]["schema"]["type"] == "integer"
    for (method, path), operation in OPERATIONS.items():
        responses = spec["paths"][path][method.lower()]["responses"]
        expected = method != "GET" or operation.endpoint == "api.export_document"
        assert ("429" in responses) == expected, (method, path)


def test_an_unreachable_counter_store_does_not_stop_the_writes(world, migrated, api_token):
    """Redis down (nothing listens on port 1): each process counts in memory meanwhile."""
    clause_id = world.clauses[0].id
    aus = api_token("aus")
    db.session.close()
    app = make_test_app(migrated, RATELIMIT_ENABLED=True,
                        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                        RATELIMIT_STRATEGY="fixed-window", WRITE_LIMIT_PER_USER="2 per hour")
    install_request_isolation(app)
    client = app.test_client()
    try:
        with app.app_context():
            for n in range(2):
                response = client.post(f"/api/v1/clauses/{clause_id}/comments",
                                       json={"body": f"Comment {n}."}, headers=aus)
                assert response.status_code == 201
            refused = client.post(f"/api/v1/clauses/{clause_id}/comments",
                                  json={"body": "One too many."}, headers=aus)
            assert refused.status_code == 429
            assert refused.get_json()["error"]["code"] == "rate_limited"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
