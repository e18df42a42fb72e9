"""Authentication hardening: login throttling, sessions, cookies, passwords, API tokens."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text

from drafting.config import load_config
from drafting.domain.errors import InvalidInput
from drafting.domain.states import Role
from drafting.extensions import db
from drafting.models import ApiToken, AuditEvent, User
from drafting.services import accounts
from drafting.services.audit import verify_audit_chain
from tests.conftest import make_test_app
from tests.factories import PASSWORD, login
from tests.web.test_web_support import form_token, install_request_isolation

WAIT = re.compile(r"Too many login attempts; try again in (\d+) minutes?\.")


def _events(kind: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.kind == kind)
                                   .order_by(AuditEvent.id)).scalars())


def _own_app(migrated, **overrides):
    """An app of its own on the database of `world` (see tests/web/test_web_csrf.py): only
    ids cross over, and the default `app` fixture empties the tables afterwards."""
    db.session.close()
    own = make_test_app(migrated, **overrides)
    install_request_isolation(own)
    return own


@pytest.fixture
def throttled(world, migrated):
    """An app with login throttling on (as in production), fresh in-memory counters."""
    app = _own_app(migrated, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        yield SimpleNamespace(app=app, client=app.test_client())
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def _attempt(client, username, password, address="192.0.2.10"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


# --- login throttling ----------------------------------------------------------------------------

def test_one_address_is_throttled_after_20_attempts_a_minute(throttled):
    client = throttled.client
    for n in range(20):  # a different username each time: only the address limit applies
        assert _attempt(client, f"guess{n}", "wrong password!").status_code == 401
    refused = _attempt(client, "aus", PASSWORD)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert WAIT.search(page).group(1) == "1"
    assert "Too many login attempts; try again in 1 minute." in page
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # The right password was not even checked: no session came out of it.
    assert client.get("/documents").status_code == 302
    # Another address is not affected.
    assert _attempt(throttled.app.test_client(), "aus", PASSWORD, "198.51.100.7").status_code \
        == 302


def test_one_account_is_throttled_after_10_failures_from_any_addresses(throttled):
    for n in range(10):
        response = _attempt(throttled.app.test_client(), "aus", "wrong password!",
                            f"203.0.113.{n + 1}")
        assert response.status_code == 401
    # Even the right password, from yet another address, is refused for now.
    refused = _attempt(throttled.client, " AUS ", PASSWORD, "203.0.113.99")
    assert refused.status_code == 429
    minutes = int(WAIT.search(refused.get_data(as_text=True)).group(1))
    assert 14 <= minutes <= 15
    assert throttled.client.get("/documents").status_code == 302
    # Other accounts, from the same address, log in as usual.
    assert _attempt(throttled.client, "nz", PASSWORD, "203.0.113.99").status_code == 302


def test_successful_logins_and_form_errors_do_not_count_against_the_account(throttled):
    for n in range(12):
        client = throttled.app.test_client()
        assert _attempt(client, "aus", PASSWORD, f"198.51.100.{n + 1}").status_code == 302
        assert client.post("/login", data={"username": "aus"},
                           environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"}
                           ).status_code in (302, 400)
    for n in range(9):
        assert _attempt(throttled.app.test_client(), "aus", "wrong password!",
                        f"198.51.100.{n + 50}").status_code == 401
    assert _attempt(throttled.client, "aus", PASSWORD, "198.51.100.99").status_code == 302


def test_throttling_is_audited_once_a_minute_per_key(throttled):
    for n in range(10):
        _attempt(throttled.app.test_client(), "nz", "wrong password!", f"192.0.2.{n + 1}")
    for n in range(5):
        assert _attempt(throttled.app.test_client(), "nz", "still wrong!!",
                        f"192.0.2.{n + 100}").status_code == 429
    events = _events("auth.throttled")
    assert len(events) == 1
    event = events[0]
    assert event.actor_username == ""
    assert event.remote_addr == "192.0.2.100"
    assert '"username":"nz"' in event.data and '"account"' in event.data
    assert len(_events("auth.login_failed")) == 10  # throttled attempts are not "failed logins"
    count, broken = verify_audit_chain()
    assert broken is None and count >= 11


def test_the_default_test_app_does_not_throttle(client, world, app):
    assert app.config["RATELIMIT_ENABLED"] is False
    for _ in range(30):
        assert client.post("/login", data={"username": "aus", "password": "wrong password!"}
                           ).status_code == 401
    assert client.post("/login", data={"username": "aus", "password": PASSWORD}).status_code \
        == 302


def test_throttling_settings_come_from_the_environment(tmp_path, monkeypatch):
    for name in ("RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(str(tmp_path))
    assert config["RATELIMIT_ENABLED"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["LOGIN_LIMIT_PER_ADDRESS"] == "20 per minute"
    assert config["LOGIN_LIMIT_PER_ACCOUNT"] == "10 per 15 minutes"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    monkeypatch.setenv("RATELIMIT_ENABLED", "0")
    config = load_config(str(tmp_path))
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379"
    assert config["RATELIMIT_ENABLED"] is False


# --- sessions ------------------------------------------------------------------------------------

def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_starts_a_new_session(client, world):
    """Whatever session the browser carried in (perhaps planted) is dropped at login."""
    with client.session_transaction() as planted:
        planted["planted_by"] = "someone else"
        planted["csrf_token"] = "0" * 40
    before = _session_cookie(client)
    login(client, "aus")
    after = _session_cookie(client)
    assert after and after != before
    with client.session_transaction() as current:
        assert "planted_by" not in current and "csrf_token" not in current
        assert current["_user_id"].startswith(f"{world.users['aus'].id}:")
    # The cookie from before the login is still nobody's session.
    fixated = client.application.test_client()
    fixated.set_cookie("session", before)
    assert fixated.get("/documents").status_code == 302


def test_a_form_token_from_before_the_login_is_dead_after_it(world, migrated):
    clause_id = world.clauses[0].id
    app = _own_app(migrated, WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        old_token = form_token(client.get("/login"))
        assert client.post("/login", data={"username": "aus", "password": PASSWORD,
                                           "csrf_token": old_token}).status_code == 302
        stale = client.post("/comments", data={"clause_id": clause_id,
                                               "body": "With the old token",
                                               "csrf_token": old_token})
        assert stale.status_code == 400
        fresh = form_token(client.get(f"/clauses/{clause_id}"))
        assert fresh != old_token
        assert client.post("/comments", data={"clause_id": clause_id,
                                              "body": "With the new token",
                                              "csrf_token": fresh}).status_code == 302
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_logout_kills_every_copy_of_the_session_cookie(client, world, app):
    login(client, "aus")
    copy = _session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("session", copy)
    assert thief.get("/documents").status_code == 200
    assert client.post("/logout").status_code == 302
    assert thief.get("/documents").status_code == 302
    # Logging in again does not bring the old cookie back to life.
    login(client, "aus")
    assert thief.get("/documents").status_code == 302
    assert client.get("/documents").status_code == 200


def test_a_new_password_ends_the_users_sessions(client, world):
    login(client, "nz")
    assert client.get("/documents").status_code == 200
    accounts.set_password(None, world.user("nz"), "a completely new passphrase")
    db.session.commit()
    assert client.get("/documents").status_code == 302


def test_session_cookie_is_httponly_and_lax_and_not_secure_by_default(client, world):
    response = login(client, "aus")
    cookie = next(v for k, v in response.headers.items()
                  if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_secure_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_with_secure_cookies_the_login_cookie_is_marked_secure(world, migrated, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    app = _own_app(migrated)
    with app.app_context():
        assert app.config["SESSION_COOKIE_SECURE"] is True
        response = app.test_client().post("/login", base_url="https://localhost",
                                          data={"username": "aus", "password": PASSWORD})
        assert response.status_code == 302
        cookie = next(v for k, v in response.headers.items()
                      if k == "Set-Cookie" and v.startswith("session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        db.session.remove()
        db.engine.dispose()


# --- password policy -----------------------------------------------------------------------------

@pytest.mark.parametrize("password,username,reason", [
    ("short", None, "at least 10 characters"),
    ("123456789", None, "at least 10 characters"),
    ("x" * 257, None, "too long"),
    ("secretariat", "secretariat", "must not be the username"),
    ("Secretariat2022!", "secretariat", "must not be the username"),
    ("  aus1234567  ", "aus", "must not be the username"),
    ("password123", None, "most common"),
    ("Password 123", None, "most common"),
    ("QWERTYUIOP", None, "most common"),
    ("1234567890", "jpn", "most common"),
])
def test_weak_passwords_are_refused(password, username, reason):
    with pytest.raises(InvalidInput) as refused:
        accounts.check_password_policy(password, username)
    assert reason in refused.value.message
    assert refused.value.details == {"field": "password"}


@pytest.mark.parametrize("password,username", [
    ("correct horse battery", "aus"),
    ("a fresh long passphrase", "newdelegate"),
    ("australia delegation 2022", "aus"),  # the username inside real words is fine
    ("xxxxxxxxxxxx", "observer"),
])
def test_reasonable_passwords_are_accepted(password, username):
    accounts.check_password_policy(password, username)


def _user_count() -> int:
    return db.session.execute(select(func.count(User.id))).scalar_one()


def test_create_user_applies_the_policy(world):
    before = _user_count()
    with pytest.raises(InvalidInput, match="username"):
        accounts.create_user(None, username="chile", password="chile12345", role=Role.OBSERVER)
    with pytest.raises(InvalidInput, match="common"):
        accounts.create_user(None, username="chile", password="qwerty123456",
                             role=Role.OBSERVER)
    db.session.rollback()
    assert _user_count() == before


def test_set_password_applies_the_policy(world):
    user = world.user("jpn")
    old_hash, old_nonce = user.password_hash, user.session_nonce
    with pytest.raises(InvalidInput, match="username"):
        accounts.set_password(None, user, "JPN-2022-2023")
    with pytest.raises(InvalidInput, match="common"):
        accounts.set_password(world.user("admin"), user, "administrator")
    assert (user.password_hash, user.session_nonce) == (old_hash, old_nonce)


def test_admin_page_refuses_a_weak_password_with_its_reason(client, world):
    login(client, "admin")
    before = _user_count()
    response = client.post("/admin/users", data={"username": "chile", "password": "welcome123",
                                                  "role": "observer"})
    assert response.status_code == 422
    assert "This password is one of the most common ones; choose another." in \
        response.get_data(as_text=True)
    assert _user_count() == before
    response = client.post("/admin/users", data={"username": "chile",
                                                  "password": "a fresh long passphrase",
                                                  "role": "observer"})
    assert response.status_code == 302
    assert _user_count() == before + 1


def test_command_line_applies_the_policy(runner, world):
    refused = runner.invoke(args=["create-user", "chile", "--role", "observer",
                                  "--password", "password1234"])
    assert refused.exit_code != 0 and "common" in refused.output
    refused = runner.invoke(args=["set-password", "jpn", "--password", "jpn0123456"])
    assert refused.exit_code != 0 and "username" in refused.output
    accepted = runner.invoke(args=["set-password", "jpn", "--password", "a brand new secret"])
    assert accepted.exit_code == 0, accepted.output


# --- API tokens ----------------------------------------------------------------------------------

def test_a_token_is_shown_once_and_only_its_hash_is_kept(client, world):
    login(client, "aus")
    created = client.post("/account/tokens", data={"name": "Capital script"})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    token = re.search(r"dft_[A-Za-z0-9_-]{20,}", created.get_data(as_text=True)).group(0)
    assert "it will not be shown again" in created.get_data(as_text=True)
    # Afterwards the account page lists it by its first characters only.
    later = client.get("/account").get_data(as_text=True)
    assert token not in later and token[:10] in later
    # The database holds its SHA-256, never the token.
    with db.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM api_tokens"))
                        for v in row)
    assert token not in dump
    assert accounts._digest(token) in dump
    # It works, until it is revoked.
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/documents", headers=headers).status_code == 200
    row = db.session.execute(select(ApiToken).where(ApiToken.prefix == token[:10])).scalar_one()
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    refused = client.get("/api/v1/documents", headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "not_authenticated"
    assert "Revoked" in client.get("/account").get_data(as_text=True)


def test_command_line_token_is_printed_once_and_revocable(runner, world, app):
    result = runner.invoke(args=["issue-token", "nz", "--name", "NZ capital"])
    assert result.exit_code == 0, result.output
    token = re.search(r"dft_[A-Za-z0-9_-]{20,}", result.output).group(0)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    assert client.get("/api/v1/documents", headers=headers).status_code == 200
    row = db.session.execute(select(ApiToken).where(ApiToken.prefix == token[:10])).scalar_one()
    assert row.token_hash == accounts._digest(token) and row.name == "NZ capital"
    accounts.revoke_token(world.user("admin"), row.id)
    db.session.commit()
    assert client.get("/api/v1/documents", headers=headers).status_code == 401


def test_a_deactivated_users_token_stops_working(world, api_token, app):
    headers = api_token("jpn")
    client = app.test_client()
    assert client.get("/api/v1/documents", headers=headers).status_code == 200
    accounts.set_user_active(world.user("admin"), world.users["jpn"].id, False)
    db.session.commit()
    assert client.get("/api/v1/documents", headers=headers).status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic abc", "Bearer dft_nope",
                                    "Bearer " + "x" * 500, "bearer  dft_nope  "])
def test_malformed_or_unknown_tokens_are_401(client, world, header):
    response = client.get("/api/v1/documents", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_authenticated"


# --- one identity: the session on pages, the bearer token on the API ------------------------

def test_the_api_signs_in_by_token_and_never_by_the_session_cookie(client, world, api_token):
    login(client, "aus")
    assert client.get("/documents").status_code == 200
    refused = client.get("/api/v1/documents")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "not_authenticated"
    # A token signs in its own user even where the session is somebody else's.
    clause_id = world.clauses[0].id
    answer = client.post(f"/api/v1/clauses/{clause_id}/comments", json={"body": "From NZ."},
                         headers=api_token("nz"))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["author"] == "nz" and answer.get_json()["economy"] == "NZ"


def test_a_token_signs_nobody_in_on_pages_and_sets_no_cookie(app, client, world, api_token):
    page = client.get("/documents", headers=api_token("aus"))
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    answer = app.test_client().get("/api/v1/documents", headers=api_token("aus"))
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
