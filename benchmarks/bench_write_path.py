"""Write-path benchmark: what one proposal submission costs, and how submissions scale.

Run on demand (never part of the test suite): `make bench-write-path`, or

    .venv/bin/python benchmarks/bench_write_path.py [--seconds 10] [--writers 1,3,7,21]
        [--meeting-seconds 40] [--database-url postgresql+psycopg://…/writepath_bench]

Against PostgreSQL, with the server started exactly as `make serve` starts it (gunicorn with
gunicorn.conf.py, on a fresh copy of a seeded template database: benchmarks/meeting_setup.py,
bench_meeting_day.serve). It reports, in one run:

- floor: bare INSERT + COMMIT of one row per transaction from 21 psycopg connections
  (commits/s, p95) on the same database;
- scaling: proposals/s with 1, 3, 7 and 21 API clients submitting back to back
  (POST /api/v1/clauses/<id>/proposals), their p50/p95, and the gunicorn workers' CPU per
  submission (user + system time of the worker processes over the number of proposals made);
- meeting pace: 21 economies each submitting one proposal every 10 s (random phase), plus
  comments and positions at three times that rate; submit p95 against 5 × the floor's p95;
- in-process cost of one submission through POST /api/v1/documents/<id>/proposals (Flask
  test client on the same database): SQL statements inside the request, split at the commit,
  and CPU per submit (median of `--profile-submits`), with the top of a cProfile listing when
  `--profile` is given.

Targets (issue 17): ≤ 4 ms worker CPU per submit; ≥ 300 proposals/s with 21 writers and not
falling as writers are added; meeting-pace submit p95 ≤ 5 × floor p95.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import signal
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402

import meeting_setup  # noqa: E402
from bench_meeting_day import (clause_texts, cpu_seconds, insert_floor, load_average,  # noqa: E402
                               raise_fd_limit, serve)
from meeting_load import TIMEOUT, Recorder, api_writer, percentile, summarise  # noqa: E402

ROOT = meeting_setup.ROOT
DEFAULT_BASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/writepath_bench"
# The demo's 21 economies write; the secretariat reads. A template of this size builds fast.
CROWD = 23
STANCES = ("support", "can_accept")


def _workers(server) -> list[int]:
    pids = server.pids()
    return [p for p in pids if p != min(pids)]  # the master is the oldest process


def scaling(server, accounts: dict, clauses: dict[int, str], writers: int,
            seconds: float) -> dict:
    tokens = [accounts["tokens"][u] for u in accounts["writers"][:writers]]

    async def run(duration: float) -> tuple[Recorder, int, float]:
        recorder, counter = Recorder(), [0]
        started = time.monotonic()
        await asyncio.gather(*(api_writer(server.base, t, clauses, started + duration,
                                          recorder, counter) for t in tokens))
        return recorder, counter[0], time.monotonic() - started

    asyncio.run(run(1.5))  # warm-up at this concurrency
    pids = _workers(server)
    cpu_before = cpu_seconds(pids)
    sampler = LockSampler(server.database_url)
    sampler.start()
    try:
        recorder, created, elapsed = asyncio.run(run(seconds))
    finally:
        sampler.stop()
    cpu = cpu_seconds(pids) - cpu_before
    summary = summarise(recorder.samples)
    return {"writers": writers, "proposals_per_s": round(created / elapsed, 1),
            "p50_ms": summary.get("p50_ms"), "p95_ms": summary.get("p95_ms"),
            "worker_cpu_ms_per_submit": round(cpu * 1000 / max(created, 1), 2),
            "created": created, "failures": dict(recorder.failures), **sampler.figures()}


class LockSampler:
    """Every 20 ms, what the server's connections are doing (pg_stat_activity): how many wait
    for an advisory lock (the audit chain's) and how many sit idle in a transaction."""

    def __init__(self, database_url: str) -> None:
        import threading

        from sqlalchemy.engine import make_url

        url = make_url(database_url)
        self.database = url.database
        self.conninfo = url.set(drivername="postgresql", database="postgres") \
            .render_as_string(hide_password=False)
        self.samples: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._stop.wait(0.02):
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' "
                    "AND wait_event = 'advisory'), count(*) FILTER (WHERE state = "
                    "'idle in transaction') FROM pg_stat_activity WHERE datname = %s",
                    (self.database,)).fetchone()
                self.samples.append((row[0], row[1]))

    def figures(self) -> dict:
        n = max(len(self.samples), 1)
        return {"advisory_lock_waiters_mean": round(sum(s[0] for s in self.samples) / n, 2),
                "samples_with_lock_waiters_pct": round(
                    100 * sum(1 for s in self.samples if s[0]) / n, 1),
                "idle_in_transaction_mean": round(sum(s[1] for s in self.samples) / n, 2)}


async def _paced_economy(base: str, token: str, clauses: dict[int, str], until: float,
                         period: float, side_rate: int, recorder: Recorder,
                         counter: list[int]) -> None:
    """One economy at a meeting's pace: a proposal every `period` seconds, and `side_rate`
    comments or positions in the same period, each at a random moment."""
    headers = {"Authorization": f"Bearer {token}"}
    ids = list(clauses)
    async with aiohttp.ClientSession(timeout=TIMEOUT, headers=headers) as session:
        async def act(kind: str) -> None:
            clause_id = random.choice(ids)
            if kind == "submit":
                counter[0] += 1
                path, method = f"/api/v1/clauses/{clause_id}/proposals", "POST"
                body = {"action": "amend", "rationale": "Meeting pace.",
                        "text": clauses[clause_id] + f" Paced variant {counter[0]}-{id(session)}."}
                name = "submit"
            elif kind == "comment":
                path, method = f"/api/v1/clauses/{clause_id}/comments", "POST"
                body, name = {"body": "A comment at meeting pace."}, "comment"
            else:
                path, method = f"/api/v1/clauses/{clause_id}/position", "PUT"
                body, name = {"stance": random.choice(STANCES)}, "position"
            started = time.perf_counter()
            try:
                async with session.request(method, base + path, json=body) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                recorder.add("meeting", name, 0, (time.perf_counter() - started) * 1000, False,
                             type(error).__name__)
                return
            recorder.add("meeting", name, status, (time.perf_counter() - started) * 1000,
                         status in (200, 201), "" if status in (200, 201) else str(status))

        tasks = []
        start = time.monotonic()
        period_start = start
        while period_start < until:
            moments = [("submit", random.uniform(0, period))]
            moments += [(random.choice(("comment", "position")), random.uniform(0, period))
                        for _ in range(side_rate)]
            for kind, offset in moments:
                tasks.append(asyncio.create_task(_at(period_start + offset, act, kind)))
            period_start += period
        await asyncio.gather(*tasks)


async def _at(moment: float, action, *args) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))
    await action(*args)


def meeting_pace(server, accounts: dict, clauses: dict[int, str], seconds: float) -> dict:
    tokens = [accounts["tokens"][u] for u in accounts["writers"]]
    recorder, counter = Recorder(), [0]
    until = time.monotonic() + seconds
    asyncio.run(_gather(*(_paced_economy(server.base, t, clauses, until, 10.0, 3, recorder,
                                         counter) for t in tokens)))
    out = {}
    for name in ("submit", "comment", "position"):
        samples = [s for s in recorder.samples if s.name == name]
        out[name] = summarise(samples)
    out["failures"] = dict(recorder.failures)
    return out


async def _gather(*coroutines):
    return await asyncio.gather(*coroutines)


# --- in process: statements and CPU of one submission -------------------------------------------

def in_process(database_url: str, accounts: dict, submits: int, profile: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from drafting import create_app
    from drafting.extensions import db

    os.environ.setdefault("LOG_LEVEL", "warning")
    # As `make serve` runs it: live updates and the commit news on Redis.
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                      "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                      "WRITE_LIMIT_PER_USER": "1000000 per minute"})
    client = app.test_client()
    token = accounts["tokens"][accounts["writers"][0]]
    headers = {"Authorization": f"Bearer {token}"}
    document_id = accounts["document_id"]
    document = client.get(f"/api/v1/documents/{document_id}", headers=headers).get_json()
    clauses = {c["id"]: c["text"] for c in document["clauses"]}
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    per_submit: list[int] = []
    cpu_ms: list[float] = []
    first_listing: list[str] = []
    # CPU time, not wall time: waits on the database are not the worker's work.
    profiler = cProfile.Profile(time.process_time) if profile else None
    ids = list(clauses)
    # Timed submissions first (no profiler running), then the profiled ones.
    for n in range(submits + 3 + (submits if profiler else 0)):
        profiled = profiler is not None and n >= submits + 3
        clause_id = ids[n % len(ids)]
        body = {"action": "amend", "clause_id": clause_id, "rationale": "Profiled.",
                "text": clauses[clause_id] + f" In-process variant {n}-{time.time_ns()}."}
        statements.clear()
        started = time.process_time()
        if profiled:
            profiler.enable()
        response = client.post(f"/api/v1/documents/{document_id}/proposals", json=body,
                               headers=headers)
        if profiled:
            profiler.disable()
        elapsed = (time.process_time() - started) * 1000
        if response.status_code != 201:
            raise SystemExit(f"in-process submit failed: {response.status_code} "
                             f"{response.get_data(as_text=True)[:300]}")
        if 3 <= n < submits + 3:  # the first ones warm caches up
            per_submit.append(len(statements))
            cpu_ms.append(elapsed)
            if not first_listing:
                first_listing = [" ".join(s.split())[:140] for s in statements]
    # Reference on the same machine and moment: the CPU of the cheapest authenticated API
    # request that reaches the database (one proposal read back), the framework's floor.
    last_id = response.get_json()["id"]
    floor_ms: list[float] = []
    for _ in range(submits):
        started = time.process_time()
        client.get(f"/api/v1/proposals/{last_id}", headers=headers)
        floor_ms.append((time.process_time() - started) * 1000)
    event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        db.engine.dispose()
    result = {"statements_per_submit": statistics.median(per_submit),
              "statements_listing": first_listing,
              "cpu_ms_per_submit_median": round(statistics.median(cpu_ms), 2),
              "cpu_ms_per_api_read_median": round(statistics.median(floor_ms), 2),
              "submits": len(per_submit)}
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        result["profile_top"] = out.getvalue()
    return result


def server_scenarios(args, accounts: dict, results: dict) -> None:
    """Floor, scaling and meeting pace against gunicorn as `make serve` runs it."""
    server_args = SimpleNamespace(port=args.port, databases=args.databases,
                                  server_env=args.server_env)
    # Every writer posts back to back, far beyond what a person does (the per-user limit).
    with serve(server_args, "write-path",
               {"WRITE_LIMIT_PER_USER": "1000000 per minute"}) as server:
        server.database_url = args.databases.run_url
        clauses = clause_texts(server.base, accounts["tokens"]["secretariat"],
                               accounts["document_id"])
        results["floor"] = insert_floor(args.databases.run_url, 21, args.floor_seconds)
        print(json.dumps({"floor": results["floor"]}), flush=True)
        for writers in [int(w) for w in args.writers.split(",") if w.strip()]:
            row = scaling(server, accounts, clauses, writers, args.seconds)
            results["scaling"].append(row)
            print(json.dumps(row), flush=True)
        if args.meeting_seconds > 0:
            results["meeting_pace"] = meeting_pace(server, accounts, clauses, args.meeting_seconds)
            results["meeting_pace"]["floor_p95_x5_ms"] = round(5 * results["floor"]["p95_ms"], 2)
            print(json.dumps({"meeting_pace": results["meeting_pace"]}), flush=True)


# --- main -----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_WRITE_DATABASE_URL",
                                                                 DEFAULT_BASE_URL))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_WRITE_PORT", 8796)))
    parser.add_argument("--seconds", type=float, default=10, help="per writer count")
    parser.add_argument("--writers", default="1,3,7,21")
    parser.add_argument("--meeting-seconds", type=float, default=40)
    parser.add_argument("--floor-seconds", type=float, default=5)
    parser.add_argument("--profile-submits", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="print a cProfile listing")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--in-process-only", action="store_true",
                        help="only the in-process statements and CPU (no server, no floor)")
    parser.add_argument("--rebuild-template", action="store_true")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    args.databases = meeting_setup.Databases.from_base(args.database_url)
    random.seed(17)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    raise_fd_limit()
    if args.rebuild_template or not meeting_setup.template_is_usable(args.databases, CROWD):
        meeting_setup.build_template(args.databases, CROWD)
    accounts = meeting_setup.accounts()
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                     "label": args.label, "cores": os.cpu_count(),
                     "load_before": load_average()}
    results["scaling"] = []
    if not args.in_process_only:
        server_scenarios(args, accounts, results)
    if args.profile_submits > 0:
        meeting_setup.fresh_run_database(args.databases)
        results["in_process"] = in_process(args.databases.run_url, accounts,
                                           args.profile_submits, args.profile)
        listing = results["in_process"].pop("profile_top", None)
        print(json.dumps({"in_process": results["in_process"]}, indent=1), flush=True)
        if listing:
            print(listing)
    results["load_after"] = load_average()
    scaling_rows = results["scaling"]
    top = scaling_rows[-1] if scaling_rows else None
    if top:
        peak = max(r["proposals_per_s"] for r in scaling_rows)
        print(f"\n{top['writers']} writers: {top['proposals_per_s']} proposals/s "
              f"(target ≥ 300; peak {peak}); worker CPU {top['worker_cpu_ms_per_submit']} ms "
              f"per submit (target ≤ 4); floor {results['floor']['commits_per_s']} commits/s, "
              f"p95 {results['floor']['p95_ms']} ms")
    if "meeting_pace" in results:
        pace = results["meeting_pace"]
        print(f"meeting pace: submit p95 {pace['submit'].get('p95_ms')} ms against "
              f"5 × floor p95 = {pace['floor_p95_x5_ms']} ms")
    out = meeting_setup.STATE_DIR / (f"write-path-{time.strftime('%Y%m%d-%H%M%S')}"
                                     f"{'-' + args.label if args.label else ''}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"results written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
