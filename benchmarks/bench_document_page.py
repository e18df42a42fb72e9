"""Server time and SQL query count of the demo's main pages (run: make bench).

Builds a throw-away SQLite database with the demo (or uses BENCH_DATABASE_URL, e.g. a
PostgreSQL database), logs in, and renders each page repeatedly; prints the median time and
the number of SQL statements per request. Figures for docs, never assertions in tests.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from drafting import create_app  # noqa: E402
from drafting.extensions import db  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", 30))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
        with app.app_context():
            from flask_migrate import upgrade

            from drafting.demo import seed_demo
            upgrade()
            seed_demo("bench-password-1")
            db.session.commit()
            statements = []
            event.listen(db.engine, "before_cursor_execute",
                         lambda *args, **kw: statements.append(1))
        client = app.test_client()
        client.post("/login", data={"username": "secretariat", "password": "bench-password-1"})
        pages = ["/documents/1", "/documents/1?view=changes", "/clauses/7",
                 "/documents/1/desk", "/documents/1/consensus", "/documents/1/negotiating-text"]
        print(f"{'page':38} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for page in pages:
            client.get(page)  # warm caches and the template
            timings, counts = [], []
            for _ in range(RUNS):
                statements.clear()
                start = time.perf_counter()
                response = client.get(page)
                timings.append((time.perf_counter() - start) * 1000)
                counts.append(len(statements))
                assert response.status_code == 200, (page, response.status_code)
            timings.sort()
            print(f"{page:38} {statistics.median(timings):10.1f} "
                  f"{timings[int(len(timings) * 0.95) - 1]:8.1f} {max(counts):8d}")


if __name__ == "__main__":
    main()
