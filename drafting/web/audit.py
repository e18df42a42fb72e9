"""The audit trail, notifications and confidentiality (drafts, circulation)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__)
