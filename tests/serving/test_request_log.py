"""One structured JSON line per request on the `drafting.request` logger; no secrets in it."""
from __future__ import annotations

import json
import logging

import pytest

from drafting.logging_setup import JsonFormatter, TextFormatter, redacted_query
from tests.conftest import make_test_app
from tests.factories import PASSWORD, login

FORMATTER = JsonFormatter()


@pytest.fixture
def request_log(caplog):
    """The request lines logged so far, parsed exactly as they are written to stderr."""
    caplog.set_level(logging.INFO, logger="drafting")

    def lines() -> list[dict]:
        return [json.loads(FORMATTER.format(r)) for r in caplog.records
                if r.name == "drafting.request"]
    return lines


def test_a_request_is_one_json_line_with_its_id_and_measurements(client, request_log):
    response = client.get("/healthz", headers={"X-Request-Id": "trace-42"})
    [line] = request_log()
    assert line["request_id"] == "trace-42" == response.headers["X-Request-Id"]
    assert (line["logger"], line["level"], line["method"], line["path"], line["status"]) == \
        ("drafting.request", "INFO", "GET", "/healthz", 200)
    assert line["bytes"] == len(response.data)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["remote_addr"] == "127.0.0.1" and line["user"] is None
    assert line["time"].endswith("Z") and "T" in line["time"]
    assert line["message"] == "GET /healthz 200"


def test_the_generated_request_id_is_the_one_sent_back(client, request_log):
    first = client.get("/healthz")
    second = client.get("/healthz")
    ids = [line["request_id"] for line in request_log()]
    assert ids == [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert all(ids) and ids[0] != ids[1]


def test_the_user_is_named_for_pages_and_for_the_api(client, world, api_token, request_log):
    login(client, "aus")
    client.get(f"/documents/{world.document.id}")
    client.get("/api/v1/documents", headers=api_token("nz"))
    users = {line["path"]: line["user"] for line in request_log()}
    assert users[f"/documents/{world.document.id}"] == "aus"
    assert users["/api/v1/documents"] == "nz"


def test_a_request_refused_before_any_view_is_logged_with_its_id(client, world, request_log):
    response = client.get("/api/v1/documents")  # no token
    [line] = request_log()
    assert line["status"] == 401 == response.status_code
    assert line["request_id"] and line["request_id"] == response.headers["X-Request-Id"]


def test_passwords_tokens_and_secret_query_values_are_never_logged(client, world, api_token,
                                                                   caplog, request_log):
    headers = api_token("aus")
    bearer = headers["Authorization"].split()[1]
    client.post("/login", data={"username": "aus", "password": PASSWORD})
    client.get("/api/v1/documents", headers=headers)
    client.get(f"/login?next=/documents&token={bearer}&password=hunter2-x&view=changes")
    everything = "\n".join(FORMATTER.format(r) for r in caplog.records)
    for secret in (PASSWORD, bearer, "hunter2-x"):
        assert secret not in everything
    query = request_log()[-1]["query"]
    assert query == "next=/documents&token=[redacted]&password=[redacted]&view=changes"


def test_redaction_of_query_strings():
    assert redacted_query(b"") == ""
    assert redacted_query("rev=2&view=changes") == "rev=2&view=changes"
    assert redacted_query("api_key=abc&csrf_token=def&Session=x&q=ok") == \
        "api_key=[redacted]&csrf_token=[redacted]&Session=[redacted]&q=ok"


def test_log_level_comes_from_the_configuration(migrated, caplog):
    logger = logging.getLogger("drafting")
    before = logger.level
    try:
        quiet = make_test_app(migrated, LOG_LEVEL="WARNING")
        quiet.test_client().get("/healthz")
        assert not [r for r in caplog.records if r.name == "drafting.request"]
        assert logger.getEffectiveLevel() == logging.WARNING

        verbose = make_test_app(migrated, LOG_LEVEL="debug", LOG_FORMAT="text")
        verbose.test_client().get("/healthz", headers={"X-Request-Id": "txt-1"})
        [record] = [r for r in caplog.records if r.name == "drafting.request"]
        handler = next(h for h in logger.handlers if isinstance(h.formatter, TextFormatter))
        text = handler.formatter.format(record)
        assert "GET /healthz 200" in text and "request_id=txt-1" in text
    finally:
        make_test_app(migrated)  # back to the environment's settings for the next tests
        logger.setLevel(before)


def test_configuring_twice_keeps_one_handler(migrated):
    make_test_app(migrated)
    make_test_app(migrated)
    handlers = [h for h in logging.getLogger("drafting").handlers
                if type(h).__name__ == "_StderrHandler"]
    assert len(handlers) == 1


def test_client_address_is_taken_from_the_proxy_only_when_told_to(migrated, request_log):
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    make_test_app(migrated).test_client().get("/healthz", headers=forwarded)
    make_test_app(migrated, PROXY_FIX_HOPS=1).test_client().get("/healthz", headers=forwarded)
    assert [line["remote_addr"] for line in request_log()] == ["127.0.0.1", "203.0.113.9"]


# --- no line lost: errors and outages are logged like any other request ---------------------

class _Lost(Exception):
    """Stands for psycopg's exception when the server has gone away."""
    sqlstate = "08006"


def _outage():
    from sqlalchemy.exc import OperationalError
    return OperationalError("SELECT …", {}, _Lost("server closed the connection unexpectedly"))


@pytest.mark.own_app
def test_an_unhandled_error_is_logged_with_its_id_status_and_duration(app, client, request_log):
    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/_broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production (tests re-raise by default)
    answer = client.get("/_broken", headers={"X-Request-Id": "bug-1"})
    assert answer.status_code == 500
    [line] = [entry for entry in request_log() if entry["path"] == "/_broken"]
    assert line["level"] == "ERROR" and line["status"] == 500
    assert line["request_id"] == "bug-1" and line["duration_ms"] is not None


def test_an_outage_while_signing_the_user_in_answers_503_and_is_logged(
        client, world, request_log, monkeypatch):
    """The database goes away between two requests of a signed-in delegate: the page that
    cannot load the user answers the 503 page (which needs no database) and logs its line."""
    from drafting.web import session_users

    login(client, "aus")

    def unreachable(*args, **kwargs):
        raise _outage()

    monkeypatch.setattr(session_users, "load_user", unreachable)
    for path, kind in (("/documents", "text/html"), ("/notifications", "text/html")):
        answer = client.get(path, headers={"X-Request-Id": f"outage{path}"})
        assert answer.status_code == 503 and answer.mimetype == kind, answer.data[:300]
        assert answer.headers["Retry-After"]
        [line] = [entry for entry in request_log() if entry["request_id"] == f"outage{path}"]
        assert line["status"] == 503 and line["path"] == path


def test_an_outage_on_the_api_answers_json_503_and_is_logged(client, world, api_token,
                                                             request_log, monkeypatch):
    from drafting.web import api

    headers = {**api_token("aus"), "X-Request-Id": "api-outage"}

    def unreachable(*args, **kwargs):
        raise _outage()

    monkeypatch.setattr(api, "user_for_token", unreachable)
    answer = client.get("/api/v1/documents", headers=headers)
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.get_json()["error"]["code"] == "database_unavailable"
    [line] = [entry for entry in request_log() if entry["request_id"] == "api-outage"]
    assert line["status"] == 503
