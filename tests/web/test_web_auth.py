"""Logging in and out through the pages: forms, sessions, deactivation, `next` redirects."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import AuditEvent, User
from tests.factories import PASSWORD, login
from tests.web.test_web_support import isolated_requests  # noqa: F401  (autouse)


def _location(response) -> str:
    return response.headers["Location"]


def _path_of(location: str) -> str:
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), f"redirect leaves the site: {location}"
    return parts.path


def test_login_form_has_username_and_password_fields(client, world):
    response = client.get("/login")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.data)
    form = page.xpath("//form[@method='post']")[0]
    names = {i.get("name"): i.get("type") for i in form.xpath(".//input")}
    assert names.get("username") in ("text", None)
    assert names.get("password") == "password"
    assert page.xpath("//label[@for='username']") and page.xpath("//label[@for='password']")


def test_good_login_redirects_and_pages_become_reachable(client, world):
    response = client.post("/login", data={"username": "aus", "password": PASSWORD})
    assert response.status_code == 302
    assert _path_of(_location(response)) == "/documents"
    assert client.get("/documents").status_code == 200
    assert client.get(f"/documents/{world.document.id}").status_code == 200
    assert client.get(f"/clauses/{world.clauses[0].id}").status_code == 200


def test_login_username_is_case_insensitive_and_trimmed(client, world):
    response = client.post("/login", data={"username": "  AUS ", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_is_401_with_clear_message_and_no_session(client, world):
    response = client.post("/login", data={"username": "aus", "password": "not the password"})
    assert response.status_code == 401
    assert b"Unknown username or wrong password." in response.data
    # The form is shown again, the password is not echoed back.
    assert b"not the password" not in response.data
    after = client.get("/documents")
    assert after.status_code == 302
    assert _path_of(_location(after)) == "/login"


def test_unknown_user_gets_the_same_answer_as_wrong_password(client, world):
    unknown = client.post("/login", data={"username": "nobody", "password": PASSWORD})
    wrong = client.post("/login", data={"username": "aus", "password": "x" * 12})
    assert unknown.status_code == wrong.status_code == 401
    assert b"Unknown username or wrong password." in unknown.data


def test_failed_login_is_audited(client, world):
    client.post("/login", data={"username": "aus", "password": "wrong password!"})
    kinds = db.session.execute(select(AuditEvent.kind)).scalars().all()
    assert "auth.login_failed" in kinds


@pytest.mark.parametrize("data", [{}, {"username": "aus"}, {"password": PASSWORD},
                                  {"username": "", "password": ""}])
def test_incomplete_login_form_is_refused_with_a_message(client, world, data):
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert b"form-error" in response.data
    assert client.get("/documents").status_code == 302


def test_logout_is_post_only_and_ends_the_session(client, world):
    login(client, "aus")
    assert client.get("/documents").status_code == 200
    assert client.get("/logout").status_code == 405
    assert client.get("/documents").status_code == 200  # a GET did not log out
    response = client.post("/logout")
    assert response.status_code == 302
    assert _path_of(_location(response)) == "/login"
    after = client.get("/documents")
    assert after.status_code == 302
    assert _path_of(_location(after)) == "/login"


def test_logout_invalidates_a_copied_session_cookie(client, world, app):
    """Logging out rotates the session nonce: a stolen copy of the cookie is dead too."""
    login(client, "aus")
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/documents").status_code == 200
    client.post("/logout")
    assert thief.get("/documents").status_code == 302


def test_deactivated_user_cannot_log_in(client, world):
    user = world.user("nz")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"username": "nz", "password": PASSWORD})
    assert response.status_code == 401
    assert client.get("/documents").status_code == 302


def test_deactivation_by_admin_ends_the_users_open_session(client, world, app):
    delegate = app.test_client()
    login(delegate, "nz")
    assert delegate.get("/documents").status_code == 200
    login(client, "admin")
    response = client.post(f"/admin/users/{world.users['nz'].id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert delegate.get("/documents").status_code == 302


@pytest.mark.parametrize("path", [
    "/documents", "/documents/{doc}", "/documents/{doc}?view=changes", "/clauses/{clause}",
    "/documents/{doc}/desk", "/documents/{doc}/propose", "/account", "/admin/users",
])
def test_pages_require_login_and_remember_where_to_go(client, world, path):
    path = path.format(doc=world.document.id, clause=world.clauses[0].id)
    response = client.get(path)
    assert response.status_code == 302
    location = _location(response)
    assert _path_of(location) == "/login"
    next_value = parse_qs(urlsplit(location).query)["next"][0]
    assert next_value == path
    # After logging in from that link, the user lands where they wanted to go.
    target = urlsplit(location)
    response = client.post(f"{target.path}?{target.query}",
                           data={"username": "secretariat" if "desk" in path else
                                 "admin" if "admin" in path else "aus", "password": PASSWORD})
    assert response.status_code == 302
    assert _location(response) == path


@pytest.mark.parametrize("method,path", [
    ("post", "/documents/{doc}/proposals"), ("post", "/comments"),
    ("post", "/proposals/preview"),
])
def test_writes_require_login(client, world, method, path):
    response = getattr(client, method)(path.format(doc=world.document.id), data={})
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert _path_of(_location(response)) == "/login"


@pytest.mark.parametrize("evil", [
    "//evil.example", "https://evil.example", "http://evil.example/documents",
    "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
    " //evil.example", "javascript:alert(1)", "https:evil.example", "//evil.example/%2F..",
])
def test_next_open_redirect_is_refused(client, world, evil):
    response = client.post("/login", query_string={"next": evil},
                           data={"username": "aus", "password": PASSWORD})
    assert response.status_code == 302
    location = _location(response)
    assert "evil" not in location
    assert _path_of(location) == "/documents"


def test_next_to_a_local_page_is_followed(client, world):
    target = f"/clauses/{world.clauses[1].id}"
    response = client.post("/login", query_string={"next": target},
                           data={"username": "aus", "password": PASSWORD})
    assert _location(response) == target


def test_logged_in_user_visiting_login_goes_to_documents(client, world):
    login(client, "aus")
    response = client.get("/login")
    assert response.status_code == 302
    assert _path_of(_location(response)) == "/documents"


def test_home_redirects_to_documents(client, world):
    assert _path_of(_location(client.get("/"))) == "/documents"


def test_login_page_does_not_show_navigation_for_anonymous_users(client, world):
    page = client.get("/login").data
    assert b"Log out" not in page


def test_comment_next_open_redirect_is_refused(client, world):
    login(client, "aus")
    response = client.post("/comments", data={"clause_id": world.clauses[0].id,
                                               "body": "hello", "next": "//evil.example"})
    assert response.status_code == 302
    assert "evil" not in _location(response)
    assert _path_of(_location(response)) == f"/clauses/{world.clauses[0].id}"
    assert urlsplit(_location(response)).fragment.startswith("comment-")


def test_users_table_has_no_plain_passwords(client, world):
    hashes = db.session.execute(select(User.password_hash)).scalars().all()
    assert all(PASSWORD not in h for h in hashes)


def test_session_cookie_is_httponly_and_samesite(client, world):
    response = login(client, "aus")
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session


def test_login_page_sets_no_cookie_for_a_failed_login(client, world):
    response = client.post("/login", data={"username": "aus", "password": "wrong password"})
    assert response.status_code == 401
    session = client.get_cookie("session")
    assert session is None or "_user_id" not in session.value
