"""Live fan-out: many open Server-Sent-Event streams, one decision, time to every stream.

The client is plain asyncio sockets (one per stream, HTTP/1.1, chunked transfer decoded by
hand): cheap enough that 1,200 streams cost this process little. Each simulated page does what
a browser with static/live.js does: loads the document page (keeping its ETag), opens
GET /documents/<id>/events with its session cookie, and waits for the ``ready`` event (it is
subscribed from then on). Then the secretariat rejects an open proposal through the API, and
every stream records when the ``proposal.rejected`` event arrives. The delay is measured from
the moment the decision's POST returned (its transaction had committed), so it is the fan-out
alone; an event arriving before the POST's response is counted as 0.

With `refresh` on, each page then re-fetches itself 250–650 ms after the event, as live.js
does (If-None-Match with the ETag it holds): the load one decision puts on the server when
every page in the room is open.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
import urllib.request

import aiohttp
from yarl import URL

from meeting_load import Browser, Recorder, percentile, summarise


class Stream:
    """One open event stream on its own socket."""

    def __init__(self, host: str, port: int, path: str, cookie: str) -> None:
        self.host, self.port, self.path, self.cookie = host, port, path, cookie
        self.ready = asyncio.Event()
        self.arrivals: dict[str, list[tuple[float, dict]]] = {}
        self.error: str = ""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.task: asyncio.Task | None = None

    async def open(self) -> None:
        try:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port,
                                                                     limit=1 << 20)
            self.writer.write((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                               f"Accept: text/event-stream\r\nCookie: {self.cookie}\r\n"
                               "Cache-Control: no-cache\r\n\r\n").encode())
            await self.writer.drain()
            status_line = await self.reader.readline()
            if b" 200 " not in status_line:
                raise RuntimeError(status_line.decode(errors="replace").strip() or "no answer")
            chunked = False
            while True:
                line = await self.reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower():
                    chunked = True
            self.task = asyncio.create_task(self._read(chunked))
        except (OSError, RuntimeError, asyncio.IncompleteReadError) as error:
            self.error = f"{type(error).__name__}: {error}"
            self.ready.set()

    async def _body(self, chunked: bool):
        assert self.reader is not None
        if not chunked:
            while data := await self.reader.read(65536):
                yield data
            return
        while True:
            size_line = await self.reader.readline()
            if not size_line:
                return
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                return
            data = await self.reader.readexactly(size + 2)
            yield data[:-2]

    async def _read(self, chunked: bool) -> None:
        buffer = b""
        try:
            async for data in self._body(chunked):
                buffer += data
                while b"\n\n" in buffer:
                    raw, buffer = buffer.split(b"\n\n", 1)
                    self._event(raw.decode())
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            self.error = self.error or f"{type(error).__name__}: {error}"
        finally:
            if not self.ready.is_set():
                self.error = self.error or "stream ended before ready"
                self.ready.set()

    def _event(self, raw: str) -> None:
        kind, data = "message", ""
        for line in raw.splitlines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        now = time.monotonic()
        try:
            payload = json.loads(data) if data else {}
        except ValueError:
            payload = {}
        self.arrivals.setdefault(kind, []).append((now, payload))
        if kind in ("ready", "reload"):
            self.ready.set()

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.close()


def _api(base: str, token: str, method: str, path: str, body: dict | None = None):
    request = urllib.request.Request(
        base + "/api/v1" + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


async def _login_all(base: str, usernames: list[str], password: str, recorder: Recorder,
                     concurrency: int = 8) -> dict[str, Browser]:
    """Log the accounts in, a few at a time (scrypt: ~0.15 s of server CPU each)."""
    browsers: dict[str, Browser] = {}
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, username: str) -> None:
        async with gate:
            browser = Browser(base, username, password, index, recorder)
            if await browser.log_in("setup"):
                browsers[username] = browser
            else:
                await browser.close()

    await asyncio.gather(*(one(i, u) for i, u in enumerate(usernames)))
    return browsers


async def _fanout(server, accounts: dict, args) -> dict:
    base = server.base
    host, port = "127.0.0.1", args.port
    document_id = accounts["document_id"]
    document_path = f"/documents/{document_id}"
    secretariat_token = accounts["tokens"]["secretariat"]
    recorder = Recorder()
    rss_idle = server.rss()

    # Sessions: `args.fanout_accounts` distinct people, each with several pages open.
    people = accounts["readers"][: args.fanout_accounts]
    browsers = await _login_all(base, people, accounts["password"], recorder)
    if not browsers:
        raise SystemExit(f"no account could log in: {dict(recorder.failures)}")
    pages = []
    for n in range(args.crowd):
        browser = list(browsers.values())[n % len(browsers)]
        cookie = "; ".join(f"{k}={v.value}" for k, v in
                           browser.session.cookie_jar.filter_cookies(URL(base)).items())
        pages.append((browser, cookie))

    # Every page is loaded once (its ETag kept for live.js's refresh), then its stream opened.
    etags: list[str] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        gate = asyncio.Semaphore(32)

        async def load(cookie: str) -> str:
            async with gate:
                started = time.perf_counter()
                async with http.get(base + document_path, headers={"Cookie": cookie}) as response:
                    await response.read()
                    recorder.add("page load", "document", response.status,
                                 (time.perf_counter() - started) * 1000, response.status == 200)
                    return response.headers.get("ETag", "")

        etags = await asyncio.gather(*(load(cookie) for _, cookie in pages))

    streams = [Stream(host, port, document_path + "/events", cookie) for _, cookie in pages]
    try:
        return await _measure(server, accounts, args, streams, pages, etags, recorder,
                              rss_idle, len(browsers))
    finally:
        await asyncio.gather(*(s.close() for s in streams))
        await asyncio.gather(*(b.close() for b in browsers.values()))


async def _measure(server, accounts, args, streams, pages, etags, recorder, rss_idle,
                   account_count) -> dict:
    base = server.base
    document_id = accounts["document_id"]
    document_path = f"/documents/{document_id}"
    secretariat_token = accounts["tokens"]["secretariat"]
    opened_at = time.monotonic()
    for batch in range(0, len(streams), 100):  # 100 at a time, as a room fills up
        await asyncio.gather(*(s.open() for s in streams[batch:batch + 100]))
    await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), timeout=120)
    open_seconds = time.monotonic() - opened_at
    failed = [s.error for s in streams if s.error]
    await asyncio.sleep(2)
    rss_open = server.rss()

    proposals = [p for p in _api(base, secretariat_token, "GET",
                                 f"/documents/{document_id}/proposals?status=open")["proposals"]]
    versions = {c["id"]: c["version"] for c in
                _api(base, secretariat_token, "GET", f"/documents/{document_id}")["clauses"]}
    rounds = []
    for round_number in range(min(args.fanout_decisions, len(proposals))):
        proposal = proposals[round_number]
        expected = 0 if proposal.get("action") == "insert" else versions[proposal["clause_id"]]
        for stream in streams:
            stream.arrivals.pop("proposal.rejected", None)
        sent = time.monotonic()
        _api(base, secretariat_token, "POST", f"/proposals/{proposal['id']}/decision",
             {"decision": "reject", "note": "Fan-out benchmark.", "expected_version": expected})
        returned = time.monotonic()
        deadline = returned + 10
        while time.monotonic() < deadline and not all(
                "proposal.rejected" in s.arrivals for s in streams if not s.error):
            await asyncio.sleep(0.02)
        delays = [max(0.0, s.arrivals["proposal.rejected"][0][0] - returned) * 1000
                  for s in streams if "proposal.rejected" in s.arrivals]
        rounds.append({"proposal_id": proposal["id"], "post_ms": round((returned - sent) * 1000, 1),
                       "received": len(delays), "expected": len(streams) - len(failed),
                       "p50_ms": round(percentile(delays, 0.5), 1),
                       "p95_ms": round(percentile(delays, 0.95), 1),
                       "max_ms": round(max(delays), 1) if delays else None})
        if args.fanout_refresh and round_number == 0:
            rounds[-1]["refresh"] = await _refresh_burst(base, document_path, pages, etags,
                                                         streams, returned)
        await asyncio.sleep(3)
    rss_after = server.rss()
    all_delays_p95 = max((r["p95_ms"] for r in rounds), default=None)
    return {"streams": len(streams), "accounts": account_count, "stream_errors": len(failed),
            "first_errors": failed[:3], "open_all_s": round(open_seconds, 1),
            "page_loads": summarise([s for s in recorder.samples if s.phase == "page load"]),
            "decisions": rounds, "worst_p95_ms": all_delays_p95,
            "server_idle": rss_idle, "server_streams_open": rss_open,
            "server_after": rss_after, "login_failures": dict(recorder.failures)}


async def _refresh_burst(base: str, document_path: str, pages, etags, streams,
                         returned: float) -> dict:
    """What live.js does on an event: each page re-fetches itself 250–650 ms after it."""
    recorder = Recorder()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60),
                                     connector=aiohttp.TCPConnector(limit=0)) as http:
        async def refresh(index: int) -> None:
            stream = streams[index]
            if "proposal.rejected" not in stream.arrivals:
                return
            at = stream.arrivals["proposal.rejected"][0][0] + random.uniform(0.25, 0.65)
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            headers = {"Cookie": pages[index][1], "X-Live-Refresh": "1",
                       "If-None-Match": etags[index]}
            started = time.perf_counter()
            try:
                async with http.get(base + document_path, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                recorder.add("refresh", "document", 0, (time.perf_counter() - started) * 1000,
                             False, type(error).__name__)
                return
            recorder.add("refresh", "document", status, (time.perf_counter() - started) * 1000,
                         status in (200, 304))

        await asyncio.gather(*(refresh(i) for i in range(len(streams))))
    result = summarise(recorder.samples)
    result["done_within_s"] = round(max((s.at for s in recorder.samples), default=returned)
                                    - returned, 2)
    result["failures"] = dict(recorder.failures)
    return result


def run(server, accounts: dict, args) -> dict:
    return asyncio.run(_fanout(server, accounts, args))
