"""JSON API: Economies' positions, the consensus matrix, clause status, options and the Chair's statement."""
from __future__ import annotations

from drafting.web.api import bp  # noqa: F401  (routes are added to the /api/v1 blueprint)
