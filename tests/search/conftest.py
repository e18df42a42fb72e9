"""A negotiation to search: a revision, a changed paragraph, and proposals and comments in
each state of confidentiality, each carrying a word of its own.

- OP1 (world.clauses[2]) read "… promote clean energy." in Rev.1; JPN's accepted amendment
  made it "… promote renewable energy." (version 2, the current text).
- JPN_PUBLIC: JPN's circulated proposal on OP2 (everyone sees it), with a comment by NZ.
- AUS_DRAFT / NZ_DRAFT: drafts (their own economy only).
- AUS_HELD: AUS's submitted proposal, not circulated (AUS and the secretariat), with a comment
  by AUS (the same audience).
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from drafting.extensions import db
from drafting.services import comments, decisions, drafts, proposals, revisions

RENEWABLE = "We will reduce emissions by 2030 and promote renewable energy."
PUBLIC = ("We encourage economies to cooperate on marine debris, zqpublicword and share "
          "best practices.")
AUS_DRAFT = "We will reduce emissions by 2030 and promote zqausdraftword energy."
NZ_DRAFT = "We will reduce emissions by 2030 and promote zqnzdraftword energy."
AUS_HELD = "We will reduce emissions by 2030 and promote zqausheldword energy."
HIDDEN_WORDS = {"zqausdraftword", "zqnzdraftword", "zqausheldword", "zqausheldwhy",
                "zqausheldnote"}
# Which of the marker words each viewer may find.
SEES = {
    "aus": {"zqausdraftword", "zqausheldword", "zqausheldwhy", "zqausheldnote",
            "zqpublicword", "zqpublicnote"},
    "nz": {"zqnzdraftword", "zqpublicword", "zqpublicnote"},
    "observer": {"zqpublicword", "zqpublicnote"},
    "secretariat": {"zqausheldword", "zqausheldwhy", "zqausheldnote", "zqpublicword",
                    "zqpublicnote"},
}
ALL_WORDS = set().union(*SEES.values())


@dataclass
class SearchScene:
    world: object
    op1: object
    op2: object
    accepted: object
    public: object
    aus_draft: object
    nz_draft: object
    aus_held: object
    public_note: object
    held_note: object
    clause_note: object


@pytest.fixture
def search_scene(world) -> SearchScene:
    document = world.document
    secretariat = world.user("secretariat")
    op1, op2 = world.clauses[2], world.clauses[3]
    revisions.issue_revision(secretariat, document, note="first reading")
    accepted = proposals.submit_proposal(world.user("jpn"), document, "amend", clause=op1,
                                         text=RENEWABLE, rationale="Broader wording.")
    db.session.flush()
    decisions.decide_proposal(secretariat, accepted, "accept", expected_version=1)
    public = proposals.submit_proposal(world.user("jpn"), document, "amend", clause=op2,
                                       text=PUBLIC, rationale="Circulated with the text.")
    public_note = comments.add_comment(world.user("nz"), proposal=public,
                                       body="We support zqpublicnote wording.")
    clause_note = comments.add_comment(world.user("jpn"), clause=op2,
                                       body="A general remark on **marine debris**.")
    document.circulate_immediately = False
    aus_draft = drafts.save_draft(world.user("aus"), document, "amend", clause=op1,
                                  text=AUS_DRAFT, rationale="Our own wording.")
    nz_draft = drafts.save_draft(world.user("nz"), document, "amend", clause=op1, text=NZ_DRAFT)
    aus_held = proposals.submit_proposal(world.user("aus"), document, "amend", clause=op1,
                                         text=AUS_HELD, rationale="Because zqausheldwhy.")
    held_note = comments.add_comment(world.user("aus"), proposal=aus_held,
                                     body="Our note: zqausheldnote.")
    db.session.commit()
    return SearchScene(world, op1, op2, accepted, public, aus_draft, nz_draft, aus_held,
                       public_note, held_note, clause_note)
