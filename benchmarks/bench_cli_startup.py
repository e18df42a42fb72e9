"""Start-up of the command line: `flask --app app --help` (issue 17, target 4: under 0.4 s).

It imports the application and runs create_app() before printing anything, so it measures
what every CLI command and every worker pays before doing any work. Measured beside, in the
same alternating rounds:
- the floor: a process that only imports the libraries the app is built on and that
  `flask --help` loads whatever the app does (Flask, Flask-SQLAlchemy with the ORM,
  Flask-Login, Flask-WTF, and Flask-Limiter, whose `limiter` command Flask loads as a
  plugin);
- an empty Python process;
- optionally the same command in another checkout (`--other DIR`, e.g. the code before a
  change), for before/after figures from one run.

Byte-code is compiled first (as an installed application has it), and the runs do not
inherit PYTHONDONTWRITEBYTECODE. Wall time is what a person waits; CPU time (user + system of
the child) is far less inflated when other work shares the machine.

Run: .venv/bin/python benchmarks/bench_cli_startup.py [--rounds 15] [--other DIR]
Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = ("import flask, flask_sqlalchemy, sqlalchemy.orm, flask_login, flask_wtf.csrf, "
         "flask_limiter, flask_limiter.commands")


def run(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--other", type=Path, help="another checkout to time the same way")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    python = str(ROOT / ".venv" / "bin" / "python")
    subjects = {"flask --app app --help": (ROOT, [str(ROOT / ".venv/bin/flask"), "--app",
                                                   "app", "--help"])}
    if args.other:
        subjects[f"the same in {args.other}"] = (args.other, [
            str(args.other / ".venv/bin/flask"), "--app", "app", "--help"])
    subjects["floor: the framework's imports"] = (ROOT, [python, "-c", FLOOR])
    subjects["empty Python process"] = (ROOT, [python, "-c", "pass"])
    for cwd, _command in subjects.values():
        subprocess.run([python, "-m", "compileall", "-q", "drafting", "app.py"], cwd=cwd,
                       env=env, check=True, stdout=subprocess.DEVNULL)
    for cwd, command in subjects.values():  # warm the page cache
        run(command, cwd, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in subjects}
    for _ in range(args.rounds):
        for name, (cwd, command) in subjects.items():
            samples[name].append(run(command, cwd, env))
    print(f"{args.rounds} alternating rounds; load average {os.getloadavg()[0]:.1f} after")
    print(f"{'command':46} {'wall median s':>13} {'min':>6} {'CPU median s':>12}")
    for name, values in samples.items():
        walls = [wall for wall, _cpu in values]
        cpus = [cpu for _wall, cpu in values]
        print(f"{name:46} {statistics.median(walls):13.3f} {min(walls):6.3f} "
              f"{statistics.median(cpus):12.3f}")


if __name__ == "__main__":
    sys.exit(main())
