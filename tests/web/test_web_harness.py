"""The test harness itself: requests must not share per-request state.

Deliberately does NOT use tests.web.test_web_support.isolated_requests, to show why that
fixture exists.
"""
from __future__ import annotations

import pytest

from tests.factories import login


def test_a_second_client_is_not_served_as_the_first_clients_user(app, world):
    first = app.test_client()
    login(first, "aus")
    assert first.get("/documents").status_code == 200
    stranger = app.test_client()  # never logged in
    assert stranger.get("/documents").status_code == 302
