"""How long the API takes to refuse the largest hostile bodies it can be sent (run: make bench).

Builds a throw-away SQLite database with the demo, issues an API token, and sends each
hostile body several times through the whole application (WSGI, before-request checks,
handlers, error mapping), printing the median and worst wall time and the CPU time of this
process per request, with the answer's status and error code. Bodies are at or just past
the documented limits (docs/api.md, "Limits on request bodies and fields"):

- nesting 100,000 levels deep (refused before parsing), and exactly at the 1 MiB JSON limit;
- a JSON body of 1 MiB made of more values than allowed (refused before parsing);
- an id list one longer than the 1,000-item limit, and 500 proposal ids repeated;
- 1 MiB of lone surrogate escapes ("\\ud800") in a comment;
- a body just over MAX_CONTENT_LENGTH (8 MiB), and the largest comment of 10,000 "[",
  accepted and rendered (the rendering cost is the subject of bench_markup.py).

Figures for docs/reliability.md, never assertions in tests.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drafting import create_app  # noqa: E402
from drafting.extensions import db  # noqa: E402

RUNS = 7
MIB = 1024 * 1024


def bodies(clause_id: int) -> list[tuple[str, str, bytes]]:
    """(label, path, body) for each hostile request."""
    comments = f"/api/v1/clauses/{clause_id}/comments"
    submit = "/api/v1/documents/1/drafts/submit"
    deep = b"[" * 100_000 + b"]" * 100_000
    at_limit_depth = (b'{"body": ' + b"[" * 33 + b"]" * 33 + b"}")
    many_values = b"[" + b",".join(b"0" for _ in range(MIB // 2 - 1)) + b"]"
    surrogates = json.dumps({"body": "x"}).replace('"x"', '"' + "\\ud800" * (MIB // 6 - 4) + '"')
    return [
        ("nesting 100,000 deep (200 kB)", comments, deep),
        ("nesting 33 deep (just past 32)", comments, at_limit_depth),
        (f"{MIB // 2:,} values (1 MiB)", submit, many_values[:MIB]),
        ("1,001 ids", submit, json.dumps({"proposal_ids": list(range(1, 1002))}).encode()),
        ("500 ids, each twice", submit,
         json.dumps({"proposal_ids": list(range(1, 501)) * 2}).encode()),
        ("lone surrogates (1 MiB)", comments, surrogates.encode()),
        ("9 MiB (over MAX_CONTENT_LENGTH)", comments,
         b'{"body": "' + b"a" * (9 * MIB) + b'"}'),
        ("10,000 '[' comment (accepted)", comments,
         json.dumps({"body": "[" * 10_000}).encode()),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            from flask_migrate import upgrade

            from drafting.demo import seed_demo
            from drafting.models import User
            from drafting.services import accounts

            upgrade()
            seed_demo("bench-password-1")
            user = db.session.execute(db.select(User).filter_by(username="aus")).scalar_one()
            token = accounts.issue_token(None, user, "bench")
            db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Accept": "application/json"}
        clause_id = client.get("/api/v1/documents/1", headers=headers).get_json()["clauses"][2]["id"]
        print(f"{'hostile body':34} {'size':>9} {'answer':>28} {'median ms':>10} "
              f"{'worst ms':>9} {'CPU ms':>7}")
        for label, path, body in bodies(clause_id):
            walls, cpus, answer = [], [], ""
            for _ in range(RUNS):
                wall, cpu = time.perf_counter(), time.process_time()
                response = client.post(path, data=body, headers=headers)
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
                error = (response.get_json(silent=True) or {}).get("error") or {}
                answer = f"{response.status_code} {error.get('code', '')}".strip()
            print(f"{label:34} {len(body) / 1024:8.0f}k {answer:>28} "
                  f"{statistics.median(walls):10.1f} {max(walls):9.1f} "
                  f"{statistics.median(cpus):7.1f}")


if __name__ == "__main__":
    main()
