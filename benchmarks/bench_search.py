"""Search on a 200-clause document: p50/p95 per query, on SQLite and PostgreSQL.

Builds a throw-away database through the migrations (SQLite in a temporary folder, or the
PostgreSQL server of BENCH_POSTGRES_URL, where a database of its own is created and dropped),
fills one document with 200 clauses of seeded text (a tenth of them in Thai), two issued
revisions with a third of the clauses changed in between, 400 proposals (drafts, held and
circulated ones) and 600 comments; then times `GET /api/v1/documents/<id>/search` for each
query, as a delegate and as the secretariat. Figures for docs/search.md, never assertions.

Run from the repository root:
    .venv/bin/python benchmarks/bench_search.py                 # SQLite
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/bench_search.py             # PostgreSQL
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from drafting import create_app  # noqa: E402
from drafting.extensions import db  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", 40))
SEED = 2022
CLAUSES = 200
PROPOSALS = 400
COMMENTS = 600
WORDS = ("economy sustainable inclusive growth circular green trade investment energy "
         "clean resilient supply chains finance digital innovation biodiversity marine "
         "debris fisheries agriculture food security region cooperation capacity building "
         "technology transfer emissions climate transition carbon market access MSMEs "
         "women youth indigenous communities data services tourism health recovery").split()
THAI = ["ประเทศไทย", "สนับสนุน", "ส่งเสริม", "เศรษฐกิจ", "ชีวภาพ", "หมุนเวียน", "สีเขียว",
        "การค้า", "ยั่งยืน", "ความร่วมมือ", "ภูมิภาค", "เอเปค", "พลังงาน", "สะอาด"]
QUERIES = ["sustainable", "biodiversity marine", '"circular economy"', '"supply chains" finance',
           "zqrareword", "nothingmatchesthis", "เศรษฐกิจหมุนเวียน", "energy ยั่งยืน"]


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return "".join(rng.choice(THAI) + (" " if i % 5 == 4 else "") for i in range(30))
    words = [rng.choice(WORDS) for _ in range(rng.randint(30, 70))]
    if rng.random() < 0.02:
        words[rng.randrange(len(words))] = "zqrareword"
    return "We will " + " ".join(words) + "."


def build(rng: random.Random) -> int:
    from drafting.domain.states import ProposalAction, ProposalStatus, Role, SectionKind, Stage
    from drafting.models import (Clause, ClauseVersion, Comment, Document, Economy, Proposal,
                                 Revision, RevisionClause, Section)
    from drafting.services import accounts
    economies = [Economy(code=c, name=c, sort_order=i, colour="#224466", is_host=c == "THA")
                 for i, c in enumerate(["THA", "AUS", "NZ", "JPN", "USA", "PRC"], start=1)]
    db.session.add_all(economies)
    db.session.flush()
    accounts.create_user(None, username="secretariat", password="bench-password-1",
                         role=Role.SECRETARIAT, economy=economies[0])
    delegates = [accounts.create_user(None, username=e.code.lower(), password="bench-password-1",
                                      role=Role.DELEGATE, economy=e) for e in economies[1:]]
    document = Document(title="Bench", symbol="BENCH/1", stage=Stage.NEGOTIATION,
                        host_economy_id=economies[0].id)
    db.session.add(document)
    db.session.flush()
    section = Section(document_id=document.id, position=1, kind=SectionKind.OPERATIVE,
                      heading="Goals")
    db.session.add(section)
    db.session.flush()
    clauses = []
    for position in range(1, CLAUSES + 1):
        clause = Clause(document_id=document.id, section_id=section.id, position=position)
        db.session.add(clause)
        clauses.append(clause)
    db.session.flush()
    db.session.add_all(ClauseVersion(clause_id=c.id, number=1, text=sentence(rng))
                       for c in clauses)
    db.session.flush()
    for number in (1, 2):
        revision = Revision(document_id=document.id, number=number)
        db.session.add(revision)
        db.session.flush()
        db.session.add_all(RevisionClause(revision_id=revision.id, clause_id=c.id,
                                          version_number=c.version, position=c.position,
                                          display_number=f"OP{c.position}",
                                          section_id=section.id) for c in clauses)
        db.session.flush()
        for clause in rng.sample(clauses, CLAUSES // 3):
            clause.version += 1
            db.session.add(ClauseVersion(clause_id=clause.id, number=clause.version,
                                         text=sentence(rng)))
        db.session.flush()
    now = datetime.now(timezone.utc)
    proposals = []
    for index in range(PROPOSALS):
        author = rng.choice(delegates)
        status = rng.choice([ProposalStatus.DRAFT, ProposalStatus.OPEN, ProposalStatus.OPEN,
                             ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN])
        proposals.append(Proposal(
            document_id=document.id, economy_id=author.economy_id, author_id=author.id,
            action=ProposalAction.AMEND, clause_id=rng.choice(clauses).id, text=sentence(rng),
            rationale=sentence(rng)[:200], status=status,
            circulated_at=None if status is ProposalStatus.DRAFT or index % 3 == 0 else now,
            submitted_at=None if status is ProposalStatus.DRAFT else now))
    db.session.add_all(proposals)
    db.session.flush()
    discussed = [p for p in proposals if p.status is not ProposalStatus.DRAFT]
    for index in range(COMMENTS):
        author = rng.choice(delegates)
        body = sentence(rng)[:300]
        on_clause = index % 2 == 0
        proposal = None if on_clause else rng.choice(discussed)
        db.session.add(Comment(
            document_id=document.id, author_id=author.id, economy_id=author.economy_id,
            clause_id=rng.choice(clauses).id if on_clause else proposal.clause_id,
            proposal_id=proposal.id if proposal else None, body=body, body_html=body))
    db.session.commit()
    return document.id


def run(url: str, label: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade

        from drafting.models import User
        from drafting.services import accounts
        upgrade()
        document_id = build(random.Random(SEED))
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
        tokens = {name: accounts.issue_token(None, db.session.execute(
            db.select(User).where(User.username == name)).scalar_one())
            for name in ("aus", "secretariat")}
        db.session.commit()
    client = app.test_client()
    print(f"\n{label}: {CLAUSES} clauses (two revisions, {CLAUSES // 3} changed after each), "
          f"{PROPOSALS} proposals, {COMMENTS} comments; {RUNS} runs per query")
    print(f"{'query':28} {'viewer':12} {'hits':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for query in QUERIES:
        for viewer, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"}
            path = f"/api/v1/documents/{document_id}/search"
            client.get(path, query_string={"q": query}, headers=headers)  # warm
            timings = []
            for _ in range(RUNS):
                start = time.perf_counter()
                response = client.get(path, query_string={"q": query, "limit": 100},
                                      headers=headers)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.get_data(as_text=True)
            timings.sort()
            hits = len(response.get_json()["results"])
            print(f"{query:28} {viewer:12} {hits:5d} {statistics.median(timings):8.1f} "
                  f"{timings[max(0, int(len(timings) * 0.95) - 1)]:8.1f}")
    with app.app_context():
        db.engine.dispose()  # so that a PostgreSQL database can be dropped at once


def main() -> None:
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    if not postgres:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.sqlite3", "SQLite")
        return
    name = f"bench_search_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(make_url(postgres).set(database=name).render_as_string(hide_password=False),
            "PostgreSQL")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
