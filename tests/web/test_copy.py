"""Copy on the demo negotiation's pages (issue 16, item 14): no doubled punctuation, balanced
quotes, no label repeated in one line, no internal clause id shown to people."""
from __future__ import annotations

import re

from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Clause, Comment, Document, Proposal, User
from drafting.services import drafts
from drafting.services import proposals as proposal_service
from tests.factories import login
from tests.web.test_web_support import page

DOUBLED = re.compile(r"(?<!\.)(\.\.|\.\s\.|,,|;;|:\.|;\.|,\.)(?!\.)")
CLAUSE_ID = re.compile(r"clause #\d+", re.IGNORECASE)
REPEATED_REV = re.compile(r"(Rev\.\d+)\b[^\n]{0,200}?—\s*\1\s*:")


def _lines(response) -> list[str]:
    tree = page(response)
    for bad in tree.xpath("//script|//style|//textarea|//*[contains(@class,'clause-text')]"
                          "|//*[contains(@class,'redline')]|//*[contains(@class,'version-text')]"
                          "|//*[contains(@class,'comment-body')]|//blockquote"):
        bad.getparent().remove(bad)  # the negotiated words themselves are the economies' own
    lines = []
    for block in tree.xpath("//p|//li|//h1|//h2|//td|//th|//option|//summary|//title"):
        text = " ".join(block.text_content().split())
        if text:
            lines.append(text)
    return lines


def test_demo_pages_have_clean_copy(client, demo):
    document = db.session.execute(select(Document)).scalar_one()
    clause_ids = db.session.execute(select(Clause.id).order_by(Clause.id)).scalars().all()
    proposal_ids = db.session.execute(select(Proposal.id).order_by(Proposal.seq)).scalars().all()
    d = document.id
    paths = [f"/documents/{d}", f"/documents/{d}?view=changes", f"/documents/{d}/consensus",
             f"/documents/{d}/revisions", f"/documents/{d}/compare", f"/documents/{d}/workflow",
             f"/documents/{d}/negotiating-text", f"/documents/{d}/exports", f"/documents/{d}/desk"]
    paths += [f"/clauses/{c}" for c in clause_ids]
    paths += [f"/proposals/{p}" for p in proposal_ids]
    login(client, "secretariat")
    problems = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        for line in _lines(response):
            for name, pattern in (("doubled punctuation", DOUBLED), ("clause id", CLAUSE_ID),
                                  ("repeated label", REPEATED_REV)):
                if pattern.search(line):
                    problems.append((path, name, line[:160]))
            if line.count("“") != line.count("”"):
                problems.append((path, "unbalanced quotes", line[:160]))
    assert not problems, "\n".join(map(str, problems))


def _spoken_text(response) -> str:
    """What a reader sees or a screen reader says: text nodes (visually hidden ones too), and
    the labels and titles read aloud; not scripts, styles, URLs or form values."""
    tree = page(response)
    for bad in tree.xpath("//script|//style"):
        bad.getparent().remove(bad)
    said = [tree.text_content()]
    said += tree.xpath("//@aria-label|//@title|//@alt|//@placeholder")
    return " ".join(" ".join(said).split())


def test_no_row_id_is_shown_to_people(client, demo):
    """Proposals are named "proposal #12" (their public number) or, before they have one, by
    economy and time; never by their random row id, and no clause or comment is named by its
    id either (issue 16, item 14)."""
    document = db.session.execute(select(Document)).scalar_one()
    d = document.id
    # Names before a number too: an AUS draft, and an AUS proposal not yet circulated.
    aus = db.session.execute(select(User).where(User.username == "aus")).scalar_one()
    clause = db.session.execute(select(Clause).where(Clause.document_id == d)
                                .order_by(Clause.position)).scalars().all()[-1]
    drafts.save_draft(aus, document, "amend", clause=clause, text=clause.text + " (draft)")
    document.circulate_immediately = False
    waiting = proposal_service.submit_proposal(aus, document, "amend", clause=clause,
                                               text=clause.text + " (waiting)")
    db.session.commit()
    assert waiting.number is None
    proposals = db.session.execute(select(Proposal).order_by(Proposal.seq)).scalars().all()
    clause_ids = db.session.execute(select(Clause.id)).scalars().all()
    comment_ids = db.session.execute(select(Comment.id)).scalars().all()
    # Random, from 10,000,000 up (models/hidden_order.py): no public number or count is one.
    row_ids = {str(i) for i in [p.id for p in proposals] + list(comment_ids)}
    id_pattern = re.compile(r"\d+")
    shared = [f"/documents/{d}", f"/documents/{d}?view=changes", f"/documents/{d}/consensus",
              f"/documents/{d}/revisions", f"/documents/{d}/compare", f"/documents/{d}/workflow",
              f"/documents/{d}/exports", f"/documents/{d}/screen",
              f"/documents/{d}/negotiating-text", f"/documents/{d}/search?q=economies",
              "/notifications"]
    shared += [f"/clauses/{c}" for c in clause_ids]
    problems = []
    audit = f"/documents/{d}/audit"
    for username, extra in (("secretariat", [f"/documents/{d}/desk", audit]),
                            ("aus", ["/drafts"]), ("observer", [])):
        client.post("/logout")
        login(client, username)
        seen = [p.id for p in proposals
                if client.get(f"/proposals/{p.id}").status_code == 200]
        for path in shared + extra + [f"/proposals/{p}" for p in seen]:
            response = client.get(path)
            assert response.status_code == 200, (username, path)
            text = _spoken_text(response)
            shown = {m.group(0) for m in id_pattern.finditer(text)}
            for token in sorted(shown & row_ids):
                at = text.find(token)
                problems.append((username, path, token, text[max(0, at - 60):at + 40]))
    assert not problems, "\n".join(map(str, problems[:20]))
    assert [p for p in proposals if p.number is not None], "proposals everyone sees"
    assert len([p for p in proposals if p.number is None]) == 2
