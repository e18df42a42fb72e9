"""JSON API: The audit trail, notifications and confidentiality (drafts, circulation)."""
from __future__ import annotations

from drafting.web.api import bp  # noqa: F401  (routes are added to the /api/v1 blueprint)
