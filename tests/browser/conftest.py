"""Real-browser fixtures: the app served on localhost, driven by Debian's headless Chromium.

What a browser test gets (see docs/testing.md):

- ``live_server`` (session) — the real app, CSRF *enabled*, served by werkzeug on
  127.0.0.1 at a free port in a background thread, on the run's test database (SQLite or the
  PostgreSQL of TEST_DATABASE_URL). ``live_server.url`` is its base URL (no trailing slash);
  ``base_url`` returns the same, so Playwright accepts relative paths: ``page.goto("/login")``.
- Seeding: the ordinary ``world`` and ``demo`` fixtures of tests/conftest.py and
  tests/factories.py work unchanged (every account's password is ``PASSWORD``). They commit
  through the test app's context, which stays pushed during the test, and every table is
  emptied after each test, so tests do not see each other's data. To read what the browser
  wrote, call ``db.session.expire_all()`` first (the browser's writes happen in the server's
  threads, through the server app's own connections).
- ``login(page, username)`` (tests/browser/support.py) — log a page in through the real
  login form.
- ``page_as(username)`` — a new browser context (own cookies) with a logged-in page: use one
  per user to have two economies at work side by side.
- ``page`` / ``context`` / ``new_context`` / ``browser`` — pytest-playwright's own fixtures,
  launched on /usr/bin/chromium with the flags below (never `playwright install`).
- ``screenshot(page, name)`` (tests/browser/support.py) — a full-page PNG under
  test-artifacts/screenshots/.

Every test here must carry the ``browser`` marker (``pytestmark = pytest.mark.browser``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from drafting.extensions import db
from tests.conftest import make_test_app
from tests.browser.support import login
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Headless Chromium as a test runner needs: no sandbox (root in a container), no GPU, and
# no traffic of its own (updates, sync, QUIC probes) so that nothing leaves the machine.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update",
                 "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    """Refuse a test in this folder without the `browser` marker (selection by marker must
    see every browser test)."""
    here = Path(__file__).parent
    unmarked = [item.nodeid for item in items
                if here in Path(item.path).parents and item.get_closest_marker("browser") is None]
    if unmarked:
        raise pytest.UsageError("tests/browser tests need pytestmark = pytest.mark.browser: "
                                + ", ".join(unmarked))


@dataclass
class LiveServer:
    url: str
    app: Flask

    def absolute(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, on Debian's Chromium with test-runner flags."""
    if not Path(CHROMIUM).exists():
        pytest.exit(f"{CHROMIUM} is missing: run `make system-packages` "
                    "(the browser tests are part of the suite, never skipped)", returncode=3)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(migrated):
    """The real app on 127.0.0.1:<free port>, one server for the whole run.

    CSRF stays enabled: a real browser submits the tokens the forms carry.
    """
    # Live-update streams stay open as in production (test apps otherwise end them at once).
    app = make_test_app(migrated, WTF_CSRF_ENABLED=True, LIVE_STREAM_MAX_SECONDS=300)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """pytest-playwright gives new contexts this base URL, so paths can be relative."""
    return live_server.url


@pytest.fixture(autouse=True)
def _database_outlives_pages(app):
    """Set the test app (and its table clean-up) up before any page, so it is torn down after
    every browser context is closed: no request is in flight while the tables are emptied."""
    yield


@pytest.fixture
def page_as(new_context):
    """page_as(username) → a page logged in as that user, in its own browser context."""
    def open_page(username: str, password: str = PASSWORD):
        page = new_context().new_page()
        login(page, username, password)
        return page
    return open_page
