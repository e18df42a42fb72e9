"""Export timings: DOCX redline, PDF redline and clean DOCX, for the demo and for a generated
200-clause document with 500 accepted changes from 21 economies; and our redline against the
`redlines` package (text-level track changes) on the same pair of texts, as a ratio.

Run: .venv/bin/python benchmarks/bench_exports.py   (figures only; nothing is asserted)
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from drafting import create_app  # noqa: E402
from drafting.demo import seed_demo  # noqa: E402
from drafting.domain.diff import word_diff  # noqa: E402
from drafting.domain.states import ClauseStatus, SectionKind, Stage  # noqa: E402
from drafting.extensions import db  # noqa: E402
from drafting.models import Clause, ClauseVersion, Document, Economy, Proposal, Section, User  # noqa: E402,E501
from drafting.services import comparison as comparisons  # noqa: E402
from drafting.services import decisions, exports, proposals, revisions  # noqa: E402
from drafting.services.export_files import render_file  # noqa: E402

WORDS = ("we will promote sustainable circular green economy trade investment by 2030 and "
         "ensure inclusive growth for all member economies while noting resilience of supply "
         "chains energy transition biodiversity oceans marine debris food loss waste").split()


def timed(fn, runs=3):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def generated_document(rng: random.Random) -> Document:
    """200 clauses, Rev.1, then 500 accepted amendments from the 21 economies."""
    sec = user("secretariat")
    host = db.session.execute(select(Economy).where(Economy.code == "THA")).scalar_one()
    document = Document(title="Generated Statement", symbol="BENCH/200", classification="Test",
                        stage=Stage.NEGOTIATION, host_economy_id=host.id)
    db.session.add(document)
    db.session.flush()
    section = Section(document_id=document.id, position=1, kind=SectionKind.OPERATIVE,
                      heading="Operative paragraphs")
    db.session.add(section)
    db.session.flush()
    clauses = []
    for position in range(1, 201):
        clause = Clause(document_id=document.id, section_id=section.id, position=position,
                        status=ClauseStatus.OPEN)
        db.session.add(clause)
        db.session.flush()
        text = " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "."
        db.session.add(ClauseVersion(clause_id=clause.id, number=1, text=text))
        clauses.append(clause)
    db.session.flush()
    revisions.issue_revision(sec, document, "Rev.1")
    delegates = [u for u in db.session.execute(select(User).where(User.role == "delegate"))
                 .scalars()]
    for i in range(500):
        clause = rng.choice(clauses)
        db.session.refresh(clause)
        tokens = clause.text.split(" ")
        tokens[rng.randrange(len(tokens))] = rng.choice(WORDS) + str(i)
        actor = rng.choice(delegates)
        p = proposals.submit_proposal(actor, document, "amend", clause=clause,
                                      text=" ".join(tokens), rationale=f"Change {i}")
        decisions.decide_proposal(sec, p, "accept", expected_version=clause.version)
    db.session.commit()
    return document


def report(label, document, sec):
    rows = []
    for name, mode, fmt, kw in (("DOCX redline", "redline", "docx", {"from_revision": "1"}),
                                ("PDF redline", "redline", "pdf", {"from_revision": "1"}),
                                ("clean DOCX", "clean", "docx", {})):
        ms, file = timed(lambda: render_file(
            exports.export_document(sec, document, mode, **kw), fmt), runs=2)
        rows.append((label, name, ms, len(file.content)))
    return rows


def main() -> None:
    rng = random.Random(2022)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"})
        with app.app_context():
            from flask_migrate import upgrade
            upgrade()
            seed_demo("bench-password-1")
            sec = user("secretariat")
            demo = db.session.execute(select(Document)).scalars().first()
            for p in db.session.execute(select(Proposal).where(Proposal.status == "open")
                                        .order_by(Proposal.seq)).scalars().all()[:3]:
                if p.status.value == "open" and not p.in_conflict:
                    decisions.decide_proposal(sec, p, "accept",
                                              expected_version=p.clause.version if p.clause else 0)
            db.session.commit()
            print("building the generated 200-clause document (500 accepted changes) …")
            big = generated_document(rng)
            rows = report("demo", demo, sec) + report("200 clauses", big, sec)
            print(f"\n{'document':12} {'export':14} {'ms':>9} {'bytes':>10}")
            for label, name, ms, size in rows:
                print(f"{label:12} {name:14} {ms:9.0f} {size:10d}")

            # Same pair of texts through `redlines` and through our word diff + DOCX writer.
            from redlines import Redlines
            comparison = comparisons.compare(big, revisions.get_revision(big, 1), None)
            old = "\n\n".join("".join(s.text for s in c.segments if s.op != "insert")
                              for c in comparison.clauses)
            new = "\n\n".join("".join(s.text for s in c.segments if s.op != "delete")
                              for c in comparison.clauses)
            theirs, _ = timed(lambda: Redlines(old, new).output_markdown, runs=3)
            ours, _ = timed(lambda: word_diff(old, new), runs=3)
            print(f"\nsame texts ({len(old.split())} words): redlines {theirs:.0f} ms, "
                  f"our word diff {ours:.0f} ms, ratio redlines/ours = {theirs / ours:.1f}×")


if __name__ == "__main__":
    main()
