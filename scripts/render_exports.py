"""Render every export of the demo negotiation to PNG pages, for a person to look at.

Builds a throw-away SQLite database with the demo, issues Rev.1, accepts a few proposals,
writes each export, converts Word files to PDF with LibreOffice and every PDF to PNG with
pdftoppm, into test-artifacts/exports/ (ignored by git).
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from drafting import create_app  # noqa: E402
from drafting.demo import seed_demo  # noqa: E402
from drafting.exports.libreoffice import convert  # noqa: E402
from drafting.extensions import db  # noqa: E402
from drafting.models import Document, Proposal, User  # noqa: E402
from drafting.services import decisions, exports, revisions  # noqa: E402
from drafting.services.export_files import FORMATS_BY_MODE, render_file  # noqa: E402


def main() -> None:
    out = ROOT / "test-artifacts" / "exports"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/render.sqlite3"})
        with app.app_context():
            from flask_migrate import upgrade
            upgrade()
            seed_demo("render-exports-only")
            document = db.session.execute(select(Document)).scalars().first()
            sec = db.session.execute(select(User).where(User.username == "secretariat")).scalar_one()
            revisions.issue_revision(sec, document, "Rev.1 circulated for SOM3")
            for proposal in db.session.execute(select(Proposal).where(
                    Proposal.status == "open").order_by(Proposal.seq)).scalars().all()[:3]:
                if proposal.in_conflict or proposal.status.value != "open":
                    continue
                decisions.decide_proposal(sec, proposal, "accept",
                                          expected_version=proposal.clause.version
                                          if proposal.clause else 0)
            db.session.commit()
            for mode, formats in FORMATS_BY_MODE.items():
                data = exports.export_document(sec, document, mode, from_revision="1"
                                               if mode == "redline" else None)
                for fmt in formats:
                    file = render_file(data, fmt)
                    path = out / file.filename
                    path.write_bytes(file.content)
                    pdf = path if fmt == "pdf" else (convert(path, "pdf", out / "from-docx")
                                                     if fmt == "docx" else None)
                    if pdf is not None:
                        prefix = out / "png" / f"{path.stem}-{fmt}"
                        prefix.parent.mkdir(exist_ok=True)
                        subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(prefix)],
                                       check=True)
                    print("wrote", path.relative_to(ROOT))
    print(f"PNG pages in {(out / 'png').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
