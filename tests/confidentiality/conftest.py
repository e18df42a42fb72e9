"""A negotiation with proposals in every state of confidentiality.

`scene` (on the `world` fixture) holds, on OP1 (world.clauses[2]):
- aus_draft: AUS's draft (only AUS's delegates see it);
- nz_draft: NZ's draft;
- aus_open: AUS's submitted proposal, not yet circulated (the document circulates on demand);
- jpn_public: JPN's proposal submitted while the document circulated at once.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from drafting.extensions import db
from drafting.models import Proposal
from drafting.services import drafts, proposals

OP1 = "We will reduce emissions by 2030 and promote clean energy."
DRAFT_WORDING = "We will reduce emissions by 2030 and promote CONFIDENTIAL-AUS-DRAFT energy."
NZ_DRAFT_WORDING = "We will reduce emissions by 2030 and promote NZ-SECRET energy."
UNCIRCULATED_WORDING = "We will reduce emissions by 2030 and promote UNCIRCULATED-AUS energy."
PUBLIC_WORDING = "We will reduce emissions by 2030 and promote PUBLIC-JPN energy."


@dataclass
class Scene:
    world: object
    aus_draft: Proposal
    nz_draft: Proposal
    aus_open: Proposal
    jpn_public: Proposal

    @property
    def op1(self):
        return self.world.clauses[2]


@pytest.fixture
def scene(world) -> Scene:
    document, op1 = world.document, world.clauses[2]
    jpn_public = proposals.submit_proposal(world.user("jpn"), document, "amend", clause=op1,
                                           text=PUBLIC_WORDING, rationale="public")
    document.circulate_immediately = False
    aus_draft = drafts.save_draft(world.user("aus"), document, "amend", clause=op1,
                                  text=DRAFT_WORDING, rationale="draft rationale")
    nz_draft = drafts.save_draft(world.user("nz"), document, "amend", clause=op1,
                                 text=NZ_DRAFT_WORDING)
    aus_open = proposals.submit_proposal(world.user("aus"), document, "amend", clause=op1,
                                         text=UNCIRCULATED_WORDING, rationale="not yet")
    db.session.commit()
    return Scene(world, aus_draft, nz_draft, aus_open, jpn_public)

