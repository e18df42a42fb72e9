"""The framework-ceiling scenario's tools (benchmarks/bench_meeting_day.py, scenario
`ceiling`): running wrk and reading its figures, and a session cookie as wrk must send it."""
from __future__ import annotations

import re
import subprocess
import urllib.request

from meeting_load import Browser, Recorder
from yarl import URL


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    return {"requests_per_s": rps, "non_2xx_3xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(0) if errors else "",
            "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 1) if p99 else None}


async def session_cookie(base: str, username: str, password: str) -> str:
    recorder = Recorder()
    browser = Browser(base, username, password, 0, recorder)
    try:
        if not await browser.log_in("setup"):
            raise SystemExit(f"could not log in as {username}: {dict(recorder.failures)}")
        cookies = browser.session.cookie_jar.filter_cookies(URL(base))
        return "; ".join(f"{k}={v.value}" for k, v in cookies.items())
    finally:
        await browser.close()


CEILING_USER_AGENT = "meeting-day-bench (wrk)"


def as_wrk_client(url: str, cookie: str) -> str:
    """The session cookie as a browser on wrk's address and with wrk's User-Agent holds it.

    The session was opened by another client (address and User-Agent differ), so the first
    request from wrk's identity gets a Set-Cookie (Flask-Login marks the session non-fresh); a
    browser keeps that cookie, so wrk must send it too — replaying the original one would make
    every measured request rewrite the session."""
    request = urllib.request.Request(url, headers={"Cookie": cookie,
                                                   "User-Agent": CEILING_USER_AGENT})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (local URL)
        updated = response.headers.get("Set-Cookie", "")
    if not updated.startswith("session="):
        return cookie
    return "; ".join([updated.split(";", 1)[0]]
                     + [part for part in cookie.split("; ") if not part.startswith("session=")])
