"""Simulated delegates for the meeting-day benchmark: browsers (aiohttp) and API writers.

Each simulated person is a browser of its own: its own cookie jar, its own connections, and
its own source address on the loopback range (127.1.x.y) — the server sees 1,200 different
clients, as in a meeting room, so the per-address login throttle applies as it would in
production instead of being switched off. A browser keeps the ETag of every page it has seen
and revalidates with If-None-Match, as browsers do with `Cache-Control: no-cache`. Static
files (CSS, JS) are not fetched: in production a reverse proxy or CDN serves them.

Every request is one sample: (phase, name, status, milliseconds). A request fails when it
raises (connection refused or reset, timeout) or answers with a status other than the one
expected; failures are counted, never retried.
"""
from __future__ import annotations

import asyncio
import itertools
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CLAUSE_LINK_RE = re.compile(r'href="/clauses/(\d+)"')
DECIDE_RE = re.compile(r'action="/proposals/(\d+)/decide".*?name="expected_version" value="(\d+)"',
                       re.S)
TIMEOUT = aiohttp.ClientTimeout(total=60)


@dataclass
class Sample:
    phase: str
    name: str
    status: int       # 0: the request raised
    ms: float
    ok: bool
    at: float         # time.monotonic() when it finished


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, phase: str, name: str, status: int, ms: float, ok: bool, why: str = "") -> None:
        self.samples.append(Sample(phase, name, status, ms, ok, time.monotonic()))
        if not ok:
            self.failures[f"{phase} {name}: {why or status}"] += 1


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def summarise(samples: list[Sample]) -> dict:
    times = [s.ms for s in samples]
    return {"requests": len(samples), "errors": sum(not s.ok for s in samples),
            "p50_ms": round(percentile(times, 0.50), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "p99_ms": round(percentile(times, 0.99), 1),
            "max_ms": round(max(times), 1) if times else float("nan")}


def source_address(index: int) -> str:
    """A distinct loopback address per simulated person (Linux routes all of 127/8 to lo)."""
    return f"127.1.{index // 250}.{index % 250 + 1}"


class Browser:
    """One person's browser: cookies, remembered ETags, one source address."""

    def __init__(self, base: str, username: str, password: str, index: int,
                 recorder: Recorder) -> None:
        self.base = base
        self.username = username
        self.password = password
        self.recorder = recorder
        self.etags: dict[str, str] = {}
        self.csrf = ""
        connector = aiohttp.TCPConnector(local_addr=(source_address(index), 0), limit=6,
                                         force_close=False)
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=TIMEOUT, cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.session.close()

    async def request(self, phase: str, name: str, method: str, path: str, *,
                      expect: tuple[int, ...], data: dict | None = None,
                      revalidate: bool = True) -> tuple[int, str, str]:
        """Send one request; returns (status, body, Location header)."""
        headers = {}
        if method == "GET" and revalidate and path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        started = time.perf_counter()
        try:
            async with self.session.request(method, self.base + path, data=data,
                                            headers=headers, allow_redirects=False) as response:
                body = await response.text()
                status = response.status
                location = response.headers.get("Location", "")
                etag = response.headers.get("ETag")
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            ms = (time.perf_counter() - started) * 1000
            self.recorder.add(phase, name, 0, ms, False, type(error).__name__)
            return 0, "", ""
        ms = (time.perf_counter() - started) * 1000
        self.recorder.add(phase, name, status, ms, status in expect)
        if method == "GET" and status == 200:
            if etag:
                self.etags[path] = etag
            match = CSRF_RE.search(body)
            if match:
                self.csrf = match.group(1)
        return status, body, location

    async def follow(self, phase: str, location: str, name: str) -> str:
        """GET the page a form redirected to, as the browser would (consumes flashes)."""
        if not location:
            return ""
        parts = urlsplit(location)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        _, body, _ = await self.request(phase, name, "GET", path, expect=(200,),
                                        revalidate=False)
        return body

    def session_cookie(self) -> str:
        for cookie in self.session.cookie_jar:
            if cookie.key == "session":
                return cookie.value
        return ""

    async def resume(self, phase: str, cookie: str) -> bool:
        """Come back with a session cookie kept from an earlier run (valid while the account's
        session nonce and the server's SECRET_KEY are unchanged); False if it is not accepted."""
        self.session.cookie_jar.update_cookies({"session": cookie}, response_url=URL(self.base))
        status, _, _ = await self.request(phase, "documents list", "GET", "/documents",
                                          expect=(200, 302))
        return status == 200

    async def log_in(self, phase: str) -> bool:
        status, _, _ = await self.request(phase, "login form", "GET", "/login", expect=(200,))
        if status != 200:
            return False
        status, _, location = await self.request(
            phase, "login", "POST", "/login", expect=(302,),
            data={"csrf_token": self.csrf, "username": self.username, "password": self.password})
        if status != 302:
            return False
        await self.follow(phase, location, "documents list")
        return True

    async def post_form(self, phase: str, name: str, path: str, fields: dict) -> str:
        """POST a form with the session's CSRF token; returns the redirect target."""
        status, _, location = await self.request(phase, name, "POST", path, expect=(302,),
                                                 data={"csrf_token": self.csrf, **fields})
        if status == 302:
            await self.follow(phase, location, name + " (result page)")
            return location
        return ""


@dataclass
class Clock:
    """The meeting day's timeline (time.monotonic() values) and the revision signal."""
    start: float
    arrival_end: float
    steady_end: float
    revision_issued: asyncio.Event = field(default_factory=asyncio.Event)
    revision_committed: asyncio.Event = field(default_factory=asyncio.Event)
    revision_at: float = 0.0
    burst_window: float = 10.0
    saved_sessions: dict[str, str] = field(default_factory=dict)

    def phase(self) -> str:
        now = time.monotonic()
        if self.revision_issued.is_set():
            return "burst"
        return "arrival" if now < self.arrival_end else "steady"


async def think(clock: Clock, low: float, high: float) -> bool:
    """Wait a think time; True when the revision was issued meanwhile (stop and reload)."""
    delay = random.uniform(low, high)
    try:
        await asyncio.wait_for(clock.revision_issued.wait(), timeout=delay)
        return True
    except asyncio.TimeoutError:
        return False


async def reload_after_revision(browser: Browser, clock: Clock, document_path: str,
                                reloaded: list[float]) -> None:
    """Each person reloads the document at a random moment of the burst window."""
    await clock.revision_committed.wait()
    await asyncio.sleep(max(0.0, clock.revision_at + random.uniform(0, clock.burst_window)
                            - time.monotonic()))
    status, _, _ = await browser.request("burst", "document (reload)", "GET", document_path,
                                         expect=(200,))
    if status == 200:
        reloaded.append(time.monotonic() - clock.revision_at)


async def arrive(browser: Browser, clock: Clock, document_path: str) -> bool:
    await asyncio.sleep(max(0.0, random.uniform(clock.start, clock.arrival_end) - time.monotonic()))
    saved = clock.saved_sessions.get(browser.username)
    if not (saved and await browser.resume("arrival", saved)):
        if not await browser.log_in("arrival"):
            return False
    await browser.request("arrival", "document", "GET", document_path, expect=(200, 304))
    return True


async def reader(browser: Browser, clock: Clock, document_path: str, clause_ids: list[int],
                 reloaded: list[float], think_time: tuple[float, float]) -> None:
    if not await arrive(browser, clock, document_path):
        return
    while True:
        if await think(clock, *think_time):
            break
        roll = random.random()
        if roll < 0.55:
            path, name = document_path, "document"
        elif roll < 0.70:
            path, name = document_path + "?view=changes", "document with changes"
        else:
            path, name = f"/clauses/{random.choice(clause_ids)}", "clause"
        await browser.request(clock.phase(), name, "GET", path, expect=(200, 304))
    await reload_after_revision(browser, clock, document_path, reloaded)


async def writer(browser: Browser, clock: Clock, document_id: int, clauses: dict[int, str],
                 reloaded: list[float], think_time: tuple[float, float],
                 proposal_ids: list[int]) -> None:
    """A delegation's drafter: reads the clause, then proposes an amendment or comments."""
    document_path = f"/documents/{document_id}"
    if not await arrive(browser, clock, document_path):
        return
    count = 0
    while True:
        if await think(clock, *think_time):
            break
        count += 1
        clause_id = random.choice(list(clauses))
        phase = clock.phase()
        await browser.request(phase, "clause", "GET", f"/clauses/{clause_id}", expect=(200, 304))
        if random.random() < 0.5:
            text = clauses[clause_id] + f" {browser.username.upper()} suggestion {count}: " \
                "we will report on progress at each Senior Officials' Meeting."
            location = await browser.post_form(phase, "propose", f"/documents/{document_id}/proposals",
                                               {"action": "amend", "clause_id": str(clause_id),
                                                "text": text,
                                                "rationale": "Adds a review mechanism."})
            match = re.search(r"/proposals/(\d+)", location)
            if match:
                proposal_ids.append(int(match.group(1)))
        else:
            await browser.post_form(phase, "comment", "/comments", {
                "clause_id": str(clause_id),
                "body": f"**{browser.username.upper()}** can support this if the reference to "
                        f"national circumstances is kept (note {count})."})
    await reload_after_revision(browser, clock, document_path, reloaded)


async def secretariat(browser: Browser, clock: Clock, document_id: int, reloaded: list[float],
                      proposal_ids: list[int], decide_every: tuple[float, float]) -> None:
    """The merge desk: every so often decides one of this run's proposals; at the end of the
    steady state issues the revision everyone reloads."""
    document_path = f"/documents/{document_id}"
    for _attempt in range(3):  # the chair must be in the room: the revision depends on it
        if await arrive(browser, clock, document_path):
            break
    else:
        clock.revision_at = time.monotonic()
        clock.revision_issued.set()  # no revision: release everyone (failures are recorded)
        clock.revision_committed.set()
        return
    decided = 0
    while time.monotonic() < clock.steady_end:
        await asyncio.sleep(min(random.uniform(*decide_every),
                                max(0.0, clock.steady_end - time.monotonic())))
        if time.monotonic() >= clock.steady_end:
            break
        phase = clock.phase()
        _, body, _ = await browser.request(phase, "merge desk", "GET",
                                           f"/documents/{document_id}/desk", expect=(200, 304),
                                           revalidate=False)
        forms = {int(pid): int(version) for pid, version in DECIDE_RE.findall(body)}
        candidates = [pid for pid in proposal_ids if pid in forms]
        if not candidates:
            continue
        chosen = random.choice(candidates)
        proposal_ids.remove(chosen)
        decided += 1
        await browser.post_form(phase, "decide", f"/proposals/{chosen}/decide", {
            "decision": "accept" if decided % 3 == 0 else "reject",
            "expected_version": str(forms[chosen]),
            "note": "Decided during the meeting-day benchmark."})
    clock.revision_issued.set()  # everyone stops reading and waits for the new revision
    await browser.post_form("burst", "issue revision", f"/documents/{document_id}/revisions",
                            {"note": "Rev. issued at the end of the meeting-day session."})
    clock.revision_at = time.monotonic()  # committed: the reload window starts now
    clock.revision_committed.set()
    await reload_after_revision(browser, clock, document_path, reloaded)


# --- the write path ---------------------------------------------------------------------------

_VARIANTS = itertools.count(int(time.time() * 1000))

async def api_writer(base: str, token: str, clauses: dict[int, str], until: float,
                     recorder: Recorder, counter: list[int]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(timeout=TIMEOUT, headers=headers) as session:
        while time.monotonic() < until:
            clause_id = random.choice(list(clauses))
            # Unique text: an economy's second identical open proposal is refused (409).
            body = {"action": "amend", "rationale": "Write-path benchmark.",
                    "text": clauses[clause_id] + f" Variant {next(_VARIANTS)}."}
            started = time.perf_counter()
            try:
                async with session.post(f"{base}/api/v1/clauses/{clause_id}/proposals",
                                        json=body) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                recorder.add("writes", "submit proposal (API)", 0,
                             (time.perf_counter() - started) * 1000, False, type(error).__name__)
                continue
            recorder.add("writes", "submit proposal (API)", status,
                         (time.perf_counter() - started) * 1000, status == 201)
            if status == 201:
                counter[0] += 1
