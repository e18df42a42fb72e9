"""The real-browser fixtures of tests/browser (live server, Chromium, logged-in pages), for
test_screen_browser.py."""
from tests.browser.conftest import (  # noqa: F401
    _database_outlives_pages, base_url, browser_type_launch_args, live_server, page_as,
)
