"""Meeting-day benchmark: the production server under a negotiating session's load.

Run on demand (never part of the test suite): `make bench-meeting`, or

    .venv/bin/python benchmarks/bench_meeting_day.py [--only ceiling,day,fanout,writes]
        [--crowd 1200] [--arrival 240] [--steady 180] [--writes-seconds 30]

What it does, for each scenario:
1. copies a fresh PostgreSQL database from a template (built once: `flask db upgrade`,
   `flask seed-demo`, the crowd's accounts and API tokens — benchmarks/meeting_setup.py);
2. starts the server exactly as `make serve` does (gunicorn with gunicorn.conf.py), on its own
   port, with its log in instance/bench/server-<scenario>.log;
3. drives it from this process over loopback, then stops it.

Scenarios (figures and targets in docs/performance.md):
- ceiling — requests/s of the demo document page over requests/s of /healthz, same server,
  one run, with `wrk` (Debian package; `make bench-meeting` installs it). Target ≥ 0.25.
  Also /healthz with the session cookie (the floor of every logged-in request: the session's
  user is loaded) and the page's ratio to that floor.
- day     — the crowd logs in over `--arrival` seconds, reads documents and clauses with
  20–60 s think time for `--steady` seconds (21 delegates also propose and comment, the
  secretariat decides), then the secretariat issues a revision and everyone reloads the
  document within 10 s (each starts at a random moment of `--reload-window`, 9.5 s).
  Target: p95 < 300 ms and no error, in every phase.
- fanout  — `--crowd` live-update streams (Server-Sent Events) open at once, then a decision is
  committed; time from the decision's response to the event at each stream. Target p95 < 1 s.
- writes  — 21 API clients submitting proposals back to back; proposals/s and p95, against 21
  threads each inserting and committing one row (psycopg) on the same database: the floor.

Through the balancer (`--cluster`): the server is `make serve-cluster` instead — two gunicorn
hosts (each as `make serve` runs it) behind HAProxy (deploy/haproxy.cfg) on `--port`, the hosts
on the next two ports, HAProxy's statistics on the one after. Every scenario then also reports
per host: requests HAProxy sent it, its 5xx, its peak concurrent requests, the CPU seconds its
processes used and their memory (`hosts`).

Machine caveat: the server, this load generator and whatever else runs share the machine's
cores; the JSON written to instance/bench/ records the load average before and after.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import meeting_setup  # noqa: E402
from meeting_ceiling import CEILING_USER_AGENT, as_wrk_client, session_cookie, wrk  # noqa: E402
from meeting_load import (Browser, Clock, Recorder, api_writer, percentile,  # noqa: E402
                          reader, secretariat, summarise, writer)

ROOT = meeting_setup.ROOT
DEFAULT_BASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/drafting_bench"
BENCH_SECRET_KEY = "meeting-day-benchmark-" + "k" * 32  # sessions survive server restarts


# --- the server -----------------------------------------------------------------------------------

def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def server_processes(session_id: int) -> list[int]:
    """The gunicorn processes (master and workers) started in the server's session."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != session_id:
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ProcessLookupError):
            continue
        if b"gunicorn" in cmdline:
            pids.append(int(entry.name))
    return pids


def rss_mib(pids: list[int]) -> float:
    """Resident memory of the processes, from /proc/<pid>/status (VmRSS)."""
    total_kib = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return round(total_kib / 1024, 1)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used, from /proc/<pid>/stat."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, process: subprocess.Popen, base: str, log: Path,
                 cluster_dir: Path | None = None, stats: str = "") -> None:
        self.process = process
        self.base = base
        self.log = log
        self.cluster_dir = cluster_dir  # `--cluster`: where serve-cluster.sh keeps its pid files
        self.stats = stats

    def host_pids(self) -> dict[str, list[int]]:
        """`--cluster`: each host's gunicorn processes (each host is a session of its own)."""
        hosts = {}
        for name in ("app1", "app2"):
            try:
                leader = int((self.cluster_dir / f"{name}.pid").read_text())
            except (OSError, ValueError):
                continue
            hosts[name] = server_processes(leader)
        return hosts

    def pids(self) -> list[int]:
        if self.cluster_dir is not None:
            return [pid for pids in self.host_pids().values() for pid in pids]
        return server_processes(self.process.pid)

    def host_load(self) -> dict:
        """`--cluster`: per host, HAProxy's counters and the host's CPU time and memory (and
        HAProxy's own CPU time); totals since the server started."""
        with urllib.request.urlopen(self.stats + "/;csv", timeout=5) as response:  # noqa: S310
            rows = response.read().decode().splitlines()
        header = rows[0].lstrip("# ").split(",")
        counters = {}
        for row in rows[1:]:
            values = dict(zip(header, row.split(",")))
            if values.get("pxname") == "app_hosts" and values.get("svname") != "BACKEND":
                # app1 and its unchecked backup (used only while no host passes its checks)
                # are the same host: their counters add up.
                name = values["svname"].removesuffix("-unchecked")
                if name in counters:
                    kept = counters[name]
                    for field in ("stot", "hrsp_5xx", "smax"):
                        kept[field] = str(int(kept.get(field) or 0) + int(values.get(field) or 0))
                else:
                    counters[name] = dict(values)
        load = {}
        for name, pids in self.host_pids().items():
            values = counters.get(name, {})
            load[name] = {"requests": int(values.get("stot") or 0),
                          "responses_5xx": int(values.get("hrsp_5xx") or 0),
                          "peak_concurrent": int(values.get("smax") or 0),
                          "status": values.get("status", "?"),
                          "cpu_s": round(cpu_seconds(pids), 1), "rss_mib": rss_mib(pids)}
        try:
            haproxy = int((self.cluster_dir / "haproxy.pid").read_text())
            load["haproxy"] = {"cpu_s": round(cpu_seconds([haproxy]), 1),
                               "rss_mib": rss_mib([haproxy])}
        except (OSError, ValueError):
            pass
        return load

    def rss(self) -> dict:
        pids = self.pids()
        return {"processes": len(pids), "rss_mib": rss_mib(pids)}


def _get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except Exception:  # noqa: BLE001 - not up yet
        return 0


# `--cluster`: each scenario's per-host load, read just before its server stops.
HOST_LOAD: dict[str, dict] = {}


@contextmanager
def serve(args, scenario: str, extra_env: dict | None = None):
    """A fresh database and `make serve` (or `make serve-cluster`) on it; stopped (SIGTERM to
    its session) on exit."""
    import socket  # noqa: PLC0415

    ports = [args.port + n for n in range(4 if args.cluster else 1)]
    free_by = time.monotonic() + 60  # the previous scenario's hosts may still be stopping
    for port in ports:
        while True:
            with socket.socket() as probe:  # a server left over on the port would answer
                if probe.connect_ex(("127.0.0.1", port)) != 0:
                    break
            if time.monotonic() > free_by:
                raise SystemExit(f"port {port} is in use: stop what listens there or use --port")
            time.sleep(0.5)
    meeting_setup.fresh_run_database(args.databases)
    log = meeting_setup.STATE_DIR / f"server-{scenario}.log"
    env = dict(os.environ, DATABASE_URL=args.databases.run_url,
               BIND=f"127.0.0.1:{args.port}", SECRET_KEY=BENCH_SECRET_KEY,
               APP_RELEASE="bench",
               # Live updates on channels of this run's own (Redis may be shared).
               LIVE_CHANNEL_PREFIX=f"bench-{os.getpid()}")
    cluster_dir = None
    target = "serve"
    if args.cluster:
        target = "serve-cluster"
        cluster_dir = meeting_setup.STATE_DIR / f"cluster-{scenario}"
        env.update(CLUSTER_BIND=f"127.0.0.1:{ports[0]}", CLUSTER_APP1=f"127.0.0.1:{ports[1]}",
                   CLUSTER_APP2=f"127.0.0.1:{ports[2]}", CLUSTER_STATS=f"127.0.0.1:{ports[3]}",
                   CLUSTER_RUN_DIR=str(cluster_dir))
        env.pop("BIND")
    env.update(dict(item.split("=", 1) for item in args.server_env))
    env.update(extra_env or {})
    with open(log, "wb") as out:
        process = subprocess.Popen(["make", "--no-print-directory", target], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    deadline = time.monotonic() + 120
    while _get(base + "/readyz") != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGTERM)
            raise SystemExit(f"the server did not start; see {log}")
        time.sleep(0.3)
    server = Server(process, base, log, cluster_dir,
                    f"http://127.0.0.1:{ports[3]}" if args.cluster else "")
    try:
        if args.cluster:
            # Both hosts in rotation before the load starts.
            while set(v["status"] for k, v in server.host_load().items()
                      if k != "haproxy") != {"UP"}:
                if time.monotonic() > deadline:
                    raise SystemExit(f"a host did not come up; see {cluster_dir}")
                time.sleep(0.3)
            start_load = server.host_load()
        yield server
        if args.cluster:
            end_load = server.host_load()
            HOST_LOAD[scenario] = {
                name: {key: (round(value - start_load.get(name, {}).get(key, 0), 1)
                             if key in ("requests", "responses_5xx", "cpu_s") else value)
                       for key, value in figures.items()}
                for name, figures in end_load.items()}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        if args.cluster:
            # make returns at once; the hosts take up to their graceful timeout to stop.
            stop_by = time.monotonic() + 60
            while server.pids() and time.monotonic() < stop_by:
                time.sleep(0.5)
            for pid in server.pids():
                os.kill(pid, signal.SIGKILL)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- helpers ---------------------------------------------------------------------------------------

def api_json(base: str, token: str, path: str) -> dict:
    request = urllib.request.Request(base + "/api/v1" + path,
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def clause_texts(base: str, token: str, document_id: int) -> dict[int, str]:
    document = api_json(base, token, f"/documents/{document_id}")
    return {c["id"]: c["text"] for c in document["clauses"]}


# --- (1) framework ceiling -------------------------------------------------------------------------

def scenario_ceiling(args, accounts: dict) -> dict:
    with serve(args, "ceiling") as server:
        document = f"{server.base}/documents/{accounts['document_id']}"
        cookie = asyncio.run(session_cookie(server.base, accounts["writers"][0],
                                            accounts["password"]))
        cookie = as_wrk_client(document, cookie)
        seconds, connections = args.ceiling_seconds, args.ceiling_connections
        pids = [p for p in server.pids() if p != min(server.pids())]  # workers, not the master

        def measure(url: str, headers: dict) -> dict:
            """requests/s, and the server's CPU per request: the latter does not depend on how
            busy the rest of the machine is."""
            before = cpu_seconds(pids)
            result = wrk(url, seconds, connections, headers)
            requests = result["requests_per_s"] * seconds
            result["server_cpu_ms_per_request"] = round(
                (cpu_seconds(pids) - before) * 1000 / max(requests, 1), 2)
            return result

        client = {"Cookie": cookie, "User-Agent": CEILING_USER_AGENT}
        wrk(server.base + "/healthz", 3, connections, {})  # warm-up: imports, pools, templates
        wrk(document, 3, connections, client)
        healthz = measure(server.base + "/healthz", {"User-Agent": CEILING_USER_AGENT})
        # The same endpoint with the session cookie: every request of a logged-in person loads
        # the session's user first, so this is the floor of any authenticated page.
        healthz_logged_in = measure(server.base + "/healthz", client)
        page = measure(document, client)
        changes = measure(document + "?view=changes", client)
        etag = urllib.request.urlopen(urllib.request.Request(  # noqa: S310 (local URL)
            document, headers=client), timeout=30).headers.get("ETag", "")
        not_modified = measure(document, {**client, "If-None-Match": etag})
        rss = server.rss()

    def ratio(result: dict) -> float:
        return round(result["requests_per_s"] / healthz["requests_per_s"], 3)

    def cpu_ratio(result: dict) -> float:
        return round(healthz["server_cpu_ms_per_request"]
                     / max(result["server_cpu_ms_per_request"], 0.01), 3)

    return {"healthz": healthz, "healthz_logged_in": healthz_logged_in,
            "document": page, "document_changes": changes,
            "document_304": not_modified,
            "ratio": ratio(page), "ratio_changes": ratio(changes), "ratio_304": ratio(not_modified),
            "ratio_logged_in_floor": ratio(healthz_logged_in),
            "ratio_document_to_logged_in_floor": round(
                page["requests_per_s"] / healthz_logged_in["requests_per_s"], 3),
            "cpu_ratio": cpu_ratio(page), "cpu_ratio_changes": cpu_ratio(changes),
            "cpu_ratio_304": cpu_ratio(not_modified),
            "seconds": seconds, "connections": connections, "server": rss}


# --- (2) the meeting day ---------------------------------------------------------------------------

async def meeting_day(base: str, accounts: dict, args) -> dict:
    document_id = accounts["document_id"]
    clauses = clause_texts(base, accounts["tokens"]["secretariat"], document_id)
    recorder = Recorder()
    writers = accounts["writers"]
    readers = accounts["readers"][: max(0, args.crowd - len(writers) - 1)]
    start = time.monotonic() + 1
    sessions_file = meeting_setup.STATE_DIR / "sessions.json"
    saved = {}
    if args.reuse_sessions and sessions_file.exists():
        saved = json.loads(sessions_file.read_text())
    clock = Clock(start=start, arrival_end=start + args.arrival,
                  steady_end=start + args.arrival + args.steady, saved_sessions=saved,
                  burst_window=args.reload_window)
    reloaded: list[float] = []
    proposal_ids: list[int] = []
    think_time = (args.think_min, args.think_max)
    browsers: list[Browser] = []

    def browser(username: str) -> Browser:
        made = Browser(base, username, accounts["password"], len(browsers), recorder)
        browsers.append(made)
        return made

    tasks = [reader(browser(u), clock, f"/documents/{document_id}", list(clauses), reloaded,
                    think_time) for u in readers]
    tasks += [writer(browser(u), clock, document_id, clauses, reloaded, think_time, proposal_ids)
              for u in writers]
    tasks.append(secretariat(browser(accounts["secretariat"]), clock, document_id, reloaded,
                             proposal_ids, (15, 30)))
    try:
        # Bounded in time whatever happens (think times end at the revision).
        await asyncio.wait_for(asyncio.gather(*tasks),
                               timeout=args.arrival + args.steady + args.think_max + 120)
    except asyncio.TimeoutError:
        recorder.failures["the day did not end within its time bound"] += 1
    finally:
        kept = {b.username: b.session_cookie() for b in browsers if b.session_cookie()}
        sessions_file.write_text(json.dumps({**saved, **kept}))
        sessions_file.chmod(0o600)
        await asyncio.gather(*(b.close() for b in browsers))
    by_phase = {}
    for phase in ("arrival", "steady", "burst"):
        samples = [s for s in recorder.samples if s.phase == phase]
        names = sorted({s.name for s in samples})
        by_phase[phase] = {"all": summarise(samples),
                           "by_request": {n: summarise([s for s in samples if s.name == n])
                                          for n in names}}
    logins = sum(1 for x in recorder.samples if x.name == "login")
    return {"people": len(browsers), "phases": by_phase, "logins": logins,
            "sessions_resumed": len(browsers) - logins if args.reuse_sessions else 0,
            "reloaded": len(reloaded),
            "reload_done_within_s": round(max(reloaded), 2) if reloaded else None,
            "failures": dict(recorder.failures),
            "arrival_s": args.arrival, "steady_s": args.steady,
            "think_s": list(think_time)}


def scenario_day(args, accounts: dict) -> dict:
    with serve(args, "day") as server:
        peak = {"rss_mib": 0.0}
        stop = threading.Event()

        def watch_memory() -> None:
            while not stop.wait(2):
                current = server.rss()
                if current["rss_mib"] > peak["rss_mib"]:
                    peak.update(current)

        watcher = threading.Thread(target=watch_memory, daemon=True)
        watcher.start()
        try:
            result = asyncio.run(meeting_day(server.base, accounts, args))
        finally:
            stop.set()
            watcher.join()
        result["server_peak"] = peak
    return result


# --- (4) the write path ----------------------------------------------------------------------------

def insert_floor(database_url: str, threads: int, seconds: float) -> dict:
    """Bare INSERT + COMMIT of one row per transaction from `threads` psycopg connections."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, "
                     "body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")
    latencies: list[list[float]] = [[] for _ in range(threads)]
    until = time.monotonic() + seconds

    def work(index: int) -> None:
        with psycopg.connect(conninfo) as conn:
            while time.monotonic() < until:
                started = time.perf_counter()
                conn.execute("INSERT INTO bench_floor (body) VALUES (%s)",
                             (f"row from thread {index}",))
                conn.commit()
                latencies[index].append((time.perf_counter() - started) * 1000)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    times = [t for per_thread in latencies for t in per_thread]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_floor")
    return {"commits_per_s": round(len(times) / elapsed, 1),
            "p95_ms": round(percentile(times, 0.95), 2), "threads": threads}


def scenario_writes(args, accounts: dict) -> dict:
    # Each writer posts back to back, far beyond the per-user write limit a person never
    # reaches (WRITE_LIMIT_PER_USER): this scenario measures the server, not the limit.
    with serve(args, "writes", {"WRITE_LIMIT_PER_USER": "1000000 per minute"}) as server:
        tokens = [accounts["tokens"][u] for u in accounts["writers"]]
        clauses = clause_texts(server.base, accounts["tokens"]["secretariat"],
                               accounts["document_id"])

        async def run(seconds: float) -> tuple[Recorder, int, float]:
            recorder, counter = Recorder(), [0]
            started = time.monotonic()
            await asyncio.gather(*(api_writer(server.base, t, clauses, started + seconds,
                                              recorder, counter) for t in tokens))
            return recorder, counter[0], time.monotonic() - started

        asyncio.run(run(3))  # warm-up
        recorder, created, elapsed = asyncio.run(run(args.writes_seconds))
        rss = server.rss()
        floor = insert_floor(args.databases.run_url, len(tokens), args.writes_seconds)
    summary = summarise(recorder.samples)
    proposals_per_s = round(created / elapsed, 1)
    return {"writers": len(tokens), "seconds": args.writes_seconds,
            "proposals_per_s": proposals_per_s, "submit": summary,
            "failures": dict(recorder.failures), "floor": floor,
            "ratio_to_floor": round(proposals_per_s / floor["commits_per_s"], 4),
            "server": rss}


# --- (3) live fan-out ------------------------------------------------------------------------------

def scenario_fanout(args, accounts: dict) -> dict:
    import meeting_fanout  # noqa: PLC0415 - needs the live-update endpoint

    with serve(args, "fanout") as server:
        return meeting_fanout.run(server, accounts, args)


# --- main --------------------------------------------------------------------------------------------

SCENARIOS = {"ceiling": scenario_ceiling, "day": scenario_day, "writes": scenario_writes,
             "fanout": scenario_fanout}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="ceiling,day,fanout,writes",
                        help="comma-separated scenarios to run, in this order")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_BASE_URL),
                        help="the run database (a template database <name>_template is made)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)))
    parser.add_argument("--crowd", type=int, default=1200, help="simulated people in all")
    parser.add_argument("--arrival", type=float, default=240,
                        help="seconds over which the crowd logs in")
    parser.add_argument("--steady", type=float, default=180, help="seconds of reading and writing")
    parser.add_argument("--reload-window", type=float, default=9.5,
                        help="seconds after the revision within which each person starts the "
                             "reload (the target: everyone has reloaded within 10 s)")
    parser.add_argument("--think-min", type=float, default=20)
    parser.add_argument("--think-max", type=float, default=60)
    parser.add_argument("--ceiling-seconds", type=int, default=10)
    parser.add_argument("--ceiling-connections", type=int, default=16)
    parser.add_argument("--writes-seconds", type=float, default=20)
    parser.add_argument("--fanout-accounts", type=int, default=100,
                        help="distinct logged-in people holding the fan-out's streams")
    parser.add_argument("--fanout-decisions", type=int, default=3)
    parser.add_argument("--no-fanout-refresh", dest="fanout_refresh", action="store_false",
                        help="do not re-fetch pages after the event as static/live.js does")
    parser.add_argument("--reuse-sessions", action="store_true",
                        help="people come back with the session cookies of an earlier run "
                             "(logged in since the morning) instead of all logging in now")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the server, e.g. FRAGMENT_CACHE_ENTRIES=0")
    parser.add_argument("--cluster", action="store_true",
                        help="serve through `make serve-cluster` (two hosts behind HAProxy on "
                             "--port; the hosts and HAProxy's statistics on the next 3 ports)")
    parser.add_argument("--rebuild-template", action="store_true")
    parser.add_argument("--label", default="", help="a word to tell this run's results file")
    args = parser.parse_args()
    args.databases = meeting_setup.Databases.from_base(args.database_url)
    random.seed(2022)
    # A stop (Ctrl-C, SIGTERM) unwinds normally, so the server this run started is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    fd_limit = raise_fd_limit()
    if args.rebuild_template or not meeting_setup.template_is_usable(args.databases, args.crowd):
        meeting_setup.build_template(args.databases, args.crowd)
    accounts = meeting_setup.accounts()
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "label": args.label, "cluster": args.cluster, "server_env": args.server_env, "fd_limit": fd_limit, "cores": os.cpu_count(),
               "load_before": load_average(), "worker_class":
               os.environ.get("GUNICORN_WORKER_CLASS", "(gunicorn.conf.py default)")}
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        if name not in SCENARIOS:
            raise SystemExit(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
        started = time.monotonic()
        results[name] = SCENARIOS[name](args, accounts)
        results[name]["wall_s"] = round(time.monotonic() - started, 1)
        if name in HOST_LOAD:
            results[name]["hosts"] = HOST_LOAD[name]
        print(json.dumps({name: results[name]}, indent=1), flush=True)
    results["load_after"] = load_average()
    out = meeting_setup.STATE_DIR / f"results-{time.strftime('%Y%m%d-%H%M%S')}" \
        f"{'-' + args.label if args.label else ''}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"results written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
