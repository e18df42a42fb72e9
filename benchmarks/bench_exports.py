"""Export timings: DOCX redline, PDF redline and clean DOCX, for the demo and for a generated
200-clause document with 500 accepted changes from 21 economies, with the peers measured in
the same run (issue 17, targets 2 and 3):

- LibreOffice converting our own redline DOCX to PDF (a whole `soffice --convert-to pdf`
  process on a profile warmed by one conversion first, as a server would keep it);
- headless Chromium printing our own HTML redline to PDF (a whole process);
- and our word diff against the `redlines` package on the same pair of texts.

Each round times every subject once, in turn (alternating rounds, so a busy machine slows
all of them alike); the table shows the median over the rounds. Our exports are timed warm:
one untimed render of each first.

Run: .venv/bin/python benchmarks/bench_exports.py [--rounds 5] [--only docx,pdf,peers,redlines]
     [--db /tmp/bench_exports.sqlite3]   (reuse the generated database between runs)
Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
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


def build_database() -> None:
    from flask_migrate import upgrade
    upgrade()
    seed_demo("bench-password-1")
    sec = user("secretariat")
    for p in db.session.execute(select(Proposal).where(Proposal.status == "open")
                                .order_by(Proposal.seq)).scalars().all()[:3]:
        if p.status.value == "open" and not p.in_conflict:
            decisions.decide_proposal(sec, p, "accept",
                                      expected_version=p.clause.version if p.clause else 0)
    db.session.commit()
    print("building the generated 200-clause document (500 accepted changes) …", flush=True)
    generated_document(random.Random(2022))


def render(document, fmt: str, mode: str = "redline") -> bytes:
    sec = user("secretariat")
    kw = {"from_revision": "1"} if mode == "redline" else {}
    return render_file(exports.export_document(sec, document, mode, **kw), fmt).content


class Peers:
    """Whole-process conversions of our own files by LibreOffice and Chromium."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.profile = workdir / "lo_profile"
        self.chrome_profile = workdir / "chrome_profile"
        self.soffice = shutil.which("soffice")
        self.chromium = shutil.which("chromium")

    def libreoffice(self, docx: Path) -> float:
        outdir = self.workdir / "lo_out"
        env = {**os.environ, "HOME": str(self.profile)}
        start = time.perf_counter()
        subprocess.run([self.soffice, "--headless", "--norestore",
                        f"-env:UserInstallation=file://{self.profile}", "--convert-to", "pdf",
                        "--outdir", str(outdir), str(docx)],
                       check=True, capture_output=True, env=env, timeout=300)
        elapsed = (time.perf_counter() - start) * 1000
        assert (outdir / f"{docx.stem}.pdf").exists(), "LibreOffice produced no PDF"
        return elapsed

    def chrome(self, html: Path) -> float:
        target = self.workdir / f"{html.stem}.chrome.pdf"
        start = time.perf_counter()
        subprocess.run([self.chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={self.chrome_profile}", "--no-pdf-header-footer",
                        f"--print-to-pdf={target}", html.as_uri()],
                       check=True, capture_output=True, timeout=300)
        elapsed = (time.perf_counter() - start) * 1000
        assert target.exists(), "Chromium produced no PDF"
        return elapsed


def timed_ms(fn) -> tuple[float, float]:
    """Wall and CPU milliseconds of `fn()`: CPU of this process plus that of the child
    processes it waited for (LibreOffice's, or all of Chromium's), which a loaded machine
    inflates far less than the wall time."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, start = time.process_time(), time.perf_counter()
    fn()
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return wall, (time.process_time() - cpu + child_cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="docx,pdf,peers,redlines")
    parser.add_argument("--db", help="SQLite file to reuse (built when missing)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "bench.sqlite3"
        fresh = not path.exists()
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
        with app.app_context():
            if fresh:
                build_database()
            documents = db.session.execute(select(Document).order_by(Document.id)).scalars()
            documents = list(documents)
            demo = documents[0]
            big = next(d for d in documents if d.symbol == "BENCH/200")
            subjects = {}  # label → callable returning nothing
            for label, document in (("demo", demo), ("200 clauses", big)):
                if "docx" in only:
                    subjects[(label, "DOCX redline")] = lambda d=document: render(d, "docx")
                    subjects[(label, "clean DOCX")] = lambda d=document: render(d, "docx",
                                                                                "clean")
                if "pdf" in only:
                    subjects[(label, "PDF redline (WeasyPrint)")] = \
                        lambda d=document: render(d, "pdf")
            if "peers" in only:
                peers = Peers(Path(tmp))
                docx = Path(tmp) / "redline200.docx"
                docx.write_bytes(render(big, "docx"))
                html = Path(tmp) / "redline200.html"
                from drafting.exports.html_writer import write_html
                html.write_bytes(write_html(exports.export_document(
                    user("secretariat"), big, "redline", from_revision="1"), for_print=True))
                if peers.soffice:
                    peers.libreoffice(docx)  # creates and warms the profile
                    subjects[("200 clauses", "PDF: LibreOffice ← our DOCX")] = \
                        lambda: peers.libreoffice(docx)
                if peers.chromium:
                    peers.chrome(html)
                    subjects[("200 clauses", "PDF: Chromium ← our HTML")] = \
                        lambda: peers.chrome(html)
            sizes = {}
            for key, fn in subjects.items():  # warm: one untimed run each
                result = fn()
                if isinstance(result, bytes):
                    sizes[key] = len(result)
            samples: dict = {key: [] for key in subjects}
            for round_ in range(args.rounds):
                for key, fn in subjects.items():
                    samples[key].append(timed_ms(fn))
                print(f"round {round_ + 1}/{args.rounds} done (load {os.getloadavg()[0]:.1f})",
                      flush=True)
            print(f"\n{'document':12} {'export':30} {'wall median':>11} {'min':>7} {'max':>7} "
                  f"{'CPU median':>10} {'bytes':>8}   (ms)")
            medians, cpu_medians = {}, {}
            for key, values in samples.items():
                walls = [wall for wall, _cpu in values]
                medians[key] = statistics.median(walls)
                cpu_medians[key] = statistics.median(cpu for _wall, cpu in values)
                print(f"{key[0]:12} {key[1]:30} {medians[key]:11.0f} {min(walls):7.0f} "
                      f"{max(walls):7.0f} {cpu_medians[key]:10.0f} {sizes.get(key, 0) or '':>8}")
            ours = ("200 clauses", "PDF redline (WeasyPrint)")
            for peer in ("PDF: LibreOffice ← our DOCX", "PDF: Chromium ← our HTML"):
                theirs = ("200 clauses", peer)
                if ours in medians and theirs in medians:
                    print(f"WeasyPrint ÷ {peer[5:]}: {medians[ours] / medians[theirs]:.2f}× "
                          f"by wall time, {cpu_medians[ours] / cpu_medians[theirs]:.2f}× by CPU "
                          "time")
            print(f"load average after: {os.getloadavg()}")

            if "redlines" in only:
                from redlines import Redlines
                comparison = comparisons.compare(big, revisions.get_revision(big, 1), None)
                old = "\n\n".join("".join(s.text for s in c.segments if s.op != "insert")
                                  for c in comparison.clauses)
                new = "\n\n".join("".join(s.text for s in c.segments if s.op != "delete")
                                  for c in comparison.clauses)
                theirs = statistics.median(timed_ms(lambda: Redlines(old, new).output_markdown)[0]
                                           for _ in range(3))
                mine = statistics.median(timed_ms(lambda: word_diff(old, new))[0]
                                         for _ in range(3))
                print(f"\nsame texts ({len(old.split())} words): redlines {theirs:.0f} ms, "
                      f"our word diff {mine:.0f} ms, ratio redlines/ours = {theirs / mine:.1f}×")


if __name__ == "__main__":
    main()
