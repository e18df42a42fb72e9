"""The objects the authorisation matrix acts on, built over the `world` fixture.

Every economy-owned kind exists twice, once for AUS and once for NZ, so each route that acts on
one is checked from its own economy's side and from the other's: an open (circulated) proposal
of each, a draft of each, a comment thread of each, a notification and an API token of each
economy's delegate. Optional extras (`SETUPS`) put the document or the objects in the state a
route needs to succeed (a running silence procedure for "break silence", a kept option for
"choose option" …), so that an allowed request is seen to work, not just to pass the guard.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy import select

from drafting.domain.states import Stage
from drafting.exports.model import Run
from drafting.extensions import db
from drafting.models import ApiToken, Notification
from drafting.services import accounts, comments, drafts, options, positions, proposals
from drafting.services import revisions, silence
from tests.imports.builders import redline_export
from tests.web.test_web_support import committed_rows

AUS_AMENDMENT = "We will halve emissions by 2030 and promote clean energy."
NZ_AMENDMENT = ("We encourage economies to cooperate on marine debris and plastics and share "
                "best practices.")


@dataclass
class Scene:
    world: object
    ids: dict[str, int] = field(default_factory=dict)
    # variant name -> {placeholder: id} for the economy-owned objects
    owned: dict[str, dict[str, int]] = field(default_factory=dict)

    def placeholders(self, variant: str) -> dict[str, int]:
        values = dict(self.ids)
        values.update(self.owned.get(variant, {}))
        return values

    def tracked_changes_docx(self) -> io.BytesIO:
        """Our Word export of the document with one tracked insertion in PP2."""
        data = redline_export(self.world.document, {"PP2": [
            Run("equal", "Recalling the "), Run("insert", "ambitious "),
            Run("equal", "Putrajaya Vision 2040;")]})
        return io.BytesIO(data)


def _token_id(user) -> int:
    accounts.issue_token(None, user, f"{user.username} script")
    db.session.flush()
    return db.session.execute(select(ApiToken.id).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.id.desc()).limit(1)).scalar_one()


def _notification(user, document, url: str) -> int:
    note = Notification(user_id=user.id, kind="decision", document_id=document.id, url=url,
                        message=f"A decision was taken on a proposal of {user.economy.code}.")
    db.session.add(note)
    db.session.flush()
    return note.id


def build_scene(world) -> Scene:
    aus, nz = world.user("aus"), world.user("nz")
    document, clauses = world.document, world.clauses
    open_aus = proposals.submit_proposal(aus, document, "amend", clause=clauses[2],
                                         text=AUS_AMENDMENT, rationale="More ambition.")
    open_nz = proposals.submit_proposal(nz, document, "amend", clause=clauses[3],
                                        text=NZ_AMENDMENT, rationale="Name plastics.")
    draft_aus = drafts.save_draft(aus, document, "amend", clause=clauses[0],
                                  text="Recognising that climate change poses grave risks to "
                                       "the region;")
    draft_nz = drafts.save_draft(nz, document, "amend", clause=clauses[1],
                                 text="Recalling the Putrajaya Vision 2040 and the Aotearoa "
                                      "Plan of Action;")
    thread_aus = comments.add_comment(aus, clause=clauses[0], body="AUS would like to discuss.")
    thread_nz = comments.add_comment(nz, clause=clauses[1], body="NZ has a question.")
    owned = {
        "AUS": {"proposal": open_aus.id, "comment": thread_aus.id,
                "notification": _notification(aus, document, f"/proposals/{open_aus.id}"),
                "token": _token_id(aus)},
        "NZ": {"proposal": open_nz.id, "comment": thread_nz.id,
               "notification": _notification(nz, document, f"/proposals/{open_nz.id}"),
               "token": _token_id(nz)},
        "draft-AUS": {"proposal": draft_aus.id},
        "draft-NZ": {"proposal": draft_nz.id},
    }
    ids = {"doc": document.id, "jpn": world.users["jpn"].id,
           **{f"c{i}": clause.id for i, clause in enumerate(clauses)}}
    db.session.commit()
    return Scene(world=world, ids=ids, owned=owned)


# --- states a route needs -------------------------------------------------------------------

def _secretariat(scene):
    return scene.world.user("secretariat")


def _proposal(scene, variant):
    from drafting.models import Proposal
    return db.session.get(Proposal, scene.owned[variant]["proposal"])


def with_revision(scene):
    revisions.issue_revision(_secretariat(scene), scene.world.document, "Rev.1 for the tests")


def with_silence(scene):
    silence.start_silence(_secretariat(scene), scene.world.document, "2099-06-30T17:00",
                          "Asia/Bangkok", "Circulated under silence.")


def with_ministers_endorsement(scene):
    scene.world.document.stage = Stage.ENDORSED_MINISTERS


def with_aus_option(scene):
    options.keep_as_option(_secretariat(scene), _proposal(scene, "AUS"))


def with_both_options(scene):
    options.keep_as_option(_secretariat(scene), _proposal(scene, "AUS"))
    options.keep_as_option(_secretariat(scene), _proposal(scene, "NZ"))


def with_cosponsors(scene):
    """NZ co-sponsors the AUS proposal and AUS the NZ one."""
    proposals.cosponsor_proposal(scene.world.user("nz"), _proposal(scene, "AUS"))
    proposals.cosponsor_proposal(scene.world.user("aus"), _proposal(scene, "NZ"))


def with_resolved_threads(scene):
    from drafting.models import Comment
    for variant in ("AUS", "NZ"):
        comments.resolve_comment(_secretariat(scene),
                                 db.session.get(Comment, scene.owned[variant]["comment"]))


def with_waiting_proposal(scene):
    """The document circulates on the secretariat's word; a JPN proposal waits for it."""
    scene.world.document.circulate_immediately = False
    db.session.flush()
    proposals.submit_proposal(scene.world.user("jpn"), scene.world.document, "amend",
                              clause=scene.world.clauses[1],
                              text="Recalling the Putrajaya Vision 2040 and the Aotearoa Plan.")


def with_positions(scene):
    clause = scene.world.clauses[0]
    positions.set_position(scene.world.user("aus"), clause, "support")
    positions.set_position(scene.world.user("nz"), clause, "can_accept")


def with_chair_statement(scene):
    """OP2 (c3) moved into a Chair's statement: {chair} and its paragraph {chair_clause}."""
    from drafting.services import chair_statement
    result = chair_statement.create_chair_statement(_secretariat(scene), scene.world.document,
                                                    [scene.ids["c3"]])
    scene.ids["chair"] = result.document.id
    scene.ids["chair_clause"] = result.moved[0].clause.id


SETUPS = {
    "revision": with_revision,
    "silence": with_silence,
    "ministers": with_ministers_endorsement,
    "option": with_aus_option,
    "options": with_both_options,
    "cosponsored": with_cosponsors,
    "resolved": with_resolved_threads,
    "waiting": with_waiting_proposal,
    "positions": with_positions,
    "chair_statement": with_chair_statement,
}


def prepare(scene, names) -> None:
    for name in names:
        SETUPS[name](scene)
    db.session.commit()


# --- "nothing changed" ------------------------------------------------------------------------

def every_table() -> dict[str, list[tuple]]:
    """Every committed row of every table, read on a connection of its own."""
    return committed_rows(t.name for t in db.metadata.sorted_tables)


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before if before[t] != after[t])
