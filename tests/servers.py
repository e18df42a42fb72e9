"""Waiting for a server process that a test started (gunicorn in tests/serving and tests/faults)."""
from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest


def wait_until_healthy(process: subprocess.Popen, base_url: str, seconds: float,
                       read_log: Callable[[], str]) -> None:
    """Poll GET /healthz until it answers 200; fail the test with the server's log if the
    process exits first or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{read_log()}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"gunicorn did not answer /healthz within {seconds}s:\n{read_log()}")
        time.sleep(0.2)
