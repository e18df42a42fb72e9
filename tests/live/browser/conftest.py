"""The real-browser fixtures of tests/browser (live server, Chromium, logged-in pages), for the
live-update browser test. Kept in this folder so the other live tests need no browser."""
from tests.browser.conftest import (  # noqa: F401
    _database_outlives_pages, base_url, browser_type_launch_args, live_server, page_as,
)
