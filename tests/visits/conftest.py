"""Helpers for "since your last visit": a reading point set a little in the past."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from drafting.extensions import db
from drafting.models import ClauseVersion
from drafting.models.types import utcnow
from drafting.services import visits


def backdate_the_world(minutes: int = 10) -> None:
    """The small world's text was written `minutes` ago, not a moment before the test."""
    db.session.execute(update(ClauseVersion).values(
        created_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


@pytest.fixture
def visited(world):
    """visited(*usernames): each user read the document five minutes ago: after the world's
    text was written (backdated ten minutes), before anything the test does next, whatever the
    clock's resolution."""
    backdate_the_world()

    def mark(*usernames):
        point = utcnow() - timedelta(minutes=5)
        for name in usernames:
            visits.mark_visited(world.user(name), world.document, now=point)
        db.session.commit()
        return point
    return mark
