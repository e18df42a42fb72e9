"""The desk queue reads through the visibility rule with its viewer named: the secretariat's
queue holds submitted proposals (circulated or not) and never a draft, in its lists and its
counts; nobody else may read it at all, the audience of everyone included."""
from __future__ import annotations

import pytest

from drafting.domain.desk_queue import QueueFilters
from drafting.domain.errors import PermissionDenied
from drafting.services import comments, desk_queue
from drafting.services.visibility import EVERYONE


def _ids(queue) -> set[int]:
    return {card.proposal.id for group in queue.groups for card in group.cards}


def test_secretariat_queue_lists_and_counts_submitted_proposals_only(scene):
    world = scene.world
    comments.add_comment(world.user("aus"), proposal=scene.aus_open, body="Our own note.")
    queue = desk_queue.build_queue(world.user("secretariat"), world.document, QueueFilters())
    assert _ids(queue) == {scene.aus_open.id, scene.jpn_public.id}
    assert queue.total == 2
    assert {code: n for code, _name, n in queue.economy_choices} == {"AUS": 1, "JPN": 1}
    assert queue.clause_choices == [(world.clauses[2].id, "OP1", 2)]
    assert queue.flag_counts["new"] == 2  # never marked: both new, no draft among them
    assert [p.id for p in queue.waiting] == [scene.aus_open.id]
    counts = {card.proposal.id: card.comment_count for g in queue.groups for card in g.cards}
    assert counts == {scene.aus_open.id: 1, scene.jpn_public.id: 0}
    aus_only = desk_queue.build_queue(world.user("secretariat"), world.document,
                                      QueueFilters(economy="AUS"))
    assert _ids(aus_only) == {scene.aus_open.id}


@pytest.mark.parametrize("who", ["aus", "nz", "observer", "admin", EVERYONE])
def test_nobody_else_reads_the_queue(scene, who):
    viewer = scene.world.user(who) if who else EVERYONE
    with pytest.raises(PermissionDenied):
        desk_queue.build_queue(viewer, scene.world.document, QueueFilters())
    if viewer is not EVERYONE:
        with pytest.raises(PermissionDenied):
            desk_queue.mark_desk_seen(viewer, scene.world.document, None)
