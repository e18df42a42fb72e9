"""Benchmark the cost of rendering hostile Markdown (docs/reliability.md, "Rendering cost").

Renders every input of the hostile corpus (tests/domain/markdown_corpus.py) with
render_markdown at the longest comment the application accepts (MAX_COMMENT_CHARS) and at
half that length, and prints per construct the median and the worst CPU time of several runs
at the maximum length, and the growth ratio median(max) / median(max / 2): about 2 when the
cost is linear, about 4 when it is quadratic. CPU time of this process (time.process_time) is
used, so that other work on a shared machine inflates the figures less than wall time would.

With --imports it also times the import parser (parse_markdown, pasted Markdown for a zero
draft) on the same corpus at 1/16 and 1/8 of MAX_MARKDOWN_CHARS, and projects the time at
the limit from the larger one (the cost being linear).

Run from the repository root:  .venv/bin/python benchmarks/bench_markup.py [--imports]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drafting.domain.markdown_draft import parse_markdown  # noqa: E402  (needs the path above)
from drafting.domain.markup import render_markdown  # noqa: E402
from drafting.domain.text_rules import MAX_COMMENT_CHARS  # noqa: E402
from drafting.services.imports import MAX_MARKDOWN_CHARS  # noqa: E402
from tests.domain.markdown_corpus import CONSTRUCTS  # noqa: E402

RUNS = 5


def cpu_times(work: Callable[[str], object], text: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.process_time()
        work(text)
        times.append(time.process_time() - started)
    return times


def measure(work: Callable[[str], object], length: int, runs: int) -> list[tuple]:
    rows = []
    for construct in CONSTRUCTS:
        half = statistics.median(cpu_times(work, construct.build(length // 2), runs))
        full = cpu_times(work, construct.build(length), runs)
        rows.append((construct.name, statistics.median(full), max(full),
                     statistics.median(full) / half if half else float("nan")))
    return rows


def print_table(title: str, length: int, rows: list[tuple]) -> None:
    print(f"\n{title}: {len(rows)} constructs at {length:,} characters "
          f"(growth = median at {length:,} / median at {length // 2:,})")
    print(f"{'construct':32} {'median ms':>10} {'worst ms':>10} {'growth':>7}")
    for name, median, worst, growth in sorted(rows, key=lambda row: -row[2]):
        print(f"{name:32} {median * 1000:10.1f} {worst * 1000:10.1f} {growth:6.1f}x")
    worst_row = max(rows, key=lambda row: row[2])
    growths = [row[3] for row in rows if row[1] >= 0.002]  # ratios of tiny times are noise
    print(f"worst: {worst_row[0]!r} {worst_row[2] * 1000:.1f} ms; growth of the inputs over "
          f"2 ms: median {statistics.median(growths):.1f}x, largest {max(growths):.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--imports", action="store_true", help="also time the import parser")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    render_markdown("warm *up* [the](http://renderer.example)")
    print_table("render_markdown (comments)", MAX_COMMENT_CHARS,
                measure(render_markdown, MAX_COMMENT_CHARS, args.runs))
    if args.imports:
        length = MAX_MARKDOWN_CHARS // 8
        rows = measure(parse_markdown, length, max(1, args.runs // 3))
        print_table("parse_markdown (imports)", length, rows)
        slowest = max(rows, key=lambda row: row[1])
        print(f"projected at MAX_MARKDOWN_CHARS ({MAX_MARKDOWN_CHARS:,}): "
              f"{slowest[0]!r} about {slowest[1] * MAX_MARKDOWN_CHARS / length:.1f} s")


if __name__ == "__main__":
    main()
